// Unicode text on ICU: the one folding that identity normalisation and the rule engine's
// case-insensitive comparisons share, NFKC case folding (ICU's NFKC_Casefold: compatibility
// forms, case and default-ignorable code points all folded away, so "José" composed or
// decomposed, full-width "ＪＯＳÉ" and "JOSÉ" read alike, for every script).
// Pure C++ over ICU's C API; PostgreSQL headers never come in here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lead_router::core::unicode {

// A byte that is not valid UTF-8 (only a SQL_ASCII database can hold one) reads, for rule
// comparisons, as the "code point" kInvalidByte + byte: after every real code point, equal
// only to itself.
constexpr char32_t kInvalidByte = 0x110000;

// Whether `text` is well-formed UTF-8.
bool is_utf8(std::string_view text) noexcept;

// NFKC_Casefold of well-formed UTF-8 `text`, as UTF-8.  Identity normalisation uses it
// (core/identity_normalizer.h), after checking is_utf8.
std::string fold(std::string_view text);

// The folded code points of `text` appended to `out`; invalid bytes as kInvalidByte + byte.
void fold_into(std::u32string& out, std::string_view text);

// Whether a code point is white space (Unicode White_Space) or a control character (Cc).
bool is_white_space(char32_t c) noexcept;
bool is_control(char32_t c) noexcept;

// The decimal digit value of a code point (any script's decimal digits), or -1.
int digit_value(char32_t c) noexcept;

// The code points of UTF-8 `text`, one call per code point (invalid bytes as
// kInvalidByte + byte).
template <typename OnCodePoint>
void for_each_code_point(std::string_view text, OnCodePoint on_code_point);

// ICU's library and Unicode versions, e.g. "ICU 72.1, Unicode 15.0".
std::string versions();

// ---- implementation of the template ----
namespace detail {
// The code point starting at text[*pos], advancing *pos; kInvalidByte + byte when invalid.
char32_t next_code_point(std::string_view text, std::size_t* pos) noexcept;
}  // namespace detail

template <typename OnCodePoint>
void for_each_code_point(std::string_view text, OnCodePoint on_code_point) {
    for (std::size_t pos = 0; pos < text.size();) on_code_point(detail::next_code_point(text, &pos));
}

}  // namespace lead_router::core::unicode
