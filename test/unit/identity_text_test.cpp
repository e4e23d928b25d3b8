// core::normalize_email and core::normalize_company on ICU: NFKC case folding, white space
// trimmed (company: collapsed), control characters dropped; provider canonicalisation.
#include <catch2/catch.hpp>

#include <string>

#include "core/identity_normalizer.h"
#include "core/user_error.h"

using lead_router::core::EmailCanonicalization;
using lead_router::core::normalize_company;
using lead_router::core::normalize_email;
using lead_router::core::UserError;

TEST_CASE("email is trimmed and folded", "[identity][email]") {
    CHECK(normalize_email("  John.Doe@Example.COM ") == "john.doe@example.com");
    CHECK(normalize_email("\t\r\n john@example.com \n\r\t") == "john@example.com");
    // Unicode white space is trimmed too (NBSP, U+3000, U+2000..200A, U+2028, ...).
    CHECK(normalize_email("\u00A0john@example.com\u00A0") == "john@example.com");
    CHECK(normalize_email("\u3000\u2003john@example.com\u202F\u205F\u3000") == "john@example.com");
    CHECK(normalize_email("\u2000\u200A\u1680john@example.com\u2028\u2029") == "john@example.com");
}

TEST_CASE("email: composed, decomposed, full-width and other-case spellings agree", "[identity][email][variants]") {
    const std::string composed = "jos\u00E9@example.com";     // é as one code point
    const std::string decomposed = "jose\u0301@example.com";  // e + combining acute
    CHECK(normalize_email(composed) == normalize_email(decomposed));
    CHECK(normalize_email("JOS\u00C9@EXAMPLE.COM") == normalize_email(composed));
    CHECK(normalize_email("\uFF2A\uFF2F\uFF28\uFF2E@example.com") == "john@example.com");  // ＪＯＨＮ
    CHECK(normalize_email("STRA\u00DFE@x.de") == "strasse@x.de");                          // ß folds to ss
    CHECK(normalize_email("\uFB01n@x.com") == "fin@x.com");                                // the ﬁ ligature
    CHECK(normalize_email("\u03A3\u039F\u03A6\u0399\u0391@x.gr") == "\u03C3\u03BF\u03C6\u03B9\u03B1@x.gr");
    CHECK(normalize_email("\u0418\u0412\u0410\u041D@x.ru") == "\u0438\u0432\u0430\u043D@x.ru");
    CHECK(normalize_email("\u0531\u0532@x.am") == "\u0561\u0562@x.am");  // Armenian: every script
}

TEST_CASE("a control character between a letter and its combining mark is dropped before folding",
          "[identity][email][company]") {
    // Dropped after folding, it would leave "b" + U+0307 for a second normalisation to compose.
    const std::string written = std::string("b\x08\0\u0307@x.com", 11);
    CHECK(normalize_email(written) == "\u1E03@x.com");  // ḃ
    CHECK(normalize_email(normalize_email(written)) == normalize_email(written));
    CHECK(normalize_company("Acme\x01\u0301 Ltd") == "acm\u00E9 ltd");
    CHECK(normalize_company(normalize_company("Acme\x01\u0301 Ltd")) == "acm\u00E9 ltd");
}

TEST_CASE("email: invisible and control characters are dropped, inner white space kept", "[identity][email]") {
    CHECK(normalize_email("jo\x01hn@exa\x7Fmple.com") == "john@example.com");
    CHECK(normalize_email(std::string("john\0@example.com", 18)) == "john@example.com");
    CHECK(normalize_email("john\xC2\x80\xC2\x9F@example.com") == "john@example.com");    // C1
    CHECK(normalize_email("\uFEFFjohn\u200B@exam\u00ADple.com") == "john@example.com");  // BOM, ZWSP, soft hyphen
    CHECK(normalize_email(" \x02 john@example.com \x03 ") == "john@example.com");
    CHECK(normalize_email("john doe@example.com") == "john doe@example.com");
    CHECK(normalize_email("john  doe@example.com") == "john  doe@example.com");
    CHECK(normalize_email("john\u00A0doe@example.com") == "john doe@example.com");  // NBSP is a space
}

TEST_CASE("email: empty or blank is the empty string", "[identity][email]") {
    CHECK(normalize_email("").empty());
    CHECK(normalize_email(std::string_view{}).empty());
    CHECK(normalize_email("  \t\n\u00A0\u3000\x01\x1F").empty());
}

