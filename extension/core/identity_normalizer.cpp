// Identity normalisation rules of SPEC.md "Identity: the same person, however it is written".
#include "core/identity_normalizer.h"

#include <algorithm>

#include <unicode/utf8.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include "core/unicode_text.h"
#include "core/user_error.h"

#ifndef LEAD_ROUTER_PHONENUMBER_VERSION
#define LEAD_ROUTER_PHONENUMBER_VERSION "unknown"
#endif

namespace lead_router::core {
namespace {

bool is_ascii(std::string_view s);

void require_utf8(std::string_view raw, const char* field) {
    if (is_ascii(raw) || unicode::is_utf8(raw)) return;
    throw UserError("22021", std::string(field) + " is not valid UTF-8",
                    "Identity fields are normalised as Unicode text.",
                    "Store identity fields in a UTF8 database, or as valid UTF-8.");
}

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
        return;
    }
    char bytes[U8_MAX_LENGTH];
    int32_t length = 0;
    U8_APPEND_UNSAFE(bytes, length, static_cast<UChar32>(c));
    out.append(bytes, static_cast<std::size_t>(length));
}

bool is_ascii(std::string_view s) {
    for (const char c : s) {
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    }
    return true;
}

// Folded text with white space trimmed and either kept (as it is) or collapsed to one space
// between words; control characters dropped.  Folding first: compatibility forms of spaces
// (U+3000, U+00A0) become U+0020 there.  ASCII text, nearly all identity text, is folded
// byte by byte: there NFKC case folding is A-Z to a-z.
bool ascii_white_space(char32_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// The ASCII case of fold_text, byte by byte.
std::string fold_ascii(std::string_view raw, bool collapse_inner_space) {
    std::string out;
    out.reserve(raw.size());
    std::size_t space_from = std::string::npos;  // start of the white space run being skipped
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c == ' ' || (c >= '\t' && c <= '\r')) {
            if (space_from == std::string::npos) space_from = i;
            continue;
        }
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) continue;
        if (space_from != std::string::npos) {
            if (!out.empty()) {
                if (collapse_inner_space) {
                    out.push_back(' ');
                } else {  // the run as written, less the control characters in it
                    for (std::size_t k = space_from; k < i; ++k) {
                        const char w = raw[k];
                        if (w == ' ' || (w >= '\t' && w <= '\r')) out.push_back(w);
                    }
                }
            }
            space_from = std::string::npos;
        }
        out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
    }
    return out;
}

bool is_control_character(char32_t c) { return c < 0x20 || c == 0x7F || (c >= 0x80 && unicode::is_control(c)); }

// Control characters go before folding: one between a letter and its combining mark keeps
// them apart there, and dropped afterwards it would let a second normalisation compose them.
std::string without_controls(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    unicode::for_each_code_point(raw, [&](char32_t c) {
        if (!is_control_character(c) || ascii_white_space(c) || unicode::is_white_space(c)) append_utf8(out, c);
    });
    return out;
}

std::string fold_text(std::string_view raw, bool collapse_inner_space) {
    if (is_ascii(raw)) return fold_ascii(raw, collapse_inner_space);
    std::string out;
    out.reserve(raw.size());
    std::string pending;  // white space seen since the last kept character
    unicode::for_each_code_point(unicode::fold(without_controls(raw)), [&](char32_t c) {
        const bool space = c < 0x80 ? ascii_white_space(c) : unicode::is_white_space(c);
        if (space) {
            if (collapse_inner_space) {
                pending.assign(1, ' ');
            } else {
                append_utf8(pending, c);
            }
            return;
        }
        if (is_control_character(c)) return;
        if (!out.empty()) out += pending;
        pending.clear();
        append_utf8(out, c);
    });
    return out;
}

constexpr std::string_view kPlusTagDomains[] = {
    "outlook.com", "hotmail.com",  "live.com",    "msn.com",   "icloud.com",     "me.com",
    "mac.com",     "fastmail.com", "fastmail.fm", "proton.me", "protonmail.com", "pm.me",
};

