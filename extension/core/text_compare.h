// Case-insensitive comparison of a lead's text with rule operands, for the rule matcher.
// Operands are folded once when rules compile; lead text is decoded and folded as it is read,
// so that matching a lead allocates nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lead_router::core::text {

// The order of folded text: code point by code point after fold_case, a shorter text before
// a longer one it is a prefix of.  A byte that is not valid UTF-8 stands for the "code point"
// kInvalidByte + byte, which sorts after every real code point and equals only itself, so the
// order stays total on any bytes a SQL_ASCII database may hold.
constexpr char32_t kInvalidByte = 0x110000;

// Appends the folded code points of `text` (compile time only: allocates).
void fold_into(std::u32string& out, std::string_view text);

// Negative, zero or positive as folded `value` sorts before, equal to or after `operand`.
int compare(std::string_view value, std::u32string_view operand) noexcept;
// The same order between two folded operands.
int compare(std::u32string_view a, std::u32string_view b) noexcept;

bool equals(std::string_view value, std::u32string_view operand) noexcept;
bool starts_with(std::string_view value, std::u32string_view prefix) noexcept;

// Knuth-Morris-Pratt failure table of a non-empty folded needle, built once per operand so
// that `contains` reads the lead's text once, without backtracking.
void failure_table(std::u32string_view needle, std::vector<std::uint32_t>& out);
bool contains(std::string_view value, std::u32string_view needle,
              const std::uint32_t* failure) noexcept;

}  // namespace lead_router::core::text
