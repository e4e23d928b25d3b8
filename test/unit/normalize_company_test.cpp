// core::normalize_company and core::fold_case: trimmed, lower-cased (ASCII, Latin-1,
// Latin Extended-A, Greek, Cyrillic), inner whitespace collapsed, control characters dropped,
// everything else kept.
#include <catch2/catch.hpp>

#include <string>

#include "core/identity_normalizer.h"

using lead_router::core::fold_case;
using lead_router::core::normalize_company;

TEST_CASE("company is trimmed, lower-cased and inner whitespace collapsed",
          "[normalize][company]") {
    REQUIRE(normalize_company("  ACME   Corp\t") == "acme corp");
    REQUIRE(normalize_company("Acme Corp") == "acme corp");
    REQUIRE(normalize_company("\u00A0\u3000Acme Corp\u2003\u202F\u3000") == "acme corp");
}

TEST_CASE("company inner tabs, newlines, runs of spaces and Unicode spaces collapse to one space",
          "[normalize][company][whitespace]") {
    REQUIRE(normalize_company("Acme\t\tCorp\nInc\r\n  Ltd") == "acme corp inc ltd");
    REQUIRE(normalize_company("Acme\u00A0\u00A0Corp") == "acme corp");
    REQUIRE(normalize_company("Acme \u00A0\t\u3000\n Corp") == "acme corp");
    REQUIRE(normalize_company("Acme\u3000Corp\u2002Inc") == "acme corp inc");
    REQUIRE(normalize_company("A\vB\fC") == "a b c");
}

TEST_CASE("company control characters are dropped, not turned into spaces",
          "[normalize][company]") {
    REQUIRE(normalize_company("Ac\x01me\x7F Corp") == "acme corp");
    REQUIRE(normalize_company(std::string("Acme\0Corp", 9)) == "acmecorp");
    REQUIRE(normalize_company("Acme\x1F" "Corp") == "acmecorp");
    REQUIRE(normalize_company("Acme\xC2\x80" "Corp") == "acmecorp");      // U+0080 (C1)
    REQUIRE(normalize_company("Acme\xC2\x85" "Corp") == "acme corp");     // U+0085 NEL is a line break
    REQUIRE(normalize_company("\uFEFFAc\u200Bme") == "acme");             // BOM, ZWSP
    REQUIRE(normalize_company("Acme \x02 Corp") == "acme corp");           // one space, not two
    REQUIRE(normalize_company("\x03 Acme \x04") == "acme");
}

TEST_CASE("company CJK characters and emoji are kept unchanged", "[normalize][company]") {
    REQUIRE(normalize_company("株式会社トヨタ") == "株式会社トヨタ");
    REQUIRE(normalize_company("  北京 字节跳动  ") == "北京 字节跳动");
    REQUIRE(normalize_company("삼성전자") == "삼성전자");
    REQUIRE(normalize_company("🚀 Rocket LABS 🚀") == "🚀 rocket labs 🚀");
    REQUIRE(normalize_company("ACME 👍🏽") == "acme 👍🏽");
    REQUIRE(normalize_company("Caf\u00E9\u0301") == "caf\u00E9\u0301");  // combining mark kept
}

TEST_CASE("Latin-1 capitals are lower-cased: \"ÉLODIE\" becomes \"élodie\"",
          "[normalize][company][fold]") {
    REQUIRE(normalize_company("ÉLODIE") == "élodie");
    REQUIRE(normalize_company("ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞ") ==
            "àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþ");
    // Not letters with a lower-case partner in Latin-1: × ÷ ß ÿ µ stay.
    REQUIRE(normalize_company("×÷ßÿµ") == "×÷ßÿµ");
    REQUIRE(fold_case(0x00D7) == 0x00D7);
    REQUIRE(fold_case(0x00DF) == 0x00DF);
}

TEST_CASE("Latin Extended-A capitals are lower-cased, U+0130 to 'i' and U+0178 to U+00FF",
          "[normalize][company][fold]") {
    REQUIRE(fold_case(0x0130) == U'i');    // İ -> i
    REQUIRE(fold_case(0x0178) == 0x00FF);  // Ÿ -> ÿ
    REQUIRE(normalize_company("\u0130STANBUL") == "istanbul");
    REQUIRE(normalize_company("\u0178VES") == "\u00FFves");
    REQUIRE(normalize_company("ŁÓDŹ") == "łódź");
    REQUIRE(normalize_company("ŽĎÁR ČESKÁ ŘEKA") == "žďár česká řeka");
    REQUIRE(normalize_company("ĀĒĪŌŪ ĲSSEL ĽUBOŠ ŊŐŰ ŚŻ") == "āēīōū ĳssel ľuboš ŋőű śż");
    // Both parity runs: pairs (even, odd) up to U+0137 and from U+014A, (odd, even) in
    // U+0139..0148 and U+0179..017E.
    REQUIRE(fold_case(0x0100) == 0x0101);
    REQUIRE(fold_case(0x012E) == 0x012F);
    REQUIRE(fold_case(0x0136) == 0x0137);
    REQUIRE(fold_case(0x0139) == 0x013A);
    REQUIRE(fold_case(0x0147) == 0x0148);
    REQUIRE(fold_case(0x014A) == 0x014B);
    REQUIRE(fold_case(0x0176) == 0x0177);
    REQUIRE(fold_case(0x0179) == 0x017A);
    REQUIRE(fold_case(0x017D) == 0x017E);
    // Letters without a capital partner stay: ı ĸ ŉ ſ.
    REQUIRE(fold_case(0x0131) == 0x0131);
    REQUIRE(fold_case(0x0138) == 0x0138);
    REQUIRE(fold_case(0x0149) == 0x0149);
    REQUIRE(fold_case(0x017F) == 0x017F);
}

