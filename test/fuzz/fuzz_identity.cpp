// libFuzzer target: identity normalisation and the dedupe hash (extension/core).
//
// Input: arbitrary bytes.  Up to the first two '\n' split them into email, phone and company
// (fewer newlines: the missing parts are empty), so that the seed corpus is plain text, one
// part per line.  The whole input is also fed to each normaliser on its own, so that newlines
// and every other byte reach all three.
//
// Invariants (a violation prints the reason and aborts, which libFuzzer reports as a crash):
//   - email and company normalisation is idempotent: normalize(normalize(x)) == normalize(x);
//   - phone output is ASCII digits only.  Phone normalisation is NOT idempotent by design: the
//     output is a canonical digit string, not a phone number as written, and a leading "00" in
//     it is read again as the international call prefix.  "+0044 20" gives "004420", which
//     normalises to "4420".  So: normalize(p) == p for a digit string p that does not start
//     with "00" (or is at most 2 long), and normalize(p) == p.substr(2) for one that does;
//   - email and company output hold no dropped code point (C0/C1 controls, U+200B, U+FEFF;
//     the whitespace among them, e.g. a tab, is kept inside an email),
//     no leading or trailing whitespace; company no run of two whitespace code points, and
//     every whitespace is a plain ' ';  valid UTF-8 in gives valid UTF-8 out;
//   - canonical_identity is the three normalised parts joined by U+001F and contains exactly
//     two 0x1F bytes;
//   - dedupe_hash is 64 lower-case hex characters equal to sha256_hex(canonical_identity), and
//     std::nullopt exactly when all three parts normalise to "";
//   - the hash depends only on the normalised identity: hashing pre-normalised email and
//     company (the idempotent parts) gives the same hash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "core/dedupe_hash.h"
#include "core/identity_normalizer.h"
#include "core/utf8.h"

namespace core = lead_router::core;

