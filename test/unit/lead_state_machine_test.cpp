// core::transition_allowed: every pair of routing statuses, against the table of SPEC.md's
// state machine (with route_lead's single-step moves).
#include <catch2/catch.hpp>

#include <string>

#include "core/lead_state_machine.h"

using lead_router::core::lead_status;
using lead_router::core::lead_status_name;
using lead_router::core::LeadStatus;
using lead_router::core::transition_allowed;

TEST_CASE("the state machine allows exactly the documented transitions", "[state]") {
    constexpr LeadStatus kAll[] = {LeadStatus::pending, LeadStatus::routing, LeadStatus::routed, LeadStatus::failed,
                                   LeadStatus::expired};
    // rows: from; columns: to (pending, routing, routed, failed, expired)
    constexpr bool kAllowed[5][5] = {
        /* pending */ {true, true, true, true, true},
        /* routing */ {true, true, true, true, false},
        /* routed  */ {false, false, true, false, false},
        /* failed  */ {true, true, true, true, true},
        /* expired */ {false, false, false, false, true},
    };
    for (int from = 0; from < 5; ++from) {
        for (int to = 0; to < 5; ++to) {
            INFO(lead_status_name(kAll[from]) << " -> " << lead_status_name(kAll[to]));
            CHECK(transition_allowed(kAll[from], kAll[to]) == kAllowed[from][to]);
        }
    }
}

TEST_CASE("statuses read from and print as their enum labels", "[state]") {
    for (const char* label : {"pending", "routing", "routed", "failed", "expired"}) {
        const auto status = lead_status(label);
        REQUIRE(status);
        CHECK(std::string(lead_status_name(*status)) == label);
    }
    CHECK_FALSE(lead_status("queued"));
    CHECK_FALSE(lead_status(""));
    CHECK_FALSE(lead_status("Pending"));
}