TEST_CASE("Greek capitals are lower-cased, accented ones included", "[normalize][company][fold]") {
    REQUIRE(normalize_company("ΑΘΗΝΑ") == "αθηνα");
    REQUIRE(normalize_company("ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ") == "αβγδεζηθικλμνξοπρστυφχψω");
    REQUIRE(normalize_company("ΆΈΉΊΌΎΏ") == "άέήίόύώ");
    REQUIRE(normalize_company("ΪΫ") == "ϊϋ");
    REQUIRE(fold_case(0x03A2) == 0x03A2);  // unassigned, no partner
    REQUIRE(fold_case(0x03C2) == 0x03C2);  // final sigma stays final sigma
}

TEST_CASE("Cyrillic capitals are lower-cased, extended letters included",
          "[normalize][company][fold]") {
    REQUIRE(normalize_company("МОСКВА") == "москва");
    REQUIRE(normalize_company("АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ") ==
            "абвгдежзийклмнопрстуфхцчшщъыьэюя");
    REQUIRE(normalize_company("ЀЁЂЃЄЅІЇЈЉЊЋЌЍЎЏ") == "ѐёђѓєѕіїјљњћќѝўџ");
    REQUIRE(normalize_company("ҚАЗАҚСТАН ҒҮҰҺ") == "қазақстан ғүұһ");
    REQUIRE(normalize_company("ѢѲ") == "ѣѳ");
    REQUIRE(fold_case(0x04C0) == 0x04CF);  // Ӏ -> ӏ
    REQUIRE(fold_case(0x04C1) == 0x04C2);  // Ӂ -> ӂ
    REQUIRE(fold_case(0x04CD) == 0x04CE);  // Ӎ -> ӎ
    REQUIRE(fold_case(0x04D0) == 0x04D1);  // Ӑ -> ӑ
    REQUIRE(fold_case(0x052E) == 0x052F);
}

TEST_CASE("case folding leaves other scripts alone and is idempotent", "[company][fold]") {
    REQUIRE(fold_case(0xFF21) == 0xFF21);   // fullwidth A
    REQUIRE(fold_case(0x0531) == 0x0531);   // Armenian capital Ayb (outside the covered blocks)
    REQUIRE(fold_case(0x1F600) == 0x1F600); // emoji
    REQUIRE(fold_case(U'@') == U'@');
    REQUIRE(fold_case(U'Z') == U'z');
    REQUIRE(fold_case(U'[') == U'[');       // the code points around A..Z are not shifted
    REQUIRE(fold_case(U'`') == U'`');

    // Folding an already folded code point changes nothing, and no capital is left behind
    // in the covered blocks: fold(fold(c)) == fold(c) everywhere up to U+052F.
    int not_idempotent = 0;
    for (char32_t cp = 0; cp <= 0x052F; ++cp) {
        if (fold_case(fold_case(cp)) != fold_case(cp)) ++not_idempotent;
    }
    REQUIRE(not_idempotent == 0);
    const std::string once = normalize_company("  ÉLODIE \u0130\u0178 ΆΣ ЁҚ  Corp ");
    REQUIRE(normalize_company(once) == once);
}

TEST_CASE("empty or blank company normalises to the empty string", "[normalize][company]") {
    REQUIRE(normalize_company("").empty());
    REQUIRE(normalize_company(std::string_view{}).empty());
    REQUIRE(normalize_company(" \t\n\r ").empty());
    REQUIRE(normalize_company("\u00A0\u3000\u2028\x01\x1F").empty());
}

TEST_CASE("company of 1 MB and 10 MB is normalised with the expected size",
          "[normalize][company][long]") {
    const std::size_t one_mb = 1 << 20;
    const std::string one = "\t" + std::string(one_mb, 'X') + "  ";
    REQUIRE(normalize_company(one) == std::string(one_mb, 'x'));

    // 10 MB of "AB" + two spaces: every run collapses to one space, the last one is trimmed.
    const std::size_t units = (10 * one_mb) / 4;
    std::string ten;
    ten.reserve(units * 4);
    for (std::size_t i = 0; i < units; ++i) ten += "AB  ";
    const std::string out = normalize_company(ten);
    REQUIRE(out.size() == units * 3 - 1);
    REQUIRE(out.compare(0, 6, "ab ab ") == 0);
    REQUIRE(out.find("  ") == std::string::npos);
    REQUIRE(out.back() == 'b');
}

TEST_CASE("company invalid UTF-8 bytes become U+F700+byte and do not swallow neighbours",
          "[normalize][company][utf8]") {
    REQUIRE(normalize_company("ACME\xFF  CORP") == "acme\xEF\x9F\xBF corp");
    REQUIRE(normalize_company("\xC3" "A") == "\xEF\x9F\x83" "a");
    REQUIRE(normalize_company("  \xE2\x82  ") == "\xEF\x9F\xA2\xEF\x9E\x82");
    // The output is valid UTF-8 and a fixed point, also when a dropped character separated
    // two invalid bytes.
    const std::string once = normalize_company("\xC2\x01\xA0" "x");
    REQUIRE(normalize_company(once) == once);
}
