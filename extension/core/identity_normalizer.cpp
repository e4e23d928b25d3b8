// Identity normalisation rules of SPEC.md "generate_dedupe_hash", in one place.
#include "core/identity_normalizer.h"

#include "core/utf8.h"

namespace lead_router::core {
namespace {

bool is_space(char32_t cp) {
    switch (cp) {
        case ' ': case '\t': case '\n': case '\v': case '\f': case '\r':
        case 0x0085: case 0x00A0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
        case 0x3000:
            return true;
        default:
            return cp >= 0x2000 && cp <= 0x200A;
    }
}

// Control characters and invisible marks that never carry identity.  Dropping them also
// guarantees that the part separator (U+001F) cannot occur inside a part.
bool is_dropped(char32_t cp) {
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x200B || cp == 0xFEFF;
}

// Shared walk over the code points of a text.  An invalid UTF-8 byte (possible only in a
// SQL_ASCII database) becomes the private-use code point U+F700 + byte: distinct inputs stay
// distinct, and the output is valid UTF-8, so dropping a character between two such bytes
// can never join them into a new character (normalising twice changes nothing).
constexpr char32_t kInvalidByteBase = 0xF700;

template <typename OnCodePoint>
void for_each_code_point(std::string_view text, OnCodePoint on_cp) {
    for (std::size_t pos = 0; pos < text.size();) {
        const utf8::Decoded d = utf8::decode(text, pos);
        on_cp(d.valid ? d.code_point
                      : kInvalidByteBase + static_cast<unsigned char>(text[pos]));
        pos += d.length;
    }
}

// Lower-cased text with whitespace runs either collapsed to one space (company) or kept
// (email); leading and trailing whitespace always removed.
std::string fold_text(std::string_view raw, bool collapse_inner_space) {
    std::string out;
    out.reserve(raw.size());
    bool pending_space = false;
    const auto flush_space = [&] {
        if (pending_space && !out.empty()) out.push_back(' ');
        pending_space = false;
    };
    std::string run;  // inner whitespace kept verbatim when not collapsing
    for_each_code_point(raw, [&](char32_t cp) {
        if (is_space(cp)) {
            if (collapse_inner_space) {
                pending_space = true;
            } else if (!out.empty()) {
                utf8::append(run, cp);
            }
            return;
        }
        if (is_dropped(cp)) return;
        if (collapse_inner_space) {
            flush_space();
        } else {
            out += run;
            run.clear();
        }
        utf8::append(out, fold_case(cp));
    });
    return out;
}

int digit_value(char32_t cp) {
    if (cp >= '0' && cp <= '9') return static_cast<int>(cp - '0');
    if (cp >= 0xFF10 && cp <= 0xFF19) return static_cast<int>(cp - 0xFF10);  // fullwidth
    if (cp >= 0x0660 && cp <= 0x0669) return static_cast<int>(cp - 0x0660);  // Arabic-Indic
    if (cp >= 0x06F0 && cp <= 0x06F9) return static_cast<int>(cp - 0x06F0);  // Eastern Arabic-Indic
    return -1;
}

}  // namespace

char32_t fold_case(char32_t cp) {
    if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
    // Latin-1 Supplement: À..Þ except ×.
    if (cp >= 0x00C0 && cp <= 0x00DE && cp != 0x00D7) return cp + 32;
    // Latin Extended-A: mostly upper/lower pairs, with the parity switching at U+0139 and U+0179.
    if (cp == 0x0130) return 'i';
    if (cp == 0x0178) return 0x00FF;
    if ((cp >= 0x0100 && cp <= 0x012F) || (cp >= 0x0132 && cp <= 0x0137) ||
        (cp >= 0x014A && cp <= 0x0177)) {
        return (cp % 2 == 0) ? cp + 1 : cp;
    }
    if ((cp >= 0x0139 && cp <= 0x0148) || (cp >= 0x0179 && cp <= 0x017E)) {
        return (cp % 2 == 1) ? cp + 1 : cp;
    }
    // Greek.
    if (cp >= 0x0391 && cp <= 0x03AB && cp != 0x03A2) return cp + 32;
    if (cp == 0x0386) return 0x03AC;
    if (cp >= 0x0388 && cp <= 0x038A) return cp + 37;
    if (cp == 0x038C) return 0x03CC;
    if (cp == 0x038E || cp == 0x038F) return cp + 63;
    // Cyrillic.
    if (cp >= 0x0400 && cp <= 0x040F) return cp + 80;
    if (cp >= 0x0410 && cp <= 0x042F) return cp + 32;
    if ((cp >= 0x0460 && cp <= 0x0481) || (cp >= 0x048A && cp <= 0x04BF) ||
        (cp >= 0x04D0 && cp <= 0x052F)) {
        return (cp % 2 == 0) ? cp + 1 : cp;
    }
    if (cp == 0x04C0) return 0x04CF;
    if (cp >= 0x04C1 && cp <= 0x04CE) return (cp % 2 == 1) ? cp + 1 : cp;
    return cp;
}

std::string normalize_email(std::string_view raw) { return fold_text(raw, false); }

std::string normalize_company(std::string_view raw) { return fold_text(raw, true); }

std::string normalize_phone(std::string_view raw) {
    // Decoded first: the extension marker needs one code point of look-behind and two of
    // look-ahead.  Invalid bytes read as private-use code points: neither digits nor markers.
    std::u32string cps;
    cps.reserve(raw.size());
    for_each_code_point(raw, [&](char32_t cp) { cps.push_back(fold_case(cp)); });

    std::string digits;
    std::size_t i = 0;
    while (i < cps.size() && is_space(cps[i])) ++i;
    const bool plus_prefix = i < cps.size() && (cps[i] == '+' || cps[i] == 0xFF0B);
    const auto international = [&] {
        return plus_prefix || (digits.size() >= 2 && digits[0] == '0' && digits[1] == '0');
    };
    char32_t last_non_space = 0;
    for (; i < cps.size(); ++i) {
        const char32_t cp = cps[i];
        // An extension follows "#", "ext", or an "x" right after a digit ("555-0100 x12");
        // an "x" inside a word ("1-800-BOX-1234") is a letter of a vanity number.
        const bool ext_word = cp == 'e' && i + 2 < cps.size() && cps[i + 1] == 'x' && cps[i + 2] == 't';
        const bool x_marker = cp == 'x' && digit_value(last_non_space) >= 0;
        if (!digits.empty() && (cp == '#' || ext_word || x_marker)) break;
        const int d = digit_value(cp);
        if (d >= 0) {
            digits.push_back(static_cast<char>('0' + d));
        } else if (cp == ')' && i >= 2 && cps[i - 1] == '0' && cps[i - 2] == '(' &&
                   international()) {
            digits.pop_back();  // "+44 (0)20 ...": the national trunk 0 is not dialled
        }
        if (!is_space(cp)) last_non_space = cp;
    }
    if (!plus_prefix && digits.size() > 2 && digits[0] == '0' && digits[1] == '0') {
        digits.erase(0, 2);  // "00" is the international call prefix, same as "+"
    }
    return digits;
}

}  // namespace lead_router::core