TEST_CASE("email: provider canonicalisation ignores Gmail dots and +tags", "[identity][email][provider]") {
    const auto provider = EmailCanonicalization::provider;
    CHECK(normalize_email("John.Doe+news@Gmail.com", provider) == "johndoe@gmail.com");
    CHECK(normalize_email("j.o.h.n.doe@googlemail.com", provider) == "johndoe@gmail.com");
    // dots dropped from the front uncover white space, which is trimmed as everywhere
    CHECK(normalize_email(".\r\rp\n@googlemail.com", provider) == "p\n@gmail.com");
    CHECK(normalize_email(normalize_email(".\r\rp@gmail.com", provider), provider) == "p@gmail.com");
    CHECK(normalize_email("ann+work@outlook.com", provider) == "ann@outlook.com");
    CHECK(normalize_email("ann+work@icloud.com", provider) == "ann@icloud.com");
    // dots count elsewhere, and +tags of providers that do not use them are kept
    CHECK(normalize_email("ann.lee+x@example.com", provider) == "ann.lee+x@example.com");
    CHECK(normalize_email("ann.lee@outlook.com", provider) == "ann.lee@outlook.com");
    // an address that would lose its whole local part is kept as it is
    CHECK(normalize_email("+tag@gmail.com", provider) == "+tag@gmail.com");
    CHECK(normalize_email("no-at-sign", provider) == "no-at-sign");
    // without the setting the address is only normalised
    CHECK(normalize_email("John.Doe+news@Gmail.com") == "john.doe+news@gmail.com");
    // normalising twice changes nothing
    const std::string once = normalize_email("A.B+c@GoogleMail.com", provider);
    CHECK(normalize_email(once, provider) == once);
}

TEST_CASE("company: trimmed, folded, inner white space collapsed, punctuation kept", "[identity][company]") {
    CHECK(normalize_company("  ACME   Corp\t") == "acme corp");
    CHECK(normalize_company("Acme\u00A0\nCORP") == "acme corp");
    CHECK(normalize_company("Acme \u3000\t Corp") == "acme corp");
    CHECK(normalize_company("Acme\x01"
                            "Corp") == "acmecorp");  // a control character is no space
    CHECK(normalize_company("Acme Inc") != normalize_company("Acme, Inc."));
    CHECK(normalize_company("\u00C9COLE") == normalize_company("e\u0301cole"));
    CHECK(normalize_company("\u682A\u5F0F\u4F1A\u793E \U0001F600") == "\u682A\u5F0F\u4F1A\u793E \U0001F600");
    CHECK(normalize_company("   ").empty());
}

TEST_CASE("identity text of 1 MB and 10 MB is normalised with the expected size", "[identity][long]") {
    const std::size_t one_mb = 1 << 20;
    CHECK(normalize_email("  " + std::string(one_mb, 'A') + "\u3000") == std::string(one_mb, 'a'));
    std::string ten;
    const std::size_t units = 10 * one_mb / 3;
    ten.reserve(units * 3);
    for (std::size_t i = 0; i < units; ++i) ten += "Ab ";
    const std::string out = normalize_company(ten);
    CHECK(out.size() == units * 3 - 1);
    CHECK(out.compare(0, 6, "ab ab ") == 0);
}

TEST_CASE("identity text that is not valid UTF-8 is refused with 22021, naming the field", "[identity][utf8]") {
    for (const char* bad : {"A\xFF"
                            "B",
                            "\xC3"
                            "A",
                            " \xE2\x82 ", "\xC0\xB1", "\xED\xA0\x80"}) {
        try {
            normalize_email(bad);
            FAIL("accepted invalid UTF-8");
        } catch (const UserError& e) {
            CHECK(std::string(e.sqlstate()) == "22021");
            CHECK(std::string(e.what()) == "email is not valid UTF-8");
        }
        CHECK_THROWS_WITH(normalize_company(bad), "company name is not valid UTF-8");
    }
}

TEST_CASE("identity text: normalising twice changes nothing", "[identity][idempotent]") {
    for (const char* s : {"  J\u00D6RG@\uFF25xample.COM ", "e\u0301\u0301cole", "\u1E9E\u00DF", "\u0130stanbul",
                          "a\u200Bb\u00AD", "\u2460\u2461", "\u3300"}) {
        const std::string e = normalize_email(s);
        const std::string c = normalize_company(s);
        CHECK(normalize_email(e) == e);
        CHECK(normalize_company(c) == c);
    }
}
