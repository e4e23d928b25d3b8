// core::normalize_phone on libphonenumber: E.164 in the lead's region, extensions dropped;
// the digits rule when a number does not parse; regions read from country codes.
#include <catch2/catch.hpp>

#include <string>

#include "core/identity_normalizer.h"
#include "core/user_error.h"

using lead_router::core::normalize_phone;
using lead_router::core::NormalizedPhone;
using lead_router::core::phone_region;

namespace {
std::string e164(std::string_view raw, std::string_view region) {
    const NormalizedPhone p = normalize_phone(raw, region);
    return p.form == NormalizedPhone::Form::e164 ? p.text : "(not E.164: " + p.text + ")";
}
}  // namespace

TEST_CASE("phone: a national number in its region equals its international form", "[identity][phone]") {
    CHECK(e164("(555) 010-0199", "US") == "+15550100199");
    CHECK(e164("+1 555 010 0199", "") == "+15550100199");
    CHECK(e164("+1 555 010 0199", "GB") == "+15550100199");  // the country code wins
    CHECK(e164("020 7946 0018", "GB") == "+442079460018");
    CHECK(e164("+44 20 7946 0018", "") == "+442079460018");
    CHECK(e164("+44 (0)20 7946 0018", "") == "+442079460018");
    CHECK(e164("0044 20 7946 0018", "DE") == "+442079460018");
    // the US dials 011 abroad, but no US number starts with 00: people write Europe's prefix
    CHECK(e164("0044 20 7946 0018", "US") == "+442079460018");
    CHECK(e164("0044 20 7946 0018", "") == "+442079460018");
    CHECK(e164("0044 20 7946 0018", "JP") == "+442079460018");  // Japan dials 010 abroad
    CHECK(e164("03-1234-5678", "JP") == "+81312345678");
    CHECK(e164("020 7946 0018", "DE") == "+492079460018");  // the same digits elsewhere
    CHECK(e164("030 1234567", "DE") == "+49301234567");
}

TEST_CASE("phone: extensions are dropped, any script's digits read", "[identity][phone]") {
    CHECK(e164("+1 555 010 0199 x123", "") == "+15550100199");
    CHECK(e164("+1 555 010 0199 ext. 4", "") == "+15550100199");
    CHECK(e164("\u0660\u0662\u0660 \u0667\u0669\u0664\u0666 \u0660\u0660\u0661\u0668", "GB") == "+442079460018");
    CHECK(e164("\uFF0B\uFF11 \uFF15\uFF15\uFF15 \uFF10\uFF11\uFF10 \uFF10\uFF11\uFF19\uFF19", "") == "+15550100199");
}

TEST_CASE("phone: without a region a national number cannot be placed: the digits rule",
          "[identity][phone][fallback]") {
    const NormalizedPhone p = normalize_phone("(555) 010-0199", "");
    CHECK(p.form == NormalizedPhone::Form::digits);
    CHECK(p.text == "5550100199");
    CHECK(normalize_phone("12", "US").form == NormalizedPhone::Form::digits);  // too short to be possible
    CHECK(normalize_phone("12", "US").text == "12");
}

TEST_CASE("phone: more than E.164's 15 digits is no E.164 form, though libphonenumber calls it possible",
          "[identity][phone][fallback]") {
    // Germany's national numbers may have 15 digits: with the "49", 17.
    const NormalizedPhone p = normalize_phone("+49 163 7802 6269 1234", "");
    CHECK(p.form == NormalizedPhone::Form::digits);
    CHECK(p.text == "49163780262691234");
    CHECK(normalize_phone("+49 30 901820", "").text == "+4930901820");  // an ordinary one still is
}

TEST_CASE("phone: an E.164 form that does not read as itself again is no E.164 form", "[identity][phone][fallback]") {
    // Found by fuzz_identity: libphonenumber reads these, but not its own E.164 of them.
    for (const char* odd : {"+43)0 000091946", "+43 (0)000008 4 858 ext"}) {
        const NormalizedPhone p = normalize_phone(odd, "");
        if (p.form == NormalizedPhone::Form::e164) {
            for (const char* region : {"", "AT", "US", "DE"}) CHECK(normalize_phone(p.text, region).text == p.text);
        } else {
            CHECK(p.form == NormalizedPhone::Form::digits);
        }
    }
}

TEST_CASE("phone: no digits is no phone", "[identity][phone]") {
    for (const char* none : {"", "   ", "()--", "n/a", "+", "\u2014\u2014"}) {
        const NormalizedPhone p = normalize_phone(none, "US");
        CHECK(p.form == NormalizedPhone::Form::none);
        CHECK(p.text.empty());
    }
}

TEST_CASE("phone: invalid UTF-8 is refused with 22021", "[identity][phone][utf8]") {
    CHECK_THROWS_WITH(normalize_phone("555\xFF"
                                      "0100",
                                      "US"),
                      "phone is not valid UTF-8");
}

TEST_CASE("phone: normalising its own output changes nothing", "[identity][phone][idempotent]") {
    for (const char* raw : {"(555) 010-0199", "+44 (0)20 7946 0018 #2", "12", "0049 30 1234567"}) {
        for (const char* region : {"", "US", "GB", "DE"}) {
            const NormalizedPhone once = normalize_phone(raw, region);
            const NormalizedPhone twice = normalize_phone(once.text, region);
            INFO(raw << " in " << region);
            CHECK(twice.text == once.text);
        }
    }
}

TEST_CASE("phone regions are ISO 3166-1 alpha-2 codes libphonenumber knows", "[identity][region]") {
    CHECK(phone_region("US") == "US");
    CHECK(phone_region(" gb ") == "GB");
    CHECK(phone_region("de") == "DE");
    CHECK_FALSE(phone_region("XX"));
    CHECK_FALSE(phone_region("USA"));
    CHECK_FALSE(phone_region("Germany"));
    CHECK_FALSE(phone_region(""));
    CHECK_FALSE(phone_region("Z"));
}

TEST_CASE("phone: without a region, the 00 international prefix counts like +", "[identity][phone]") {
    CHECK(e164("001 555 010 0199", "") == "+15550100199");
    CHECK(e164("0044 20 7946 0018", "") == "+442079460018");
    CHECK(e164("00 44 20 7946 0018", "") == "+442079460018");
}
