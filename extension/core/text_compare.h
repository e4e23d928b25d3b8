// Case-insensitive comparison of a lead's text with rule operands, for the rule matcher.
// Operands are folded once when rules compile; lead text is folded as it is compared, with
// the same NFKC case folding as identity normalisation (core/unicode_text.h), so "ÉCOLE"
// equals "école" (composed or decomposed) in every script.  Comparing ASCII lead text
// allocates nothing; other text is folded into a buffer first.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/unicode_text.h"

namespace lead_router::core::text {

// The order of folded text: code point by code point after folding, a shorter text before a
// longer one it is a prefix of.  A byte that is not valid UTF-8 stands for the "code point"
// unicode::kInvalidByte + byte, which sorts after every real code point and equals only
// itself, so the order stays total on any bytes a SQL_ASCII database may hold.

// Appends the folded code points of `text` (compile time).
void fold_into(std::u32string& out, std::string_view text);

// Negative, zero or positive as folded `value` sorts before, equal to or after `operand`.
int compare(std::string_view value, std::u32string_view operand);
// The same order between two folded operands.
int compare(std::u32string_view a, std::u32string_view b) noexcept;

bool equals(std::string_view value, std::u32string_view operand);
bool starts_with(std::string_view value, std::u32string_view prefix);

// Knuth-Morris-Pratt failure table of a non-empty folded needle, built once per operand so
// that `contains` reads the lead's text once, without backtracking.
void failure_table(std::u32string_view needle, std::vector<std::uint32_t>& out);
bool contains(std::string_view value, std::u32string_view needle, const std::uint32_t* failure);

}  // namespace lead_router::core::text
