// uuid text parsing.
#include "core/uuid_text.h"

namespace lead_router::core {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string_view trimmed(std::string_view s) {
    const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!s.empty() && space(s.front())) s.remove_prefix(1);
    while (!s.empty() && space(s.back())) s.remove_suffix(1);
    return s;
}

}  // namespace

std::optional<std::array<unsigned char, 16>> parse_uuid(std::string_view text) {
    text = trimmed(text);
    if (text.size() >= 2 && text.front() == '{' && text.back() == '}') {
        text = text.substr(1, text.size() - 2);
    }
    const bool grouped = text.size() == 36;
    if (!grouped && text.size() != 32) return std::nullopt;
    std::array<unsigned char, 16> out{};
    int nibble = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (grouped && (i == 8 || i == 13 || i == 18 || i == 23)) {
            if (text[i] != '-') return std::nullopt;
            continue;
        }
        const int v = hex_value(text[i]);
        if (v < 0) return std::nullopt;
        out[nibble / 2] = static_cast<unsigned char>(out[nibble / 2] | (nibble % 2 == 0 ? v << 4 : v));
        ++nibble;
    }
    return out;
}

}  // namespace lead_router::core
