// core::phone_digits, the rule for phones libphonenumber does not parse: digits only, the
// international prefix handled, extensions dropped.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>

#include "core/identity_normalizer.h"

using lead_router::core::phone_digits;

namespace {

bool only_ascii_digits(const std::string& s) { return s.find_first_not_of("0123456789") == std::string::npos; }

}  // namespace

TEST_CASE("phone punctuation and spaces are removed", "[phone][digits]") {
    REQUIRE(phone_digits("(555) 010-0199") == "5550100199");
    REQUIRE(phone_digits("555.010.0199") == "5550100199");
    REQUIRE(phone_digits("555/010 01-99") == "5550100199");
    REQUIRE(phone_digits("  555 010 0199  ") == "5550100199");
    REQUIRE(phone_digits("\u00A0\u3000555\u2009010\u00A00199\t") == "5550100199");
}

TEST_CASE(
    "phone +1 (555) 010-0199, 001 555 010 0199 and 1-555-010-0199 are all 15550100199 "
    "(a leading + or 00 is dropped, the country code kept)",
    "[phone][digits][prefix]") {
    REQUIRE(phone_digits("+1 (555) 010-0199") == "15550100199");
    REQUIRE(phone_digits("001 555 010 0199") == "15550100199");
    REQUIRE(phone_digits("1-555-010-0199") == "15550100199");
    REQUIRE(phone_digits("+1 555 010 0199") == "15550100199");
    REQUIRE(phone_digits("001-555-010-0199") == "15550100199");
    REQUIRE(phone_digits("1 (555) 010-0199") == "15550100199");
    REQUIRE(phone_digits(" +15550100199") == "15550100199");

    // In general: a leading + or 00 is dropped and the country code kept.
    REQUIRE(phone_digits("+44 20 7946 0958") == "442079460958");
    REQUIRE(phone_digits("0044 20 7946 0958") == "442079460958");
    REQUIRE(phone_digits("00 44 20 7946 0958") == "442079460958");
    REQUIRE(phone_digits("+33 1 23 45 67 89") == "33123456789");
    // A single leading 0 is a national trunk prefix, not an international one: it is kept.
    REQUIRE(phone_digits("020 7946 0958") == "02079460958");
}

TEST_CASE("phone +44 (0)20 7946 0958 equals +44 20 7946 0958: the trunk (0) is not dialled",
          "[phone][digits][prefix]") {
    REQUIRE(phone_digits("+44 (0)20 7946 0958") == phone_digits("+44 20 7946 0958"));
    REQUIRE(phone_digits("+44 (0)20 7946 0958") == "442079460958");
    REQUIRE(phone_digits("0044 (0)20 7946 0958") == "442079460958");
    REQUIRE(phone_digits("+49(0)30 1234567") == "49301234567");
    // Without an international prefix the (0) is part of the national number.
    REQUIRE(phone_digits("(0)20 7946 0958") == "02079460958");
}

TEST_CASE("phone extension after x, ext or # is dropped", "[phone][digits][extension]") {
    REQUIRE(phone_digits("555-0100 x12") == "5550100");
    REQUIRE(phone_digits("555-0100 X12") == "5550100");
    REQUIRE(phone_digits("555-0100x12") == "5550100");
    REQUIRE(phone_digits("555-0100 ext. 12") == "5550100");
    REQUIRE(phone_digits("555-0100 EXT 12") == "5550100");
    REQUIRE(phone_digits("555-0100 #12") == "5550100");
    REQUIRE(phone_digits("+1 (555) 010-0199 ext. 4321") == "15550100199");
    REQUIRE(phone_digits("555-0100 x12") == phone_digits("555-0100"));
}

TEST_CASE("phone fullwidth, Arabic-Indic and Eastern Arabic-Indic digits count as digits", "[phone][digits][unicode]") {
    REQUIRE(phone_digits("\uFF10\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17\uFF18\uFF19") == "0123456789");
    // Fullwidth plus is an international prefix like '+'.
    REQUIRE(phone_digits("\uFF0B\uFF11 \uFF15\uFF15\uFF15 \uFF10\uFF11\uFF10 "
                         "\uFF10\uFF11\uFF19\uFF19") == "15550100199");
    REQUIRE(phone_digits("\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669") == "0123456789");
    REQUIRE(phone_digits("\u06F0\u06F1\u06F2\u06F3\u06F4\u06F5\u06F6\u06F7\u06F8\u06F9") == "0123456789");
    // Mixed scripts in one number.
    REQUIRE(phone_digits("+1 \u0665\u0665\u0665 \uFF10\uFF11\uFF10 0199") == "15550100199");
}

