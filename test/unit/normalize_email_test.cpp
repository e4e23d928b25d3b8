// core::normalize_email: trimmed, lower-cased, control characters dropped, inner whitespace kept.
#include <catch2/catch.hpp>

#include <string>

#include "core/identity_normalizer.h"

using lead_router::core::normalize_email;

TEST_CASE("email is trimmed and lower-cased", "[normalize][email]") {
    REQUIRE(normalize_email("  John.Doe@Example.COM ") == "john.doe@example.com");
    REQUIRE(normalize_email("JOHN@EXAMPLE.COM") == "john@example.com");
    REQUIRE(normalize_email("\t\r\n john@example.com \n\r\t") == "john@example.com");
    // Unicode spaces are trimmed too (NBSP, U+3000, U+2000..200A, ...).
    REQUIRE(normalize_email("\u00A0john@example.com\u00A0") == "john@example.com");
    REQUIRE(normalize_email("\u3000\u2003john@example.com\u202F\u205F\u3000") ==
            "john@example.com");
    REQUIRE(normalize_email("\u2000\u200A\u1680john@example.com\u2028\u2029") ==
            "john@example.com");
}

TEST_CASE("email inner whitespace is kept as is", "[normalize][email]") {
    REQUIRE(normalize_email("john doe@example.com") == "john doe@example.com");
    REQUIRE(normalize_email(" John  Doe@Example.com ") == "john  doe@example.com");
    REQUIRE(normalize_email("john\tdoe@example.com") == "john\tdoe@example.com");
    REQUIRE(normalize_email("john\u00A0doe@example.com") == "john\u00A0doe@example.com");
    REQUIRE(normalize_email("a \u3000\nb") == "a \u3000\nb");
}

TEST_CASE("email control characters and invisible marks are dropped", "[normalize][email]") {
    REQUIRE(normalize_email("jo\x01hn@exa\x7Fmple.com") == "john@example.com");
    REQUIRE(normalize_email(std::string("john\0@example.com", 18)) == "john@example.com");
    REQUIRE(normalize_email("john\x1F@example.com") == "john@example.com");
    REQUIRE(normalize_email("john\xC2\x80\xC2\x9F@example.com") == "john@example.com");  // C1
    REQUIRE(normalize_email("\uFEFFjohn\u200B@example.com") == "john@example.com");  // BOM, ZWSP
    // A dropped character between spaces does not stop the trimming.
    REQUIRE(normalize_email(" \x02 john@example.com \x03 ") == "john@example.com");
}

TEST_CASE("email non-ASCII letters are lower-cased (Latin-1, Greek, Cyrillic)",
          "[normalize][email][fold]") {
    REQUIRE(normalize_email("ÉLODIE@CAFÉ.FR") == "élodie@café.fr");
    REQUIRE(normalize_email("ΣΟΦΙΑ@ΠΑΡΑΔΕΙΓΜΑ.GR") == "σοφια@παραδειγμα.gr");
    REQUIRE(normalize_email("ИВАН@ПРИМЕР.РФ") == "иван@пример.рф");
    REQUIRE(normalize_email("\u0130STANBUL@EXAMPLE.COM") == "istanbul@example.com");
}

TEST_CASE("empty or blank email normalises to the empty string", "[normalize][email]") {
    REQUIRE(normalize_email("").empty());
    REQUIRE(normalize_email(std::string_view{}).empty());
    REQUIRE(normalize_email("   ").empty());
    REQUIRE(normalize_email("\t\n\u00A0\u3000\x01\x1F").empty());
}

TEST_CASE("email of 1 MB and 10 MB is normalised with the expected size",
          "[normalize][email][long]") {
    const std::size_t one_mb = 1 << 20;
    const std::string big = "  " + std::string(one_mb, 'A') + "\u3000";
    const std::string out = normalize_email(big);
    REQUIRE(out.size() == one_mb);
    REQUIRE(out == std::string(one_mb, 'a'));

    // 10 MB of "Ab" followed by a space: inner spaces are kept, the final one trimmed.
    std::string ten;
    const std::size_t units = 10 * one_mb / 3;
    ten.reserve(units * 3);
    for (std::size_t i = 0; i < units; ++i) ten += "Ab ";
    const std::string ten_out = normalize_email(ten);
    REQUIRE(ten_out.size() == units * 3 - 1);
    REQUIRE(ten_out.compare(0, 6, "ab ab ") == 0);
    REQUIRE(ten_out.back() == 'b');
}

TEST_CASE("email invalid UTF-8 bytes become U+F700+byte and do not swallow neighbours",
          "[normalize][email][utf8]") {
    REQUIRE(normalize_email("A\xFF" "B") == "a\xEF\x9F\xBF" "b");        // U+F7FF
    REQUIRE(normalize_email("\xC3" "A") == "\xEF\x9F\x83" "a");          // U+F7C3, then 'a'
    REQUIRE(normalize_email(" \xE2\x82 ") == "\xEF\x9F\xA2\xEF\x9E\x82");
    // A dropped control character between two invalid bytes cannot join them into a letter
    // that a second pass would fold (found by fuzzing): normalising twice changes nothing.
    const std::string once = normalize_email("\xCE\x01\x91");
    REQUIRE(once == "\xEF\x9F\x8E\xEF\x9E\x91");
    REQUIRE(normalize_email(once) == once);
    // Distinct invalid inputs stay distinct.
    REQUIRE(normalize_email("x\xFE") != normalize_email("x\xFF"));
}
