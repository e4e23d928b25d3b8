// Folded comparison for rule operands (see text_compare.h for the order it defines).  Lead
// text is compared as it is read when it is ASCII, which nearly all routing text is: there
// NFKC case folding is just A-Z to a-z.  Other text is folded first (unicode::fold_into).
#include "core/text_compare.h"

#include "core/unicode_text.h"

namespace lead_router::core::text {
namespace {

bool is_ascii(std::string_view s) noexcept {
    for (const char c : s) {
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    }
    return true;
}

inline char32_t ascii_folded(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char32_t>(c + 32) : static_cast<char32_t>(c);
}

// The lead's text as folded code points: a view of `buffer`, filled only when the text is
// not ASCII.
class Folded {
public:
    explicit Folded(std::string_view value) : ascii_(is_ascii(value)), value_(value) {
        if (!ascii_) unicode::fold_into(buffer_, value);
    }
    std::size_t size() const noexcept { return ascii_ ? value_.size() : buffer_.size(); }
    char32_t operator[](std::size_t i) const noexcept { return ascii_ ? ascii_folded(value_[i]) : buffer_[i]; }

private:
    bool ascii_;
    std::string_view value_;
    std::u32string buffer_;
};

int sign(long long d) noexcept { return d < 0 ? -1 : d > 0 ? 1 : 0; }

}  // namespace

void fold_into(std::u32string& out, std::string_view text) { unicode::fold_into(out, text); }

int compare(std::string_view value, std::u32string_view operand) {
    const Folded v(value);
    const std::size_t n = std::min(v.size(), operand.size());
    for (std::size_t i = 0; i < n; ++i) {
        if (v[i] != operand[i]) return v[i] < operand[i] ? -1 : 1;
    }
    return sign(static_cast<long long>(v.size()) - static_cast<long long>(operand.size()));
}

int compare(std::u32string_view a, std::u32string_view b) noexcept {
    const int c = a.compare(b);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
}

bool equals(std::string_view value, std::u32string_view operand) { return compare(value, operand) == 0; }

bool starts_with(std::string_view value, std::u32string_view prefix) {
    const Folded v(value);
    if (v.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (v[i] != prefix[i]) return false;
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

bool contains(std::string_view value, std::u32string_view needle, const std::uint32_t* failure) {
    if (needle.empty()) return true;
    const Folded v(value);
    std::size_t matched = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const char32_t c = v[i];
        while (matched > 0 && needle[matched] != c) matched = failure[matched - 1];
        if (needle[matched] == c) ++matched;
        if (matched == needle.size()) return true;
    }
    return false;
}

}  // namespace lead_router::core::text
