// Folded UTF-8 comparison for rule operands (see text_compare.h for the order it defines).
#include "core/text_compare.h"

#include "core/identity_normalizer.h"
#include "core/utf8.h"

namespace lead_router::core::text {
namespace {

// The folded code point at `pos`, advancing `pos` past it.  ASCII is folded inline (the same
// rule as fold_case's first line) because nearly all routing text is ASCII and this runs
// for every byte a rule reads.
inline char32_t next_folded(std::string_view s, std::size_t& pos) noexcept {
    const unsigned char c = static_cast<unsigned char>(s[pos]);
    if (c < 0x80) {
        ++pos;
        return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    }
    const utf8::Decoded d = utf8::decode(s, pos);
    pos += d.length;
    return d.valid ? fold_case(d.code_point) : kInvalidByte + c;
}

}  // namespace

void fold_into(std::u32string& out, std::string_view text) {
    for (std::size_t pos = 0; pos < text.size();) out.push_back(next_folded(text, pos));
}

int compare(std::string_view value, std::u32string_view operand) noexcept {
    std::size_t pos = 0;
    for (const char32_t expected : operand) {
        if (pos == value.size()) return -1;
        const char32_t c = next_folded(value, pos);
        if (c != expected) return c < expected ? -1 : 1;
    }
    return pos < value.size() ? 1 : 0;
}

int compare(std::u32string_view a, std::u32string_view b) noexcept {
    const int c = a.compare(b);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
}

bool equals(std::string_view value, std::u32string_view operand) noexcept {
    // No byte-length shortcut: equal texts can differ in length (U+0130, two bytes, folds to "i").
    return compare(value, operand) == 0;
}

bool starts_with(std::string_view value, std::u32string_view prefix) noexcept {
    std::size_t pos = 0;
    for (const char32_t expected : prefix) {
        if (pos == value.size() || next_folded(value, pos) != expected) return false;
    }
    return true;
}

void failure_table(std::u32string_view needle, std::vector<std::uint32_t>& out) {
    const std::size_t first = out.size();
    out.resize(first + needle.size(), 0);
    std::uint32_t* table = out.data() + first;
    std::uint32_t k = 0;
    for (std::size_t i = 1; i < needle.size(); ++i) {
        while (k > 0 && needle[i] != needle[k]) k = table[k - 1];
        if (needle[i] == needle[k]) ++k;
        table[i] = k;
    }
}

bool contains(std::string_view value, std::u32string_view needle,
              const std::uint32_t* failure) noexcept {
    if (needle.empty()) return true;
    std::size_t matched = 0;
    for (std::size_t pos = 0; pos < value.size();) {
        const char32_t c = next_folded(value, pos);
        while (matched > 0 && needle[matched] != c) matched = failure[matched - 1];
        if (needle[matched] == c) ++matched;
        if (matched == needle.size()) return true;
    }
    return false;
}

}  // namespace lead_router::core::text