std::string canonical_provider_address(std::string email) {
    const std::size_t at = email.rfind('@');
    if (at == std::string::npos || at == 0) return email;
    std::string local = email.substr(0, at);
    std::string domain = email.substr(at + 1);
    const bool gmail = domain == "gmail.com" || domain == "googlemail.com";
    const bool plus_tags =
        gmail || std::find(std::begin(kPlusTagDomains), std::end(kPlusTagDomains), domain) != std::end(kPlusTagDomains);
    if (plus_tags) {
        const std::size_t plus = local.find('+');
        if (plus != std::string::npos && plus > 0) local.erase(plus);
    }
    if (gmail) {
        local.erase(std::remove(local.begin(), local.end(), '.'), local.end());
        domain = "gmail.com";
    }
    if (local.empty()) return email;
    return local + "@" + domain;
}

}  // namespace

std::string normalize_email(std::string_view raw, EmailCanonicalization canonicalization) {
    require_utf8(raw, "email");
    std::string email = fold_text(raw, false);
    if (canonicalization == EmailCanonicalization::provider) {
        // Trimmed again: dots dropped from the front of a local part can uncover white space.
        email = fold_text(canonical_provider_address(std::move(email)), false);
    }
    return email;
}

std::string normalize_company(std::string_view raw) {
    require_utf8(raw, "company name");
    return fold_text(raw, true);
}

std::string phone_digits(std::string_view raw) {
    const auto digit_of = [](char32_t c) {
        if (c < 0x80) return c >= '0' && c <= '9' ? static_cast<int>(c - '0') : -1;
        return unicode::digit_value(c);
    };
    // One pass over the code points; the extension marker needs one code point of look-behind
    // and two of look-ahead, read from the text as needed.
    const auto lower = [](char32_t c) -> char32_t { return c >= 'A' && c <= 'Z' ? c + 32 : c; };
    const auto peek = [&](std::size_t pos, int ahead) {
        char32_t c = 0;
        for (int i = 0; i <= ahead; ++i) {
            if (pos >= raw.size()) return char32_t{0};
            c = unicode::detail::next_code_point(raw, &pos);
        }
        return lower(c);
    };
    std::string digits;
    std::size_t pos = 0;
    while (pos < raw.size()) {  // leading white space
        std::size_t next = pos;
        if (!unicode::is_white_space(unicode::detail::next_code_point(raw, &next))) break;
        pos = next;
    }
    const bool plus_prefix = peek(pos, 0) == '+' || peek(pos, 0) == 0xFF0B;
    const auto international = [&] {
        return plus_prefix || (digits.size() >= 2 && digits[0] == '0' && digits[1] == '0');
    };
    char32_t last_non_space = 0, previous = 0, before_previous = 0;
    while (pos < raw.size()) {
        const char32_t c = lower(unicode::detail::next_code_point(raw, &pos));
        // An extension follows "#", "ext", or an "x" right after a digit ("555-0100 x12");
        // an "x" inside a word ("1-800-BOX-1234") is a letter of a vanity number.
        const bool ext_word = c == 'e' && peek(pos, 0) == 'x' && peek(pos, 1) == 't';
        const bool x_marker = c == 'x' && digit_of(last_non_space) >= 0;
        if (!digits.empty() && (c == '#' || ext_word || x_marker)) break;
        const int d = digit_of(c);
        if (d >= 0) {
            digits.push_back(static_cast<char>('0' + d));
        } else if (c == ')' && previous == '0' && before_previous == '(' && international()) {
            digits.pop_back();  // "+44 (0)20 ...": the national trunk 0 is not dialled
        }
        if (!(c < 0x80 ? ascii_white_space(c) : unicode::is_white_space(c))) last_non_space = c;
        before_previous = previous;
        previous = c;
    }
    if (!plus_prefix && digits.size() > 2 && digits[0] == '0' && digits[1] == '0') {
        digits.erase(0, 2);  // "00" is the international call prefix, same as "+"
    }
    return digits;
}

