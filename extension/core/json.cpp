// Strict RFC 8259 reader and a jsonb-style writer for rule conditions.  Errors name the
// 0-based byte offset where the text stops being JSON, so a user can find it in long input.
#include "core/json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <cstdio>
#include <string>
#include <system_error>

#include "core/user_error.h"
#include "core/utf8.h"

namespace lead_router::core {
namespace {

class Parser {
public:
    Parser(std::string_view text, int max_depth) : text_(text), max_depth_(max_depth) {}

    Json parse_document() {
        Json result;
        skip_whitespace();
        parse_value(result, 0);
        skip_whitespace();
        if (pos_ < text_.size()) fail(pos_, "unexpected data after the JSON value");
        return result;
    }

private:
    [[noreturn]] void fail(std::size_t at, const std::string& problem) const {
        throw UserError("22P02", "invalid JSON at byte " + std::to_string(at) + ": " + problem);
    }

    bool at_end() const { return pos_ >= text_.size(); }
    unsigned char peek() const { return static_cast<unsigned char>(text_[pos_]); }

    void skip_whitespace() {
        while (!at_end()) {
            const unsigned char c = peek();
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
            ++pos_;
        }
    }

    // What the user most likely wrote instead of JSON, for a clearer message.
    [[noreturn]] void fail_unexpected() const {
        if (at_end()) fail(pos_, "unexpected end of text");
        const unsigned char c = peek();
        if (c == '\'') fail(pos_, "strings must be enclosed in double quotes");
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            fail(pos_, "invalid literal (only true, false and null are JSON literals)");
        }
        if (c > 0x20 && c < 0x7F) fail(pos_, std::string("unexpected character '") + char(c) + "'");
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", c);
        fail(pos_, std::string("unexpected byte ") + hex);
    }

    void expect_literal(std::string_view word) {
        if (text_.substr(pos_, word.size()) != word) fail_unexpected();
        pos_ += word.size();
        // "truex" or "nullable" is one bad word, not a literal followed by garbage.
        if (!at_end() && ((peek() >= 'a' && peek() <= 'z') || (peek() >= 'A' && peek() <= 'Z'))) {
            fail(pos_ - word.size(),
                 "invalid literal (only true, false and null are JSON literals)");
        }
    }

    void parse_value(Json& out, int depth) {
        if (at_end()) fail_unexpected();
        switch (peek()) {
            case '{': parse_object(out, depth + 1); return;
            case '[': parse_array(out, depth + 1); return;
            case '"':
                out.type = Json::Type::string;
                parse_string(out.string);
                return;
            case 't':
                expect_literal("true");
                out.type = Json::Type::boolean;
                out.boolean = true;
                return;
            case 'f':
                expect_literal("false");
                out.type = Json::Type::boolean;
                out.boolean = false;
                return;
            case 'n':
                expect_literal("null");
                out.type = Json::Type::null;
                return;
            default:
                if (peek() == '-' || (peek() >= '0' && peek() <= '9')) {
                    parse_number(out);
                    return;
                }
                fail_unexpected();
        }
    }

    void enter(int depth) const {
        if (depth > max_depth_) {
            throw JsonNestingError("22P02", "invalid JSON at byte " + std::to_string(pos_) +
                                                ": nesting deeper than " +
                                                std::to_string(max_depth_) + " levels");
        }
    }

    void parse_array(Json& out, int depth) {
        enter(depth);
        out.type = Json::Type::array;
        ++pos_;  // '['
        skip_whitespace();
        if (!at_end() && peek() == ']') {
            ++pos_;
            return;
        }
        for (;;) {
            skip_whitespace();
            if (!at_end() && peek() == ']' && !out.array.empty()) {
                fail(pos_, "trailing comma in array");
            }
            out.array.emplace_back();
            parse_value(out.array.back(), depth);
            skip_whitespace();
            if (at_end()) fail(pos_, "unexpected end of text, expected ',' or ']'");
            if (peek() == ']') {
                ++pos_;
                return;
            }
            if (peek() != ',') fail(pos_, "expected ',' or ']'");
            ++pos_;
        }
    }

