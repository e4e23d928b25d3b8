// core::parse_json / to_json_text: strict RFC 8259 input, 22P02 with the byte offset of the
// problem, and jsonb-style output ("[10, 500]", {"a": 1}) that parses back to the same value.
#include <catch2/catch.hpp>

#include <limits>

#include <cmath>

#include <string>
#include <string_view>

#include "core/json.h"
#include "core/user_error.h"

using lead_router::core::Json;
using lead_router::core::parse_json;
using lead_router::core::to_json_text;
using lead_router::core::UserError;

namespace {

// The message parse_json rejects `text` with, after checking its SQLSTATE.
std::string rejection(std::string_view text, int max_depth = 64) {
    try {
        parse_json(text, max_depth);
    } catch (const UserError& e) {
        CHECK(std::string(e.sqlstate()) == "22P02");
        return e.what();
    }
    return "(accepted)";
}

bool same(const Json& a, const Json& b) {
    if (a.type != b.type) return false;
    switch (a.type) {
        case Json::Type::null: return true;
        case Json::Type::boolean: return a.boolean == b.boolean;
        case Json::Type::number: return a.number == b.number;
        case Json::Type::string: return a.string == b.string;
        case Json::Type::array:
            if (a.array.size() != b.array.size()) return false;
            for (std::size_t i = 0; i < a.array.size(); ++i) {
                if (!same(a.array[i], b.array[i])) return false;
            }
            return true;
        case Json::Type::object:
            if (a.object.size() != b.object.size()) return false;
            for (std::size_t i = 0; i < a.object.size(); ++i) {
                if (a.object[i].first != b.object[i].first) return false;
                if (!same(a.object[i].second, b.object[i].second)) return false;
            }
            return true;
    }
    return false;
}

std::string nested_arrays(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

}  // namespace

TEST_CASE("json scalars: null, true, false, numbers and strings", "[json]") {
    CHECK(parse_json("null").type == Json::Type::null);
    const Json t = parse_json("true");
    CHECK(t.type == Json::Type::boolean);
    CHECK(t.boolean);
    const Json f = parse_json("false");
    CHECK(f.type == Json::Type::boolean);
    CHECK_FALSE(f.boolean);
    const Json s = parse_json("\"US\"");
    CHECK(s.type == Json::Type::string);
    CHECK(s.string == "US");
    CHECK(parse_json("\"\"").string.empty());
}

TEST_CASE("json numbers: integers, fractions, exponents, signs", "[json][number]") {
    CHECK(parse_json("0").number == 0);
    CHECK(parse_json("-0").number == 0);
    CHECK(parse_json("12").number == 12);
    CHECK(parse_json("-3.5").number == -3.5);
    CHECK(parse_json("1e3").number == 1000);
    CHECK(parse_json("2.5E-2").number == 0.025);
    CHECK(parse_json("1E+2").number == 100);
    CHECK(parse_json("0.5").number == 0.5);
    CHECK(parse_json("1.7976931348623157e308").number == 1.7976931348623157e308);
    CHECK(parse_json("123456789012345678901234567890").number == 1.2345678901234568e29);
    CHECK(parse_json("12").type == Json::Type::number);
}

TEST_CASE("json numbers that underflow round to zero; overflow reads as infinity", "[json][number]") {
    CHECK(parse_json("1e-400").number == 0);
    CHECK(parse_json("-1e-400").number == 0);
    CHECK(parse_json("0.0000000000000000000000001e-400").number == 0);
    CHECK(parse_json("0e99999").number == 0);
    CHECK(parse_json("4.9e-324").number > 0);  // the smallest subnormal is kept
    // Beyond double's range: an infinity, which rule validation rejects with its path.
    CHECK(parse_json("1e400").number == std::numeric_limits<double>::infinity());
    CHECK(parse_json("[1, -1e400]").array[1].number == -std::numeric_limits<double>::infinity());
    CHECK(std::isinf(parse_json("1.8e308").number));
    CHECK(std::isinf(parse_json("1e99999999999999999999").number));
}

TEST_CASE("json arrays and objects keep document order and duplicate keys", "[json]") {
    const Json a = parse_json("[1, \"two\", [true, null], {}]");
    REQUIRE(a.type == Json::Type::array);
    REQUIRE(a.array.size() == 4);
    CHECK(a.array[0].number == 1);
    CHECK(a.array[1].string == "two");
    CHECK(a.array[2].array.size() == 2);
    CHECK(a.array[2].array[1].type == Json::Type::null);
    CHECK(a.array[3].type == Json::Type::object);
    CHECK(a.array[3].object.empty());

    const Json o = parse_json(R"({"b": 1, "a": {"x": []}, "b": 2})");
    REQUIRE(o.object.size() == 3);
    CHECK(o.object[0].first == "b");
    CHECK(o.object[1].first == "a");
    CHECK(o.object[2].first == "b");
    REQUIRE(o.find("b") != nullptr);
    CHECK(o.find("b")->number == 1);  // the first of duplicates
    CHECK(o.find("a")->find("x")->type == Json::Type::array);
    CHECK(o.find("c") == nullptr);
    CHECK(parse_json("[]").array.empty());
}

TEST_CASE("json string escapes are decoded, including \\u surrogate pairs", "[json][string]") {
    CHECK(parse_json(R"("\"\\\/\b\f\n\r\t")").string == "\"\\/\b\f\n\r\t");
    CHECK(parse_json(R"("\u0041\u00e9\u20AC")").string == "A\u00E9\u20AC");
    CHECK(parse_json(R"("\u0000")").string == std::string(1, '\0'));
    CHECK(parse_json(R"("\uD83D\uDE00")").string == "\xF0\x9F\x98\x80");  // U+1F600
    CHECK(parse_json(R"("\udbff\udfff")").string == "\xF4\x8F\xBF\xBF");  // U+10FFFF
    CHECK(parse_json("\"\xC3\x89"
                     "cole \xE6\x97\xA5\xF0\x9F\x9A\x80\"")
              .string ==
          "\xC3\x89"
          "cole \xE6\x97\xA5\xF0\x9F\x9A\x80");      // raw UTF-8 passes through
    CHECK(parse_json("\"\x7F\"").string == "\x7F");  // DEL is not a control character in JSON
}

TEST_CASE("json whitespace is space, tab, LF and CR, and only those", "[json]") {
    const Json o = parse_json(" \t\r\n{ \"a\" :\n[ 1 ,\t2 ] } \n");
    REQUIRE(o.find("a") != nullptr);
    CHECK(o.find("a")->array.size() == 2);
    CHECK(rejection("\v1") == "invalid JSON at byte 0: unexpected byte 0x0b");
    CHECK(rejection("1\f") == "invalid JSON at byte 1: unexpected data after the JSON value");
    CHECK(rejection("\xC2\xA0"
                    "1") == "invalid JSON at byte 0: unexpected byte 0xc2");
}

TEST_CASE("json rejects empty text and trailing garbage", "[json][reject]") {
    CHECK(rejection("") == "invalid JSON at byte 0: unexpected end of text");
    CHECK(rejection("   ") == "invalid JSON at byte 3: unexpected end of text");
    CHECK(rejection("1 2") == "invalid JSON at byte 2: unexpected data after the JSON value");
    CHECK(rejection("{} x") == "invalid JSON at byte 3: unexpected data after the JSON value");
    CHECK(rejection("[1 2]") == "invalid JSON at byte 3: expected ',' or ']'");
    CHECK(rejection(R"({"a" 1})") == "invalid JSON at byte 5: expected ':' after object key");
    CHECK(rejection(R"({"a": 1 "b": 2})") == "invalid JSON at byte 8: expected ',' or '}'");
    CHECK(rejection("{1: 2}") == "invalid JSON at byte 1: expected a string as object key");
    CHECK(rejection("[1,") == "invalid JSON at byte 3: unexpected end of text");
    CHECK(rejection(R"({"a": 1)") ==
          "invalid JSON at byte 7: unexpected end of text, expected ',' or '}'");
    CHECK(rejection("]") == "invalid JSON at byte 0: unexpected character ']'");
}

TEST_CASE("json rejects trailing commas", "[json][reject]") {
    CHECK(rejection("[1,]") == "invalid JSON at byte 3: trailing comma in array");
    CHECK(rejection("[1, 2 , ]") == "invalid JSON at byte 8: trailing comma in array");
    CHECK(rejection(R"({"a": 1,})") == "invalid JSON at byte 8: trailing comma in object");
    CHECK(rejection("[,]") == "invalid JSON at byte 1: unexpected character ','");
    CHECK(rejection("{,}") == "invalid JSON at byte 1: expected a string as object key");
}

TEST_CASE("json rejects single quotes, NaN, Infinity and unknown literals", "[json][reject]") {
    CHECK(rejection("'US'") == "invalid JSON at byte 0: strings must be enclosed in double quotes");
    CHECK(rejection("{'a': 1}") ==
          "invalid JSON at byte 1: strings must be enclosed in double quotes");
    const std::string literal = "invalid literal (only true, false and null are JSON literals)";
    CHECK(rejection("NaN") == "invalid JSON at byte 0: " + literal);
    CHECK(rejection("Infinity") == "invalid JSON at byte 0: " + literal);
    CHECK(rejection("[1, nan]") == "invalid JSON at byte 4: " + literal);
    CHECK(rejection("-Infinity") == "invalid JSON at byte 0: invalid number");
    CHECK(rejection("tru") == "invalid JSON at byte 0: " + literal);
    CHECK(rejection("truex") == "invalid JSON at byte 0: " + literal);
    CHECK(rejection("nullable") == "invalid JSON at byte 0: " + literal);
    CHECK(rejection("True") == "invalid JSON at byte 0: " + literal);
    CHECK(rejection("undefined") == "invalid JSON at byte 0: " + literal);
}

TEST_CASE("json rejects leading zeros and malformed numbers", "[json][reject][number]") {
    const std::string zeros = "invalid number (leading zeros are not allowed)";
    CHECK(rejection("01") == "invalid JSON at byte 0: " + zeros);
    CHECK(rejection("-01") == "invalid JSON at byte 0: " + zeros);
    CHECK(rejection("[00]") == "invalid JSON at byte 1: " + zeros);
    CHECK(rejection("1.") == "invalid JSON at byte 0: invalid number (expected digits after '.')");
    CHECK(rejection("1e") ==
          "invalid JSON at byte 0: invalid number (expected digits in the exponent)");
    CHECK(rejection("1e+") ==
          "invalid JSON at byte 0: invalid number (expected digits in the exponent)");
    CHECK(rejection("-") == "invalid JSON at byte 0: invalid number");
    CHECK(rejection(".5") == "invalid JSON at byte 0: unexpected character '.'");
    CHECK(rejection("+1") == "invalid JSON at byte 0: unexpected character '+'");
    CHECK(rejection("0x10") == "invalid JSON at byte 1: unexpected data after the JSON value");
}

TEST_CASE("json rejects unterminated strings, arrays and objects", "[json][reject][string]") {
    CHECK(rejection("\"US") == "invalid JSON at byte 0: unterminated string");
    CHECK(rejection("[\"a\", \"b") == "invalid JSON at byte 6: unterminated string");
    CHECK(rejection("\"ab\\") == "invalid JSON at byte 3: unterminated escape sequence");
    CHECK(rejection("[1, 2") ==
          "invalid JSON at byte 5: unexpected end of text, expected ',' or ']'");
    CHECK(rejection("{\"a\":") == "invalid JSON at byte 5: unexpected end of text");
    CHECK(rejection("{") == "invalid JSON at byte 1: unexpected end of text");
}

TEST_CASE("json rejects raw control characters and bad escapes in strings",
          "[json][reject][string]") {
    const std::string control = "control character in string (it must be escaped)";
    CHECK(rejection("\"a\nb\"") == "invalid JSON at byte 2: " + control);
    CHECK(rejection("\"\t\"") == "invalid JSON at byte 1: " + control);
    CHECK(rejection(std::string("\"\0\"", 3)) == "invalid JSON at byte 1: " + control);
    CHECK(rejection("\"\x1F\"") == "invalid JSON at byte 1: " + control);
    CHECK(rejection(R"("\a")") == "invalid JSON at byte 1: invalid escape sequence");
    CHECK(rejection(R"("\x41")") == "invalid JSON at byte 1: invalid escape sequence");
    CHECK(rejection(R"("\'")") == "invalid JSON at byte 1: invalid escape sequence");
    const std::string hex = "invalid \\u escape (expected four hex digits)";
    CHECK(rejection(R"("\u12")") == "invalid JSON at byte 1: " + hex);
    CHECK(rejection(R"("\uXYZW")") == "invalid JSON at byte 1: " + hex);
    CHECK(rejection(R"("\u")") == "invalid JSON at byte 1: " + hex);
}

TEST_CASE("json rejects lone surrogates in \\u escapes", "[json][reject][string]") {
    CHECK(rejection(R"("\uD800")") == "invalid JSON at byte 1: lone high surrogate in \\u escape");
    CHECK(rejection(R"("x\uDBFFy")") ==
          "invalid JSON at byte 2: lone high surrogate in \\u escape");
    CHECK(rejection(R"("\uD800\u0041")") ==
          "invalid JSON at byte 1: lone high surrogate in \\u escape");
    CHECK(rejection(R"("\uD800\uD800")") ==
          "invalid JSON at byte 1: lone high surrogate in \\u escape");
    CHECK(rejection(R"("\uDC00")") == "invalid JSON at byte 1: lone low surrogate in \\u escape");
    CHECK(rejection(R"("\uDE00\uD83D")") ==
          "invalid JSON at byte 1: lone low surrogate in \\u escape");
}

TEST_CASE("json rejects invalid UTF-8 inside and outside strings", "[json][reject][string]") {
    const std::string bad = "invalid UTF-8 in string";
    CHECK(rejection("\"\xC3\"") == "invalid JSON at byte 1: " + bad);          // truncated
    CHECK(rejection("\"ab\xC0\x80\"") == "invalid JSON at byte 3: " + bad);    // overlong NUL
    CHECK(rejection("\"\xED\xA0\x80\"") == "invalid JSON at byte 1: " + bad);  // encoded surrogate
    CHECK(rejection("\"\xF4\x90\x80\x80\"") == "invalid JSON at byte 1: " + bad);  // > U+10FFFF
    CHECK(rejection("\"\x80\"") == "invalid JSON at byte 1: " + bad);  // lone continuation
    CHECK(rejection("\"\xFF\"") == "invalid JSON at byte 1: " + bad);
    CHECK(rejection("{\"k\xE2\x82\": 1}") == "invalid JSON at byte 3: " + bad);  // in a key
    CHECK(rejection("\xEF\xBB\xBF{}") == "invalid JSON at byte 0: unexpected byte 0xef");  // BOM
}

TEST_CASE("json nesting is limited to max_depth arrays and objects", "[json][depth]") {
    CHECK(parse_json(nested_arrays(64)).type == Json::Type::array);
    CHECK(rejection(nested_arrays(65)) == "invalid JSON at byte 64: nesting deeper than 64 levels");
    CHECK(parse_json("[{\"a\": [1]}]", 3).type == Json::Type::array);
    CHECK(rejection("[{\"a\": [1]}]", 2) == "invalid JSON at byte 7: nesting deeper than 2 levels");
    CHECK(rejection("{\"a\": {}}", 1) == "invalid JSON at byte 6: nesting deeper than 1 levels");
    CHECK(parse_json("\"scalars are depth 0\"", 0).type == Json::Type::string);
    CHECK(rejection("[]", 0) == "invalid JSON at byte 0: nesting deeper than 0 levels");
    // Deep input far beyond the limit is refused at the limit, not by exhausting the stack.
    CHECK(rejection(std::string(100000, '[')) ==
          "invalid JSON at byte 64: nesting deeper than 64 levels");
}

TEST_CASE("to_json_text writes jsonb-style compact JSON", "[json][write]") {
    CHECK(to_json_text(parse_json("null")) == "null");
    CHECK(to_json_text(parse_json("true")) == "true");
    CHECK(to_json_text(parse_json("false")) == "false");
    CHECK(to_json_text(parse_json("[10,500]")) == "[10, 500]");
    CHECK(to_json_text(parse_json(" [ \"DE\" , \"FR\" ] ")) == "[\"DE\", \"FR\"]");
    CHECK(to_json_text(parse_json(R"({"a":1,"b":{"c":[]},"a":{}})")) ==
          R"({"a": 1, "b": {"c": []}, "a": {}})");
    CHECK(to_json_text(parse_json("[]")) == "[]");
    CHECK(to_json_text(parse_json("{}")) == "{}");
}

TEST_CASE("to_json_text numbers: up to 15 significant digits, locale-independent",
          "[json][write][number]") {
    Json n;
    n.type = Json::Type::number;
    const auto text = [&](double d) {
        n.number = d;
        return to_json_text(n);
    };
    CHECK(text(800) == "800");
    CHECK(text(0.5) == "0.5");
    CHECK(text(-3.25) == "-3.25");
    CHECK(text(0.1 + 0.2) == "0.3");
    CHECK(text(1e20) == "1e+20");
    CHECK(text(123456789012345) == "123456789012345");
    CHECK(text(1.0 / 3) == "0.333333333333333");
    CHECK(text(1e-7) == "1e-07");
    CHECK(text(-0.0) == "-0");
}

TEST_CASE("to_json_text escapes quotes, backslashes and control characters", "[json][write]") {
    Json s;
    s.type = Json::Type::string;
    s.string = std::string("a\"b\\c\n\t\b\f\r\x01\x1F", 12) + std::string(1, '\0');
    CHECK(to_json_text(s) == R"("a\"b\\c\n\t\b\f\r\u0001\u001f\u0000")");
    s.string = "/\x7F\xC3\xA9\xF0\x9F\x98\x80";  // not escaped: '/', DEL, UTF-8
    CHECK(to_json_text(s) == "\"/\x7F\xC3\xA9\xF0\x9F\x98\x80\"");
    // Bytes that are not UTF-8 (a Json built by hand) become U+FFFD: the output stays JSON.
    s.string =
        "a\xFF"
        "b\xC3";
    CHECK(to_json_text(s) ==
          "\"a\xEF\xBF\xBD"
          "b\xEF\xBF\xBD\"");
    CHECK(parse_json(to_json_text(s)).string ==
          "a\xEF\xBF\xBD"
          "b\xEF\xBF\xBD");
}

TEST_CASE("to_json_text output parses back to the same value", "[json][write][roundtrip]") {
    const char* documents[] = {
        "null",
        "[true, false, null]",
        R"({"conditions": {"company_size": {"between": [10, 500]}, "country": ["DE", "FR"]}})",
        R"(["\u0000\u001f\"\\", "\uD83D\uDE00", "\u00c9cole", ""])",
        R"({"": {"": []}, "dup": 1, "dup": 2})",
        "[0, -0, 1.5, -2e-5, 1e300, 123456789012345]",
        "[[[[[[[[[[{}]]]]]]]]]]",
    };
    for (const char* doc : documents) {
        INFO(doc);
        const Json first = parse_json(doc);
        const std::string text = to_json_text(first);
        const Json second = parse_json(text);
        CHECK(same(first, second));
        CHECK(to_json_text(second) == text);  // the writer is a fixed point
    }
}

TEST_CASE("json numbers near DBL_MAX and infinities are written so that they read back", "[json][number]") {
    using lead_router::core::Json;
    using lead_router::core::to_json_text;
    Json j;
    j.type = Json::Type::number;
    j.number = 1.7976931348623157e308;  // 15 digits would round up past DBL_MAX
    CHECK(parse_json(to_json_text(j)).number == j.number);
    j.number = -1.7976931348623157e308;
    CHECK(parse_json(to_json_text(j)).number == j.number);
    j.number = std::numeric_limits<double>::infinity();
    CHECK(to_json_text(j) == "1e999");
    CHECK(std::isinf(parse_json(to_json_text(j)).number));
    j.number = -std::numeric_limits<double>::infinity();
    CHECK(to_json_text(j) == "-1e999");
}
