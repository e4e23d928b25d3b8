// libFuzzer target: identity normalisation on ICU and libphonenumber, and the identity keys
// (extension/core/identity_normalizer.h, dedupe_hash.h).
//
// Input: arbitrary bytes.  Up to the first three '\n' split them into email, phone, company
// and a region (fewer newlines: the missing parts are empty), so that the seed corpus is
// plain text, one part per line.  The whole input is also fed to each normaliser on its own.
//
// Invariants (a violation prints the reason and aborts, which libFuzzer reports as a crash):
//   - text that is not valid UTF-8 is refused with UserError 22021, and only such text;
//   - email and company normalisation is idempotent, with and without provider rules;
//   - their output is valid UTF-8 with no control character, no leading or trailing white
//     space; company has no run of two white spaces and every white space is ' ';
//   - a phone's E.164 form is '+' and 8 to 15 digits; the digits form is ASCII digits; an
//     E.164 form normalises to itself in any region;
//   - phone_region(x) is two capitals, and phone_region of it is itself;
//   - the keys are 64 lower-case hex characters, present exactly when their part is not
//     empty; combined equals sha256_hex(canonical_identity), which holds exactly two 0x1F
//     bytes; keys depend only on the normalised parts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "core/dedupe_hash.h"
#include "core/identity_normalizer.h"
#include "core/user_error.h"

namespace core = lead_router::core;