NormalizedPhone normalize_phone(std::string_view raw, std::string_view region) {
    require_utf8(raw, "phone");
    NormalizedPhone out;
    using i18n::phonenumbers::PhoneNumber;
    using i18n::phonenumbers::PhoneNumberUtil;
    const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
    // libphonenumber refuses longer input as TOO_LONG, but only after running its patterns
    // over it: a megabyte of "phone" must not cost minutes.
    constexpr std::size_t kMaxPhoneBytes = 250;
    enum class Reading { none, possible, valid };
    // E.164 allows 15 digits with the country code; libphonenumber's possible lengths of some
    // regions go beyond that for national numbers (Germany's: 15 without the "49").
    constexpr std::size_t kMaxE164Digits = 15;
    const auto fits_e164 = [&](const PhoneNumber& number) {
        std::string national;
        util->GetNationalSignificantNumber(number, &national);
        return std::to_string(number.country_code()).size() + national.size() <= kMaxE164Digits;
    };
    const auto readable = [&](const std::string& text, const std::string& in_region, PhoneNumber* number) {
        return text.size() <= kMaxPhoneBytes &&
               util->Parse(text, in_region, number) == PhoneNumberUtil::NO_PARSING_ERROR &&
               util->IsPossibleNumber(*number) && fits_e164(*number);
    };
    const auto read = [&](const std::string& text, const std::string& in_region, PhoneNumber* number) {
        if (!readable(text, in_region, number)) return Reading::none;
        return util->IsValidNumber(*number) ? Reading::valid : Reading::possible;
    };
    const auto take = [&](const PhoneNumber& number) {
        out.form = NormalizedPhone::Form::e164;
        util->Format(number, PhoneNumberUtil::E164, &out.text);
    };
    // libphonenumber's E.164 of an odd input ("+44)0( 02 ...") can read differently again;
    // settle on the form that reads as itself, so that normalising twice changes nothing.
    // A form that never does (it reads as no possible number, or keeps changing) is no E.164
    // form: the digits rule applies.
    const auto settled = [&] {
        for (int i = 0; i < 3; ++i) {
            const std::string previous = out.text;
            PhoneNumber again;
            if (!readable(previous, "ZZ", &again)) return false;  // whether it is valid plays no part here
            take(again);
            if (out.text == previous) return true;
        }
        return false;
    };
    const auto digits_rule = [&] {
        out.text = phone_digits(raw);
        out.form = out.text.empty() ? NormalizedPhone::Form::none : NormalizedPhone::Form::digits;
        return out;
    };
    const std::string region_code = region.empty() ? "ZZ" : std::string(region);
    PhoneNumber as_written;
    const Reading in_region = read(std::string(raw), region_code, &as_written);
    if (in_region == Reading::valid) {
        take(as_written);
        return settled() ? out : digits_rule();
    }
    // "00" is the international call prefix in most of the world, and people write it
    // where another is dialled (a US lead's "0044 20 ...", a Japanese one's): a number that
    // is no valid number of the region but reads after "+" is international.
    const std::size_t first = raw.find_first_not_of(" \t");
    if (first != std::string_view::npos && raw.substr(first, 2) == "00") {
        PhoneNumber international;
        if (read("+" + std::string(raw.substr(first + 2)), region_code, &international) != Reading::none) {
            take(international);
            if (settled()) return out;
        }
    }
    if (in_region == Reading::possible) {
        take(as_written);
        if (settled()) return out;
    }
    return digits_rule();
}

std::optional<std::string> phone_region(std::string_view text) {
    std::string code;
    for (const char c : text) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
        code.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c);
    }
    if (code.size() != 2) return std::nullopt;
    const auto* util = i18n::phonenumbers::PhoneNumberUtil::GetInstance();
    if (util->GetCountryCodeForRegion(code) == 0) return std::nullopt;
    return code;
}

const char* phonenumber_version() { return LEAD_ROUTER_PHONENUMBER_VERSION; }

}  // namespace lead_router::core