    void parse_object(Json& out, int depth) {
        enter(depth);
        out.type = Json::Type::object;
        ++pos_;  // '{'
        skip_whitespace();
        if (!at_end() && peek() == '}') {
            ++pos_;
            return;
        }
        for (;;) {
            skip_whitespace();
            if (at_end()) fail_unexpected();
            if (peek() == '}' && !out.object.empty()) fail(pos_, "trailing comma in object");
            if (peek() != '"') {
                if (peek() == '\'') fail_unexpected();
                fail(pos_, "expected a string as object key");
            }
            out.object.emplace_back();
            parse_string(out.object.back().first);
            skip_whitespace();
            if (at_end() || peek() != ':') fail(pos_, "expected ':' after object key");
            ++pos_;
            skip_whitespace();
            parse_value(out.object.back().second, depth);
            skip_whitespace();
            if (at_end()) fail(pos_, "unexpected end of text, expected ',' or '}'");
            if (peek() == '}') {
                ++pos_;
                return;
            }
            if (peek() != ',') fail(pos_, "expected ',' or '}'");
            ++pos_;
        }
    }

    int hex_digit(std::size_t at) const {
        if (at >= text_.size()) return -1;
        const char c = text_[at];
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    // Reads the four hex digits of a \u escape whose backslash is at `at`.
    char32_t read_u_escape(std::size_t at) const {
        char32_t unit = 0;
        for (std::size_t i = 0; i < 4; ++i) {
            const int d = hex_digit(at + 2 + i);
            if (d < 0) fail(at, "invalid \\u escape (expected four hex digits)");
            unit = unit * 16 + static_cast<char32_t>(d);
        }
        return unit;
    }

    void parse_escape(std::string& out) {
        const std::size_t at = pos_;  // the backslash
        if (at + 1 >= text_.size()) fail(at, "unterminated escape sequence");
        const char c = text_[at + 1];
        pos_ += 2;
        switch (c) {
            case '"': out.push_back('"'); return;
            case '\\': out.push_back('\\'); return;
            case '/': out.push_back('/'); return;
            case 'b': out.push_back('\b'); return;
            case 'f': out.push_back('\f'); return;
            case 'n': out.push_back('\n'); return;
            case 'r': out.push_back('\r'); return;
            case 't': out.push_back('\t'); return;
            case 'u': break;
            default: fail(at, "invalid escape sequence");
        }
        char32_t cp = read_u_escape(at);
        pos_ += 4;
        if (cp >= 0xDC00 && cp <= 0xDFFF) fail(at, "lone low surrogate in \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            // UTF-16 pairs are the only way to escape code points above U+FFFF.
            if (text_.substr(pos_, 2) != "\\u") fail(at, "lone high surrogate in \\u escape");
            const char32_t low = read_u_escape(pos_);
            if (low < 0xDC00 || low > 0xDFFF) fail(at, "lone high surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            pos_ += 6;
        }
        utf8::append(out, cp);
    }

    void parse_string(std::string& out) {
        const std::size_t start = pos_;
        ++pos_;  // opening quote
        for (;;) {
            // Copy runs of plain ASCII in one go: most rule text is nothing else.
            const std::size_t run = pos_;
            while (!at_end() && peek() >= 0x20 && peek() < 0x80 && peek() != '"' &&
                   peek() != '\\') {
                ++pos_;
            }
            out.append(text_.data() + run, pos_ - run);
            if (at_end()) fail(start, "unterminated string");
            const unsigned char c = peek();
            if (c == '"') {
                ++pos_;
                return;
            }
            if (c == '\\') {
                parse_escape(out);
            } else if (c < 0x20) {
                fail(pos_, "control character in string (it must be escaped)");
            } else {
                const utf8::Decoded d = utf8::decode(text_, pos_);
                if (!d.valid) fail(pos_, "invalid UTF-8 in string");
                out.append(text_.data() + pos_, d.length);
                pos_ += d.length;
            }
        }
    }

    bool digit_at(std::size_t at) const {
        return at < text_.size() && text_[at] >= '0' && text_[at] <= '9';
    }

    void parse_number(Json& out) {
        const std::size_t start = pos_;
        if (peek() == '-') ++pos_;
        if (!digit_at(pos_)) fail(start, "invalid number");
        // Order of magnitude of the first significant digit, to tell overflow from underflow.
        long magnitude = 0;
        bool significant = false;
        if (text_[pos_] == '0') {
            ++pos_;
            if (digit_at(pos_)) fail(start, "invalid number (leading zeros are not allowed)");
        } else {
            significant = true;
            while (digit_at(pos_)) ++pos_, ++magnitude;
            --magnitude;
        }
        if (!at_end() && peek() == '.') {
            ++pos_;
            if (!digit_at(pos_)) fail(start, "invalid number (expected digits after '.')");
            while (digit_at(pos_)) {
                if (!significant) {
                    --magnitude;
                    significant = text_[pos_] != '0';
                }
                ++pos_;
            }
        }
        long exponent = 0;
        if (!at_end() && (peek() == 'e' || peek() == 'E')) {
            ++pos_;
            bool negative = false;
            if (!at_end() && (peek() == '+' || peek() == '-')) negative = text_[pos_++] == '-';
            if (!digit_at(pos_)) fail(start, "invalid number (expected digits in the exponent)");
            while (digit_at(pos_)) {
                if (exponent < 100000000) exponent = exponent * 10 + (text_[pos_] - '0');
                ++pos_;
            }
            if (negative) exponent = -exponent;
        }
        double value = 0;
        const auto result = std::from_chars(text_.data() + start, text_.data() + pos_, value);
        if (result.ec == std::errc::result_out_of_range) {
            // Overflow reads as an infinity, so that rule validation can name the path of the
            // operand; underflow is rounding, not an error.
            const bool overflow = significant && magnitude + exponent >= 0;
            const double size = overflow ? std::numeric_limits<double>::infinity() : 0.0;
            value = text_[start] == '-' ? -size : size;
        } else if (result.ec != std::errc() || result.ptr != text_.data() + pos_) {
            fail(start, "invalid number");
        }
        out.type = Json::Type::number;
        out.number = value;
    }

    std::string_view text_;
    int max_depth_;
    std::size_t pos_ = 0;
};

void write_string(std::string& out, std::string_view s) {
    out.push_back('"');
    for (std::size_t pos = 0; pos < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[pos]);
        if (c >= 0x80) {
            // Invalid bytes (a Json built by hand, or a SQL_ASCII lead) would make the output
            // invalid JSON; U+FFFD keeps it readable.
            const utf8::Decoded d = utf8::decode(s, pos);
            if (d.valid) {
                out.append(s.data() + pos, d.length);
            } else {
                out.append("\xEF\xBF\xBD");
            }
            pos += d.length;
            continue;
        }
        ++pos;
        switch (c) {
            case '"': out.append("\\\""); break;
            case '\\': out.append("\\\\"); break;
            case '\b': out.append("\\b"); break;
            case '\f': out.append("\\f"); break;
            case '\n': out.append("\\n"); break;
            case '\r': out.append("\\r"); break;
            case '\t': out.append("\\t"); break;
            default:
                if (c < 0x20) {
                    char escape[8];
                    std::snprintf(escape, sizeof escape, "\\u%04x", c);
                    out.append(escape);
                } else {
                    out.push_back(static_cast<char>(c));
                }
        }
    }
    out.push_back('"');
}

void write_number(std::string& out, double number) {
    // JSON has no infinities; an overflowed literal is written back as one that overflows.
    if (std::isinf(number)) {
        out.append(number > 0 ? "1e999" : "-1e999");
        return;
    }
    // to_chars, not printf: the server's LC_NUMERIC must not turn "0.5" into "0,5".  15
    // significant digits read best ("0.3", not "0.30000000000000004"); 17 only where the
    // 15-digit rounding would overflow (near DBL_MAX) and so read back as an infinity.
    char buffer[32];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, number, std::chars_format::general, 15);
    double reread = 0;
    if (std::from_chars(buffer, result.ptr, reread).ec == std::errc::result_out_of_range) {
        result = std::to_chars(buffer, buffer + sizeof buffer, number, std::chars_format::general, 17);
    }
    out.append(buffer, result.ptr);
}

void write_value(std::string& out, const Json& value) {
    switch (value.type) {
        case Json::Type::null: out.append("null"); return;
        case Json::Type::boolean: out.append(value.boolean ? "true" : "false"); return;
        case Json::Type::number: write_number(out, value.number); return;
        case Json::Type::string: write_string(out, value.string); return;
        case Json::Type::array:
            out.push_back('[');
            for (std::size_t i = 0; i < value.array.size(); ++i) {
                if (i > 0) out.append(", ");
                write_value(out, value.array[i]);
            }
            out.push_back(']');
            return;
        case Json::Type::object:
            out.push_back('{');
            for (std::size_t i = 0; i < value.object.size(); ++i) {
                if (i > 0) out.append(", ");
                write_string(out, value.object[i].first);
                out.append(": ");
                write_value(out, value.object[i].second);
            }
            out.push_back('}');
            return;
    }
}

}  // namespace

const Json* Json::find(std::string_view key) const {
    for (const auto& member : object) {
        if (member.first == key) return &member.second;
    }
    return nullptr;
}

Json parse_json(std::string_view text, int max_depth) {
    return Parser(text, max_depth).parse_document();
}

// jsonb's own spacing ("[10, 500]", {"a": 1}), so messages read like the stored rule.
std::string to_json_text(const Json& value) {
    std::string out;
    write_value(out, value);
    return out;
}

}  // namespace lead_router::core
