// core/arrival_pacing.h: the worker's adaptive batch, when it goes round again, how long it
// sleeps, what it announces with NOTIFY lead_router_events, and whom a commit wakes.
#include <catch2/catch.hpp>

#include <climits>
#include <cstdint>

#include "core/arrival_pacing.h"

using namespace lead_router::core;

TEST_CASE("the adaptive batch follows the original design's steps, capped", "[pacing][batch]") {
    REQUIRE(adaptive_batch(0, 200) == 50);
    REQUIRE(adaptive_batch(1, 200) == 50);
    REQUIRE(adaptive_batch(50, 200) == 50);
    REQUIRE(adaptive_batch(51, 200) == 100);
    REQUIRE(adaptive_batch(200, 200) == 100);
    REQUIRE(adaptive_batch(201, 200) == 200);
    REQUIRE(adaptive_batch(INT64_MAX, 200) == 200);
    // lead_router.worker_batch_size caps every step
    REQUIRE(adaptive_batch(201, 75) == 75);
    REQUIRE(adaptive_batch(10, 20) == 20);
    REQUIRE(adaptive_batch(10, 1) == 1);
    // a cap below 1 (never passed by the GUC) still asks for one row
    REQUIRE(adaptive_batch(10, 0) == 1);
}

TEST_CASE("the worker goes round again only after a full or deep batch that made progress", "[pacing][again]") {
    // a full batch: there may be more
    REQUIRE(go_again({50, 50, 50, 0}));
    // more due than one batch, some taken by other workers meanwhile
    REQUIRE(go_again({500, 200, 120, 0}));
    // a partial batch with nothing more due: sleep
    REQUIRE_FALSE(go_again({3, 50, 3, 0}));
    // nothing taken although rows were counted (other sessions hold them): no spinning
    REQUIRE_FALSE(go_again({500, 200, 0, 0}));
    // a full batch of leads whose identities other sessions hold: no spinning
    REQUIRE_FALSE(go_again({50, 50, 50, 50}));
    // a full batch with one held lead still made progress
    REQUIRE(go_again({50, 50, 50, 1}));
}

TEST_CASE("leads held by other sessions are looked at again after a growing delay", "[pacing][held]") {
    REQUIRE(next_held_delay(0, 10000) == kFirstHeldDelayMs);
    REQUIRE(next_held_delay(kFirstHeldDelayMs, 10000) == 2 * kFirstHeldDelayMs);
    int delay = 0;
    for (int i = 0; i < 40; ++i) delay = next_held_delay(delay, 10000);
    REQUIRE(delay == 10000);
    // never above the naptime, even a short one, and no overflow near INT_MAX
    REQUIRE(next_held_delay(0, 5) == 5);
    REQUIRE(next_held_delay(INT_MAX, INT_MAX) == INT_MAX);
    REQUIRE(next_held_delay(INT_MAX / 2 + 1, INT_MAX) == INT_MAX);
}

TEST_CASE("the sleep is the naptime, shortened by the next retry and held leads", "[pacing][sleep]") {
    REQUIRE(sleep_after_round(true, 10000, 0, 0) == 0);
    REQUIRE(sleep_after_round(false, 10000, 0, 0) == 10000);
    REQUIRE(sleep_after_round(false, 10000, 2500, 0) == 2500);
    REQUIRE(sleep_after_round(false, 10000, 20000, 0) == 10000);
    REQUIRE(sleep_after_round(false, 10000, 2500, 40) == 40);
    REQUIRE(sleep_after_round(false, 10000, 0, 40) == 40);
    // never 0 when sleeping: 0 means "go again"
    REQUIRE(sleep_after_round(false, 0, 0, 0) == 1);
}

TEST_CASE("NOTIFY lead_router_events announces only ids above the last announcement", "[pacing][notify]") {
    // a round that wrote audit rows announces the last id drawn (its own rows included)
    REQUIRE(events_announcement(10, true, 25, 12) == std::optional<std::int64_t>(25));
    // a round that wrote nothing announces the readable horizon
    REQUIRE(events_announcement(10, false, 25, 12) == std::optional<std::int64_t>(12));
    // nothing new: no notification at all
    REQUIRE_FALSE(events_announcement(12, false, 25, 12).has_value());
    REQUIRE_FALSE(events_announcement(30, true, 25, 12).has_value());
    // an empty log (horizon 1, readable 0) announces nothing
    REQUIRE_FALSE(events_announcement(0, false, 0, 0).has_value());
}

TEST_CASE("a commit wakes one sleeping worker, or every worker when none sleeps", "[pacing][wake]") {
    const bool none[4] = {false, false, false, false};
    const bool third[4] = {false, false, true, false};
    const bool all[4] = {true, true, true, true};
    REQUIRE(workers_to_wake(none, 4, 0) == 0xF);
    REQUIRE(workers_to_wake(third, 4, 0) == 0x4);
    REQUIRE(workers_to_wake(third, 4, 3) == 0x4);
    // the rotation spreads single wake-ups over the sleeping workers
    REQUIRE(workers_to_wake(all, 4, 0) == 0x1);
    REQUIRE(workers_to_wake(all, 4, 1) == 0x2);
    REQUIRE(workers_to_wake(all, 4, 6) == 0x4);
    REQUIRE(workers_to_wake(all, 4, UINT_MAX) == (std::uint64_t{1} << (UINT_MAX % 4)));
    REQUIRE(workers_to_wake(none, 0, 0) == 0);
    bool many[64] = {};
    REQUIRE(workers_to_wake(many, 64, 5) == ~std::uint64_t{0});
    many[63] = true;
    REQUIRE(workers_to_wake(many, 64, 5) == std::uint64_t{1} << 63);
}
