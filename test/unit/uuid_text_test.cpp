// core::parse_uuid: the forms lead_router.user_id may take, and what is refused.
#include <catch2/catch.hpp>

#include "core/uuid_text.h"

using lead_router::core::parse_uuid;

TEST_CASE("uuid text: canonical, unhyphenated, braced and upper-case forms parse alike", "[uuid]") {
    const auto canonical = parse_uuid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    REQUIRE(canonical);
    CHECK((*canonical)[0] == 0xa0);
    CHECK((*canonical)[15] == 0x11);
    CHECK(parse_uuid("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11") == canonical);
    CHECK(parse_uuid("a0eebc999c0b4ef8bb6d6bb9bd380a11") == canonical);
    CHECK(parse_uuid("{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}") == canonical);
    CHECK(parse_uuid("  a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\n") == canonical);
}

TEST_CASE("uuid text: anything else is refused", "[uuid]") {
    CHECK_FALSE(parse_uuid(""));
    CHECK_FALSE(parse_uuid("not-a-uuid"));
    CHECK_FALSE(parse_uuid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1"));    // one digit short
    CHECK_FALSE(parse_uuid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111"));  // one too many
    CHECK_FALSE(parse_uuid("a0eebc99x9c0b-4ef8-bb6d-6bb9bd380a11"));   // wrong separator
    CHECK_FALSE(parse_uuid("g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));   // not hex
    CHECK_FALSE(parse_uuid("{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));  // unbalanced brace
    CHECK_FALSE(parse_uuid("' OR 1=1 --"));
}