TEST_CASE("phone with no digits normalises to the empty string", "[phone][digits]") {
    REQUIRE(phone_digits("").empty());
    REQUIRE(phone_digits(std::string_view{}).empty());
    REQUIRE(phone_digits("   ").empty());
    REQUIRE(phone_digits("n/a").empty());
    REQUIRE(phone_digits("unknown").empty());
    REQUIRE(phone_digits("+").empty());
    REQUIRE(phone_digits("() - .").empty());
}

TEST_CASE("phone letters are ignored", "[phone][digits]") {
    REQUIRE(phone_digits("tel: 555-0100") == "5550100");
    REQUIRE(phone_digits("Phone: +1 555 010 0199 (mobile)") == "15550100199");
    REQUIRE(phone_digits("5a5b5c0d1e0f0") == "5550100");
    REQUIRE(phone_digits("\u0422\u0415\u041B 555 0100") == "5550100");  // Cyrillic "TEL"
}

TEST_CASE("phone x inside a vanity word is a letter, not an extension marker", "[phone][digits]") {
    REQUIRE(phone_digits("1-800-BOX-1234") == "18001234");
    REQUIRE(phone_digits("1-800-FAX-NOW-5") == "18005");
    REQUIRE(phone_digits("1-800-555-0100x7") == "18005550100");
    REQUIRE(phone_digits("1-800-555-0100 X 7") == "18005550100");
}

TEST_CASE("phone invalid UTF-8 does not crash, is deterministic and invents no digits", "[phone][digits][utf8]") {
    REQUIRE(phone_digits("\xFF\xFE").empty());
    REQUIRE(phone_digits("5\xC3"
                         "5") == "55");             // truncated lead keeps the next digit
    REQUIRE(phone_digits("\xC0\xB1").empty());      // overlong '1' is not a digit
    REQUIRE(phone_digits("\xE0\x80\xB1").empty());  // overlong '1' again
    REQUIRE(phone_digits("\xEF\xBC"
                         "1") == "1");  // truncated fullwidth digit
    REQUIRE(phone_digits("\xED\xA0\x80"
                         "7") == "7");  // surrogate skipped
    REQUIRE(phone_digits("\xD9"
                         "\xA0") == "0");  // control: a valid U+0660 is a digit

    // Fuzz: bytes that can never form a valid multi-byte sequence and are not ASCII digits
    // must produce no digits at all; arbitrary bytes only ever produce ASCII digits, the
    // same ones on every call.
    std::mt19937 rng(20240611u);
    const std::string never_digit_bytes =
        "\x80\x8F\x90\x9F\xA0\xA9\xB0\xB9\xBF\xC0\xC1\xF5\xF8\xFE\xFF"
        "+-()#xX ext.abc";
    int invented = 0;
    int non_digit_output = 0;
    int nondeterministic = 0;
    for (int round = 0; round < 2000; ++round) {
        std::string junk;
        std::string any;
        const int len = 1 + static_cast<int>(rng() % 40);
        for (int i = 0; i < len; ++i) {
            junk.push_back(never_digit_bytes[rng() % never_digit_bytes.size()]);
            any.push_back(static_cast<char>(rng() & 0xFF));
        }
        if (!phone_digits(junk).empty()) ++invented;
        const std::string a = phone_digits(any);
        if (!only_ascii_digits(a)) ++non_digit_output;
        if (a != phone_digits(any)) ++nondeterministic;
    }
    CHECK(invented == 0);
    CHECK(non_digit_output == 0);
    CHECK(nondeterministic == 0);
}

TEST_CASE("phone of 10 MB is normalised with the expected size", "[phone][digits][long]") {
    std::string big;
    const std::size_t pairs = 5u << 20;  // "7-" x 5 Mi = 10 MB
    big.reserve(2 * pairs);
    for (std::size_t i = 0; i < pairs; ++i) big += "7-";
    const std::string out = phone_digits(big);
    REQUIRE(out.size() == pairs);
    REQUIRE(out == std::string(pairs, '7'));
}
