// core::dedupe_hash and core::canonical_identity: SHA-256 of the normalised, framed identity.
#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include "core/dedupe_hash.h"

using lead_router::core::canonical_identity;
using lead_router::core::dedupe_hash;
using lead_router::core::sha256_hex;

TEST_CASE("dedupe hash is equal for identities that normalise equally (case, spaces, phone format)",
          "[dedupe]") {
    // Email case and surrounding spaces.
    const auto a = dedupe_hash("john.doe@example.com", "+1 555 010 0199", "Acme Corp");
    const auto b = dedupe_hash("  John.Doe@EXAMPLE.com\t", "+1 555 010 0199", "Acme Corp");
    REQUIRE(a.has_value());
    REQUIRE(a == b);
    REQUIRE(dedupe_hash("\u00A0ÉLODIE@CAFÉ.FR\u3000", "", "") ==
            dedupe_hash("élodie@café.fr", "", ""));

    // Phone punctuation and international prefix.
    const auto plus = dedupe_hash("j@x.com", "+1 (555) 010-0199", "Acme");
    REQUIRE(plus.has_value());
    REQUIRE(dedupe_hash("j@x.com", "001 555 010 0199", "Acme") == plus);
    REQUIRE(dedupe_hash("j@x.com", "1-555-010-0199", "Acme") == plus);
    REQUIRE(dedupe_hash("j@x.com", "15550100199", "Acme") == plus);
    REQUIRE(dedupe_hash("", "+44 (0)20 7946 0958", "") == dedupe_hash("", "0044 20 7946 0958", ""));

    // Company case and whitespace.
    const auto c = dedupe_hash("", "", "acme corp");
    REQUIRE(c.has_value());
    REQUIRE(dedupe_hash("", "", "  ACME   Corp\t") == c);
    REQUIRE(dedupe_hash("", "", "Acme\u00A0\nCORP") == c);
}

TEST_CASE("dedupe hash differs when any one part differs", "[dedupe]") {
    const auto base = dedupe_hash("john@example.com", "5550100", "Acme");
    REQUIRE(base.has_value());
    REQUIRE(dedupe_hash("jane@example.com", "5550100", "Acme") != base);
    REQUIRE(dedupe_hash("john@example.com", "5550101", "Acme") != base);
    REQUIRE(dedupe_hash("john@example.com", "5550100", "Acme Inc") != base);
    REQUIRE(dedupe_hash("", "5550100", "Acme") != base);
    REQUIRE(dedupe_hash("john@example.com", "", "Acme") != base);
    REQUIRE(dedupe_hash("john@example.com", "5550100", "") != base);
    // Inner whitespace is significant in an email but collapsed in a company name.
    REQUIRE(dedupe_hash("john doe@x.com", "", "") != dedupe_hash("john  doe@x.com", "", ""));
}

TEST_CASE("dedupe hash part framing: moving text across part boundaries cannot collide",
          "[dedupe][framing]") {
    // Each pair concatenates to the same text without separators.
    REQUIRE(dedupe_hash("ab", "", "c") != dedupe_hash("a", "", "bc"));
    REQUIRE(dedupe_hash("a", "", "b c") != dedupe_hash("a b", "", "c"));
    REQUIRE(dedupe_hash("a1", "", "") != dedupe_hash("a", "1", ""));
    REQUIRE(dedupe_hash("a", "12", "") != dedupe_hash("a1", "2", ""));
    REQUIRE(dedupe_hash("", "1", "2b") != dedupe_hash("", "12", "b"));
    REQUIRE(dedupe_hash("", "12", "") != dedupe_hash("", "", "12"));
    // The same text in a different part is a different identity.
    REQUIRE(dedupe_hash("acme", "", "") != dedupe_hash("", "", "acme"));
    REQUIRE(dedupe_hash("555", "", "") != dedupe_hash("", "555", ""));
    REQUIRE(dedupe_hash("", "555", "") != dedupe_hash("", "", "555"));
}

