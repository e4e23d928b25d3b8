// core::identity_keys: the keys a duplicate is recognised by -- email_key, phone_key and the
// combined dedupe_hash -- for the everyday variants of one person, with the framing and the
// identity version that decides when stored keys must be rebuilt.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "core/dedupe_hash.h"

using lead_router::core::canonical_identity;
using lead_router::core::dedupe_hash;
using lead_router::core::EmailCanonicalization;
using lead_router::core::identity_keys;
using lead_router::core::identity_version;
using lead_router::core::IdentityInput;
using lead_router::core::IdentityKeys;
using lead_router::core::sha256_hex;

namespace {
IdentityKeys keys(std::string_view email, std::string_view phone = "", std::string_view company = "",
                  std::string_view region = "", EmailCanonicalization c = EmailCanonicalization::none) {
    return identity_keys(IdentityInput{email, phone, company, region, c});
}
}  // namespace

TEST_CASE("the variants of one person share the key that identifies them", "[identity][keys][variants]") {
    // josé@… composed vs decomposed
    CHECK(keys("jos\u00E9@example.com").email_key == keys("jose\u0301@example.com").email_key);
    // full-width letters
    CHECK(keys("\uFF2A\uFF2F\uFF28\uFF2E@example.com").email_key == keys("john@example.com").email_key);
    // a@b.com with and without a phone: the email key is the same, the combined key is not
    CHECK(keys("a@b.com", "+1 555 010 0199").email_key == keys("a@b.com").email_key);
    CHECK(keys("a@b.com", "+1 555 010 0199").combined != keys("a@b.com").combined);
    // the same email with "Acme Inc" vs "Acme, Inc."
    CHECK(keys("a@b.com", "", "Acme Inc").email_key == keys("a@b.com", "", "Acme, Inc.").email_key);
    CHECK(keys("a@b.com", "", "Acme Inc").combined != keys("a@b.com", "", "Acme, Inc.").combined);
    // (555) 010-0199 for a US lead vs +1 555 010 0199
    CHECK(keys("", "(555) 010-0199", "", "US").phone_key == keys("", "+1 555 010 0199").phone_key);
    // a UK national number vs its +44 form
    CHECK(keys("", "020 7946 0018", "", "GB").phone_key == keys("", "+44 20 7946 0018").phone_key);
    // dotted and +tag Gmail addresses, with provider canonicalisation
    const auto provider = EmailCanonicalization::provider;
    CHECK(keys("john.doe+promo@gmail.com", "", "", "", provider).email_key ==
          keys("johndoe@gmail.com", "", "", "", provider).email_key);
    CHECK(keys("john.doe+promo@gmail.com").email_key != keys("johndoe@gmail.com").email_key);
}

TEST_CASE("phone_key is the SHA-256 of the E.164 text with its plus", "[identity][keys]") {
    CHECK(keys("", "(555) 010-0199", "", "US").phone_key == sha256_hex("+15550100199"));
    // a number that does not parse keys on its digits (no plus: never equal to an E.164 key)
    CHECK(keys("", "(555) 010-0199").phone_key == sha256_hex("5550100199"));
    CHECK(keys("john@example.com").email_key == sha256_hex("john@example.com"));
}

TEST_CASE("absent parts have no key; all absent, no combined key", "[identity][keys]") {
    const IdentityKeys none = keys("", "", "");
    CHECK_FALSE(none.email_key);
    CHECK_FALSE(none.phone_key);
    CHECK_FALSE(none.combined);
    const IdentityKeys company_only = keys("  ", "n/a", "Acme");
    CHECK_FALSE(company_only.email_key);
    CHECK_FALSE(company_only.phone_key);
    CHECK(company_only.combined);
}

TEST_CASE("the combined key frames its parts with U+001F, which no part can contain", "[identity][keys][framing]") {
    const auto h = [](std::string_view e, std::string_view p, std::string_view c) {
        return dedupe_hash(IdentityInput{e, p, c, "", EmailCanonicalization::none});
    };
    CHECK(h("ab", "", "c") != h("a", "", "bc"));
    CHECK(h("a", "", "b c") != h("a b", "", "c"));
    CHECK(h("a1", "", "") != h("a", "1", ""));
    CHECK(h("a", "12", "") != h("a1", "2", ""));
    const std::string forged =
        canonical_identity(IdentityInput{"a\x1F"
                                         "5\x1F"
                                         "b",
                                         "",
                                         "",
                                         "",
                                         {}});
    CHECK(forged == "a5b\x1F\x1F");
    CHECK(std::count(forged.begin(), forged.end(), '\x1F') == 2);
}

TEST_CASE("the combined key of a known identity", "[identity][keys]") {
    const auto h = dedupe_hash(IdentityInput{"John.Doe@Example.com", "+1 555 010 0199", "ACME Corp", "", {}});
    REQUIRE(h);
    CHECK(*h == sha256_hex("john.doe@example.com\x1F+15550100199\x1F"
                           "acme corp"));
    CHECK(h->size() == 64);
}

TEST_CASE("the identity version changes with what changes keys", "[identity][version]") {
    const auto base = identity_version(EmailCanonicalization::none, "");
    CHECK(base.number > 0);
    CHECK(base.description.find("ICU ") != std::string::npos);
    CHECK(base.description.find("libphonenumber ") != std::string::npos);
    CHECK(identity_version(EmailCanonicalization::none, "").number == base.number);
    CHECK(identity_version(EmailCanonicalization::provider, "").number != base.number);
    CHECK(identity_version(EmailCanonicalization::none, "US").number != base.number);
}
