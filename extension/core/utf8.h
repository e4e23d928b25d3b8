// Minimal UTF-8 decoding and encoding for the identity normaliser.
// Invalid byte sequences are reported as such, so callers keep the raw bytes instead of
// guessing (a SQL_ASCII database can hand us anything).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lead_router::core::utf8 {

struct Decoded {
    char32_t code_point;  // meaningful only when valid
    std::size_t length;   // bytes consumed, >= 1
    bool valid;
};

// Decodes the code point that starts at text[pos]; pos < text.size().
Decoded decode(std::string_view text, std::size_t pos);

// Appends the UTF-8 encoding of a valid code point.
void append(std::string& out, char32_t cp);

}  // namespace lead_router::core::utf8