TEST_CASE("dedupe hash is nullopt when all three parts are empty, a value when any one is not",
          "[dedupe][null]") {
    REQUIRE_FALSE(dedupe_hash("", "", "").has_value());
    REQUIRE_FALSE(dedupe_hash(std::string_view{}, std::string_view{}, std::string_view{}));
    // Parts that normalise to "" count as absent.
    REQUIRE(dedupe_hash("   ", "n/a", "\t\u00A0") == std::nullopt);
    REQUIRE(dedupe_hash("\x01\x1F", "()-", "\u3000") == std::nullopt);

    REQUIRE(dedupe_hash("a@b.c", "", "").has_value());
    REQUIRE(dedupe_hash("", "5", "").has_value());
    REQUIRE(dedupe_hash("", "", "x").has_value());
    // NULL (an empty view) and "" mean the same.
    REQUIRE(dedupe_hash(std::string_view{}, "5", std::string_view{}) == dedupe_hash("", "5", ""));
}

TEST_CASE("dedupe hash equals sha256_hex of canonical_identity", "[dedupe]") {
    const std::string_view email = "  John.Doe@Example.COM ";
    const std::string_view phone = "+1 (555) 010-0199";
    const std::string_view company = "  ACME   Corp\t";
    REQUIRE(dedupe_hash(email, phone, company) ==
            sha256_hex(canonical_identity(email, phone, company)));
    REQUIRE(dedupe_hash("", "", "x") == sha256_hex(canonical_identity("", "", "x")));
}

TEST_CASE("canonical identity joins the normalised parts with U+001F", "[dedupe][framing]") {
    REQUIRE(canonical_identity("  John.Doe@Example.COM ", "+1 (555) 010-0199", "  ACME   Corp\t") ==
            "john.doe@example.com\x1F" "15550100199\x1F" "acme corp");
    REQUIRE(canonical_identity("", "", "") == "\x1F\x1F");
    REQUIRE(canonical_identity("a", "", "") == "a\x1F\x1F");
    REQUIRE(canonical_identity("", "", "b") == "\x1F\x1F" "b");
}

TEST_CASE("a U+001F inside a part is dropped and cannot forge a separator",
          "[dedupe][framing]") {
    const std::string forged = canonical_identity("a\x1F" "5\x1F" "b", "", "");
    REQUIRE(forged == "a5b\x1F\x1F");
    REQUIRE(std::count(forged.begin(), forged.end(), '\x1F') == 2);
    REQUIRE(dedupe_hash("a\x1F" "5\x1F" "b", "", "") != dedupe_hash("a", "5", "b"));
    REQUIRE(dedupe_hash("a\x1F" "5", "", "") != dedupe_hash("a", "5", ""));
    // Every part is cleaned, so there are always exactly two separators.
    const std::string all = canonical_identity("\x1F" "x\x1F", "\x1F" "1\x1F", "\x1F" "y\x1F");
    REQUIRE(all == "x\x1F" "1\x1F" "y");
    // With the separators removed, moving one across parts still gives the same identity:
    // both spell email "a", company "b".
    REQUIRE(dedupe_hash("a\x1F", "", "b") == dedupe_hash("a", "", "\x1F" "b"));
}

TEST_CASE("dedupe hash is 64 lower-case hex characters and stable across releases",
          "[dedupe]") {
    const auto h = dedupe_hash("John.Doe@Example.com", "+1 555 010 0199", "ACME Corp");
    REQUIRE(h.has_value());
    REQUIRE(h->size() == 64);
    REQUIRE(h->find_first_not_of("0123456789abcdef") == std::string::npos);
    // Known answer: stored hashes must not change when the code changes
    // (sha256 of "john.doe@example.com\x1F" "15550100199\x1F" "acme corp").
    REQUIRE(*h == "9a704f338d18e04ae214e8072846c7e52e4a66fa54e93d3bd44aa6599d155d7e");
}