namespace {

[[noreturn]] void fail(const char* what, std::string_view input, std::string_view output = {}) {
    std::fprintf(stderr, "fuzz_identity invariant violated: %s\n  input  (%zu bytes):", what, input.size());
    for (unsigned char c : input) std::fprintf(stderr, " %02x", c);
    std::fprintf(stderr, "\n  output (%zu bytes):", output.size());
    for (unsigned char c : output) std::fprintf(stderr, " %02x", c);
    std::fprintf(stderr, "\n");
    std::abort();
}

#define CHECK(cond, what, in, out)        \
    do {                                  \
        if (!(cond)) fail(what, in, out); \
    } while (0)

// Valid UTF-8, judged by ICU's own decoder (independently of the code under test).
bool valid_utf8(std::string_view s) {
    const auto* b = reinterpret_cast<const uint8_t*>(s.data());
    for (int32_t i = 0; i < static_cast<int32_t>(s.size());) {
        UChar32 c;
        U8_NEXT(b, i, static_cast<int32_t>(s.size()), c);
        if (c < 0) return false;
    }
    return true;
}

void check_text_output(std::string_view in, const std::string& out, bool collapse) {
    const char* const what = collapse ? "company output" : "email output";
    if (!valid_utf8(out)) fail(what, in, out);
    const auto* b = reinterpret_cast<const uint8_t*>(out.data());
    bool first = true, previous_space = false, last_space = false;
    for (int32_t i = 0; i < static_cast<int32_t>(out.size());) {
        UChar32 c;
        U8_NEXT(b, i, static_cast<int32_t>(out.size()), c);
        const bool space = u_isUWhiteSpace(c);
        if (!space && u_charType(c) == U_CONTROL_CHAR) fail("a control character survived", in, out);
        if (space && first) fail("leading white space", in, out);
        if (collapse && space && (previous_space || c != ' ')) fail("white space not collapsed", in, out);
        previous_space = last_space = space;
        first = false;
    }
    if (last_space) fail("trailing white space", in, out);
}

// Runs `normalize`, checking that it refuses exactly the invalid UTF-8 with 22021.
template <typename F>
std::optional<std::string> refused_or(std::string_view raw, F normalize) {
    try {
        std::string out = normalize(raw);
        CHECK(valid_utf8(raw), "accepted invalid UTF-8", raw, out);
        return out;
    } catch (const core::UserError& e) {
        CHECK(!valid_utf8(raw) && std::string_view(e.sqlstate()) == "22021",
              "refused valid UTF-8, or with another SQLSTATE", raw, e.what());
        return std::nullopt;
    }
}

void check_email(std::string_view raw) {
    for (const auto mode : {core::EmailCanonicalization::none, core::EmailCanonicalization::provider}) {
        const auto norm = [&](std::string_view s) { return core::normalize_email(s, mode); };
        const std::optional<std::string> once = refused_or(raw, norm);
        if (!once) continue;
        check_text_output(raw, *once, false);
        CHECK(norm(*once) == *once, "normalize_email is not idempotent", raw, *once);
    }
}

void check_company(std::string_view raw) {
    const std::optional<std::string> once = refused_or(raw, core::normalize_company);
    if (!once) return;
    check_text_output(raw, *once, true);
    CHECK(core::normalize_company(*once) == *once, "normalize_company is not idempotent", raw, *once);
}

void check_phone(std::string_view raw, std::string_view region) {
    const std::optional<std::string> text =
        refused_or(raw, [&](std::string_view s) { return core::normalize_phone(s, region).text; });
    if (!text) return;
    const core::NormalizedPhone phone = core::normalize_phone(raw, region);
    switch (phone.form) {
        case core::NormalizedPhone::Form::none:
            CHECK(phone.text.empty(), "no phone but text", raw, phone.text);
            break;
        case core::NormalizedPhone::Form::digits:
            CHECK(!phone.text.empty() && phone.text.find_first_not_of("0123456789") == std::string::npos,
                  "digits form is not ASCII digits", raw, phone.text);
            break;
        case core::NormalizedPhone::Form::e164: {
            const std::string& t = phone.text;
            CHECK(t.size() >= 3 && t.size() <= 17 && t[0] == '+' &&
                      t.find_first_not_of("0123456789", 1) == std::string::npos,
                  "E.164 form is not + and digits", raw, t);
            for (const char* other : {"", "US", "GB", "DE"}) {
                CHECK(core::normalize_phone(t, other).text == t, "E.164 does not normalise to itself", raw, t);
            }
            break;
        }
    }
}

void check_region(std::string_view raw) {
    const std::optional<std::string> region = core::phone_region(raw);
    if (!region) return;
    CHECK(
        region->size() == 2 && (*region)[0] >= 'A' && (*region)[0] <= 'Z' && (*region)[1] >= 'A' && (*region)[1] <= 'Z',
        "region is not two capitals", raw, *region);
    CHECK(core::phone_region(*region) == region, "phone_region is not idempotent", raw, *region);
}

bool hex64(const std::optional<std::string>& key) {
    return key && key->size() == 64 && key->find_first_not_of("0123456789abcdef") == std::string::npos;
}

void check_keys(std::string_view all, const core::IdentityInput& in) {
    core::IdentityKeys keys;
    try {
        keys = core::identity_keys(in);
    } catch (const core::UserError& e) {
        CHECK(std::string_view(e.sqlstate()) == "22021", "identity_keys refused with another SQLSTATE", all, e.what());
        CHECK(!valid_utf8(in.email) || !valid_utf8(in.phone) || !valid_utf8(in.company),
              "identity_keys refused valid UTF-8", all, e.what());
        return;
    }
    const std::string email = core::normalize_email(in.email, in.canonicalization);
    const std::string phone = core::normalize_phone(in.phone, in.phone_region).text;
    const std::string company = core::normalize_company(in.company);
    CHECK(keys.email_key.has_value() == !email.empty() && (!keys.email_key || hex64(keys.email_key)), "email_key", all,
          email);
    CHECK(keys.phone_key.has_value() == !phone.empty() && (!keys.phone_key || hex64(keys.phone_key)), "phone_key", all,
          phone);
    const std::string canonical = core::canonical_identity(in);
    std::size_t separators = 0;
    for (const char c : canonical) separators += c == '\x1f';
    CHECK(separators == 2, "canonical identity without exactly two separators", all, canonical);
    const bool empty = email.empty() && phone.empty() && company.empty();
    CHECK(keys.combined.has_value() == !empty, "combined key presence", all, canonical);
    if (keys.combined) {
        CHECK(hex64(keys.combined) && *keys.combined == core::sha256_hex(canonical), "combined key", all, canonical);
        // Only the normalised parts count: keys of pre-normalised email and company agree.
        const core::IdentityKeys again =
            core::identity_keys({email, in.phone, company, in.phone_region, in.canonicalization});
        CHECK(again.combined == keys.combined && again.email_key == keys.email_key,
              "keys depend on more than the normalised parts", all, canonical);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string_view parts[4];
    std::size_t start = 0;
    for (int i = 0; i < 3; ++i) {
        const std::size_t nl = input.find('\n', start);
        if (nl == std::string_view::npos) {
            parts[i] = input.substr(start);
            start = input.size();
            break;
        }
        parts[i] = input.substr(start, nl - start);
        start = nl + 1;
    }
    if (start < input.size()) parts[3] = input.substr(start);

    check_email(input);
    check_company(input);
    check_region(parts[3]);
    const std::optional<std::string> region = core::phone_region(parts[3]);
    const std::string_view region_code = region ? std::string_view(*region) : std::string_view();
    check_phone(input, region_code);
    check_phone(parts[1], region_code);
    for (const auto mode : {core::EmailCanonicalization::none, core::EmailCanonicalization::provider}) {
        check_keys(input, {parts[0], parts[1], parts[2], region_code, mode});
    }
    return 0;
}