namespace {

[[noreturn]] void fail(const char* what, std::string_view input, std::string_view output = {}) {
    std::fprintf(stderr, "fuzz_identity invariant violated: %s\n  input  (%zu bytes):", what,
                 input.size());
    for (unsigned char c : input) std::fprintf(stderr, " %02x", c);
    std::fprintf(stderr, "\n  output (%zu bytes):", output.size());
    for (unsigned char c : output) std::fprintf(stderr, " %02x", c);
    std::fprintf(stderr, "\n");
    std::abort();
}

#define CHECK(cond, what, in, out) \
    do {                           \
        if (!(cond)) fail(what, in, out); \
    } while (0)

bool is_space(char32_t cp) {  // identity_normalizer.cpp's whitespace set
    switch (cp) {
        case ' ': case '\t': case '\n': case '\v': case '\f': case '\r':
        case 0x0085: case 0x00A0: case 0x1680: case 0x2028: case 0x2029: case 0x202F:
        case 0x205F: case 0x3000:
            return true;
        default:
            return cp >= 0x2000 && cp <= 0x200A;
    }
}

bool is_dropped(char32_t cp) {  // identity_normalizer.cpp's dropped set
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x200B || cp == 0xFEFF;
}

bool valid_utf8(std::string_view s) {
    for (std::size_t pos = 0; pos < s.size();) {
        const core::utf8::Decoded d = core::utf8::decode(s, pos);
        if (!d.valid) return false;
        pos += d.length;
    }
    return true;
}

// Checks of the output of normalize_email (collapse == false) or normalize_company.
void check_text_output(std::string_view in, const std::string& out, bool collapse) {
    const std::string what = collapse ? "normalize_company output: " : "normalize_email output: ";
    const auto bad = [&](const char* problem) { fail((what + problem).c_str(), in, out); };
    bool first = true, previous_space = false, last_space = false;
    for (std::size_t pos = 0; pos < out.size();) {
        const core::utf8::Decoded d = core::utf8::decode(out, pos);
        if (d.valid) {
            const bool space = is_space(d.code_point);
            // A dropped code point survived (whitespace wins: email keeps inner tabs as is).
            if (is_dropped(d.code_point) && !space) bad("a dropped code point survived");
            if (space && first) bad("leading whitespace");
            if (collapse && space && (previous_space || d.code_point != ' ')) {
                bad("whitespace not collapsed to one ' '");
            }
            previous_space = last_space = space;
        } else {
            previous_space = last_space = false;
        }
        first = false;
        pos += d.length;
    }
    if (last_space) bad("trailing whitespace");
    if (valid_utf8(in) && !valid_utf8(out)) bad("invalid UTF-8 from valid input");
}

void check_email(std::string_view raw) {
    const std::string once = core::normalize_email(raw);
    check_text_output(raw, once, false);
    CHECK(core::normalize_email(once) == once, "normalize_email is not idempotent", raw, once);
}

void check_company(std::string_view raw) {
    const std::string once = core::normalize_company(raw);
    check_text_output(raw, once, true);
    CHECK(core::normalize_company(once) == once, "normalize_company is not idempotent", raw, once);
}

void check_phone(std::string_view raw) {
    const std::string once = core::normalize_phone(raw);
    CHECK(once.find_first_not_of("0123456789") == std::string::npos,
          "normalize_phone output is not ASCII digits only", raw, once);
    const std::string twice = core::normalize_phone(once);
    const bool call_prefix = once.size() > 2 && once[0] == '0' && once[1] == '0';
    CHECK(twice == (call_prefix ? once.substr(2) : once),
          "normalize_phone of its own output is not as documented", raw, twice);
}

void check_hash(std::string_view email, std::string_view phone, std::string_view company,
                std::string_view input) {
    const std::string e = core::normalize_email(email);
    const std::string p = core::normalize_phone(phone);
    const std::string c = core::normalize_company(company);
    const std::string canonical = core::canonical_identity(email, phone, company);
    CHECK(canonical == e + '\x1f' + p + '\x1f' + c,
          "canonical_identity is not the normalised parts joined by U+001F", input, canonical);
    std::size_t separators = 0;
    for (char ch : canonical) separators += ch == '\x1f';
    CHECK(separators == 2, "canonical_identity does not hold exactly two 0x1F", input, canonical);

    const std::optional<std::string> hash = core::dedupe_hash(email, phone, company);
    const bool all_empty = e.empty() && p.empty() && c.empty();
    CHECK(hash.has_value() != all_empty, "dedupe_hash nullopt iff all parts normalise empty",
          input, hash.value_or("(nullopt)"));
    if (!hash) return;
    CHECK(hash->size() == 64 &&
              hash->find_first_not_of("0123456789abcdef") == std::string::npos,
          "dedupe_hash is not 64 lower-case hex characters", input, *hash);
    CHECK(*hash == core::sha256_hex(canonical), "dedupe_hash != sha256_hex(canonical_identity)",
          input, *hash);
    const std::optional<std::string> again = core::dedupe_hash(e, phone, c);
    CHECK(again == hash, "hash of pre-normalised email and company differs", input,
          again.value_or("(nullopt)"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    // email \n phone \n company (the rest, newlines included, is the company).
    const std::size_t nl1 = input.find('\n');
    const std::size_t nl2 = nl1 == std::string_view::npos ? nl1 : input.find('\n', nl1 + 1);
    const std::string_view email = input.substr(0, nl1);
    const std::string_view phone =
        nl1 == std::string_view::npos ? std::string_view() : input.substr(nl1 + 1, nl2 - nl1 - 1);
    const std::string_view company =
        nl2 == std::string_view::npos ? std::string_view() : input.substr(nl2 + 1);

    check_email(email);
    check_phone(phone);
    check_company(company);
    check_hash(email, phone, company, input);

    // The whole input through every normaliser, and as each part alone.
    check_email(input);
    check_phone(input);
    check_company(input);
    check_hash(input, input, input, input);
    check_hash(input, {}, {}, input);
    check_hash({}, input, {}, input);
    check_hash({}, {}, input, input);
    return 0;
}
