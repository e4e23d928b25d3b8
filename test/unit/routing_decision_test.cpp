// core::settle and core::choose_original: what a lead's state allows, and which original a
// duplicate belongs to (first in time wins, across every key).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/routing_decision.h"

using namespace lead_router::core;

namespace {
LeadId id(unsigned char n) {
    LeadId u{};
    u[15] = n;
    return u;
}
}  // namespace

TEST_CASE("settle: every status, with and without a stale lock and an expiry", "[decision]") {
    CHECK(settle(LeadStatus::pending, false, false) == Settlement::route);
    CHECK(settle(LeadStatus::failed, false, false) == Settlement::route);
    CHECK(settle(LeadStatus::pending, false, true) == Settlement::expire);
    CHECK(settle(LeadStatus::failed, false, true) == Settlement::expire);
    CHECK(settle(LeadStatus::routing, false, false) == Settlement::held);
    CHECK(settle(LeadStatus::routing, false, true) == Settlement::held);
    CHECK(settle(LeadStatus::routing, true, false) == Settlement::take_over);
    CHECK(settle(LeadStatus::routing, true, true) == Settlement::release_and_expire);
    CHECK(settle(LeadStatus::routed, false, true) == Settlement::recorded);
    CHECK(settle(LeadStatus::expired, false, false) == Settlement::already_expired);
}

TEST_CASE("choose_original: the first routed original of another workspace wins", "[decision][duplicate]") {
    const LeadId source = id(0xA1);
    std::vector<Original> c = {
        {id(3), id(0xB1), 300, DuplicateKey::email},
        {id(2), id(0xB2), 200, DuplicateKey::phone},
        {id(1), source, 100, DuplicateKey::email},  // its own workspace owns it: not a duplicate of it
    };
    auto chosen = choose_original(c.data(), c.size(), source);
    REQUIRE(chosen);
    CHECK(chosen->lead == id(2));
    CHECK(chosen->owner == id(0xB2));
    CHECK(chosen->key == DuplicateKey::phone);
    // ties in time: the smaller id
    c.push_back({id(1), id(0xB3), 200, DuplicateKey::combined});
    chosen = choose_original(c.data(), c.size(), source);
    REQUIRE(chosen);
    CHECK(chosen->lead == id(1));
    CHECK(chosen->key == DuplicateKey::combined);
    // an original of this batch (INT64_MAX) loses to any routed before
    const std::vector<Original> batch = {{id(9), id(0xB1), INT64_MAX, DuplicateKey::email},
                                         {id(8), id(0xB2), 5, DuplicateKey::phone}};
    CHECK(choose_original(batch.data(), batch.size(), source)->lead == id(8));
}

TEST_CASE("choose_original: the key reported is the first kind that found the original", "[decision][duplicate]") {
    const LeadId source = id(0xA1);
    const std::vector<Original> c = {{id(4), id(0xB1), 10, DuplicateKey::combined},
                                     {id(4), id(0xB1), 10, DuplicateKey::phone},
                                     {id(4), id(0xB1), 10, DuplicateKey::email}};
    CHECK(choose_original(c.data(), c.size(), source)->key == DuplicateKey::email);
}

TEST_CASE("choose_original: nothing found, or only the source's own, is no duplicate", "[decision][duplicate]") {
    const LeadId source = id(0xA1);
    CHECK_FALSE(choose_original(nullptr, 0, source));
    const std::vector<Original> own = {{id(1), source, 1, DuplicateKey::email}};
    CHECK_FALSE(choose_original(own.data(), own.size(), source));
}

TEST_CASE("outcome, reason and key names", "[decision]") {
    CHECK(std::string(route_outcome_name(RouteOutcome::deferred)) == "deferred");
    CHECK(std::string(reason_message(Reason::no_matching_rule)) == "no matching rule");
    CHECK(reason_message(Reason::none) == nullptr);
    CHECK(std::string(duplicate_key_name(DuplicateKey::combined)) == "combined");
    CHECK(succeeded(RouteOutcome::duplicate));
    CHECK_FALSE(succeeded(RouteOutcome::deferred));
}
