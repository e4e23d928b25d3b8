// core::Distributor: the routing decision among the destinations of the rules a lead
// matched -- caps in the partner's time zone, hours, pools, waterfall, deferral.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "core/distribution.h"

using namespace lead_router::core;
using Kind = Distributor::Decision::Kind;

namespace {
Micros utc(int y, int mo, int d, int h = 0, int mi = 0) {
    return days_from_civil({y, mo, d}) * 24 * kMicrosPerHour + h * kMicrosPerHour + mi * kMicrosPerMinute;
}
Micros at(int h, int mi = 0) { return h * kMicrosPerHour + mi * kMicrosPerMinute; }

struct Zones {
    std::unique_ptr<ZoneClock> ny = ZoneClock::load("America/New_York");
    std::unique_ptr<ZoneClock> tokyo = ZoneClock::load("Asia/Tokyo");
    std::unique_ptr<ZoneClock> utc = ZoneClock::load("UTC");
};

DestinationLoad partner(const ZoneClock& zone, std::vector<CapUse> caps = {}, AcceptingHours hours = {}) {
    DestinationLoad d;
    d.zone = &zone;
    d.caps = std::move(caps);
    d.hours = std::move(hours);
    return d;
}

CapUse cap(const ZoneClock& zone, CapPeriod period, int max, int used, Micros now) {
    return {period, max, used, window_at(zone, period, now)};
}
}  // namespace

TEST_CASE("distribution: one destination, eligible", "[distribution]") {
    Zones z;
    Distributor d(utc(2026, 12, 1, 12));
    const int a = d.add_destination(partner(*z.utc));
    const Distributor::Target t{false, a};
    const auto decision = d.decide(&t, 1);
    CHECK(decision.kind == Kind::routed);
    CHECK(decision.destination == a);
    CHECK(decision.skipped.empty());
}

TEST_CASE("distribution: a daily cap in the partner's zone, then deferral to its midnight", "[distribution]") {
    Zones z;
    const Micros now = utc(2026, 12, 1, 12);  // 07:00 in New York
    Distributor d(now);
    const int a = d.add_destination(partner(*z.ny, {cap(*z.ny, CapPeriod::day, 2, 0, now)}));
    const Distributor::Target t{false, a};
    CHECK(d.decide(&t, 1).kind == Kind::routed);
    CHECK(d.decide(&t, 1).kind == Kind::routed);
    const auto third = d.decide(&t, 1);
    CHECK(third.kind == Kind::deferred);
    CHECK(third.reason == DeferReason::capacity);
    CHECK(third.due == utc(2026, 12, 2, 5));  // midnight in New York
    REQUIRE(third.skipped.size() == 1);
    CHECK(describe(third.skipped[0].why, *z.ny) == "capped day 2/2 until 2026-12-02 00:00 America/New_York");
    CHECK(d.destination(a).caps[0].used == 2);
}

TEST_CASE("distribution: a 23 h and a 25 h day each carry the full daily cap", "[distribution]") {
    Zones z;
    struct Case {
        Micros first, last, next_midnight;
    };
    const Case cases[] = {
        {utc(2026, 3, 8, 5), utc(2026, 3, 9, 3, 59), utc(2026, 3, 9, 4)},     // 23 h
        {utc(2026, 11, 1, 4), utc(2026, 11, 2, 4, 59), utc(2026, 11, 2, 5)},  // 25 h
    };
    for (const Case& c : cases) {
        int routed = 0;
        // three leads spread over the day, the last in its final minute, then one more
        const Micros times[] = {c.first, c.first + (c.last - c.first) / 2, c.last, c.last};
        for (int i = 0; i < 4; ++i) {
            Distributor d(times[i]);
            const int a = d.add_destination(partner(*z.ny, {cap(*z.ny, CapPeriod::day, 3, routed, times[i])}));
            CHECK(d.destination(a).caps[0].window.end == c.next_midnight);
            const Distributor::Target t{false, a};
            const auto decision = d.decide(&t, 1);
            if (i < 3) {
                CHECK(decision.kind == Kind::routed);
                ++routed;
            } else {
                CHECK(decision.kind == Kind::deferred);
                CHECK(decision.due == c.next_midnight);
            }
        }
        CHECK(routed == 3);
    }
}

TEST_CASE("distribution: closed until the next opening, in the partner's zone", "[distribution]") {
    Zones z;
    const Micros now = utc(2026, 12, 5, 3);  // Saturday 12:00 in Tokyo
    std::vector<OpeningSpan> spans;
    for (int day = 1; day <= 5; ++day) spans.push_back({day, at(9), at(17)});
    Distributor d(now);
    const int a = d.add_destination(partner(*z.tokyo, {}, AcceptingHours(spans)));
    const Distributor::Target t{false, a};
    const auto decision = d.decide(&t, 1);
    CHECK(decision.kind == Kind::deferred);
    CHECK(decision.reason == DeferReason::closed);
    CHECK(decision.due == utc(2026, 12, 7, 0));  // Monday 09:00 JST
    CHECK(describe(decision.skipped.at(0).why, *z.tokyo) == "closed until Mon 09:00 Asia/Tokyo");
}

TEST_CASE("distribution: deferral is due when the first blocking condition ends", "[distribution]") {
    Zones z;
    const Micros now = utc(2026, 12, 1, 12, 20);
    Distributor d(now);
    // A: hourly cap full (ends 13:00 UTC) and daily cap full (ends midnight); B: closed till tomorrow
    const int a = d.add_destination(
        partner(*z.utc, {cap(*z.utc, CapPeriod::hour, 1, 1, now), cap(*z.utc, CapPeriod::day, 5, 5, now)}));
    const int b = d.add_destination(partner(*z.utc, {}, AcceptingHours({{3, at(8), at(9)}})));
    const Distributor::Target targets[] = {{false, a}, {false, b}};
    const auto decision = d.decide(targets, 2);
    CHECK(decision.kind == Kind::deferred);
    CHECK(decision.due == utc(2026, 12, 1, 13));
    CHECK(decision.reason == DeferReason::capacity);
    // A's description names the cap that keeps it closed longest
    CHECK(describe(d.availability(a), *z.utc) == "capped day 5/5 until 2026-12-02 00:00 UTC");
    CHECK(describe(d.availability(b), *z.utc) == "closed until Wed 08:00 UTC");
}

TEST_CASE("distribution: a cap of 0 defers to the window's end; inactive alone is unavailable", "[distribution]") {
    Zones z;
    const Micros now = utc(2026, 12, 1, 12);
    Distributor d(now);
    const int zero = d.add_destination(partner(*z.utc, {cap(*z.utc, CapPeriod::week, 0, 0, now)}));
    DestinationLoad off = partner(*z.utc);
    off.active = false;
    const int inactive = d.add_destination(off);
    const Distributor::Target t0{false, zero}, t1{false, inactive};
    const auto deferred = d.decide(&t0, 1);
    CHECK(deferred.kind == Kind::deferred);
    CHECK(deferred.due == utc(2026, 12, 7));  // next Monday
    const auto unavailable = d.decide(&t1, 1);
    CHECK(unavailable.kind == Kind::unavailable);
    CHECK(describe(unavailable.skipped.at(0).why, *z.utc) == "inactive");
}

TEST_CASE("distribution: waterfall to the next matching rule, naming who was passed over", "[distribution]") {
    Zones z;
    const Micros now = utc(2026, 12, 1, 12);
    Distributor d(now);
    const int full = d.add_destination(partner(*z.utc, {cap(*z.utc, CapPeriod::day, 10, 10, now)}));
    const int next = d.add_destination(partner(*z.utc));
    const Distributor::Target targets[] = {{false, full}, {false, next}};
    const auto decision = d.decide(targets, 2);
    CHECK(decision.kind == Kind::routed);
    CHECK(decision.target == 1);
    CHECK(decision.destination == next);
    REQUIRE(decision.skipped.size() == 1);
    CHECK(decision.skipped[0].destination == full);
    CHECK(decision.skipped[0].why.blocked == Blocked::capped);
}

TEST_CASE("distribution: pool {A:5, B:1, C:1}, A capped at 10 a day, B closed", "[distribution]") {
    Zones z;
    const Micros now = utc(2026, 12, 1, 12);
    Distributor d(now);
    const int a = d.add_destination(partner(*z.utc, {cap(*z.utc, CapPeriod::day, 10, 0, now)}));
    const int b = d.add_destination(partner(*z.utc, {}, AcceptingHours({{1, at(0), at(1)}})));
    const int c = d.add_destination(partner(*z.utc));
    const int pool = d.add_pool({{a, 5, 0}, {b, 1, 0}, {c, 1, 0}});
    const Distributor::Target t{true, pool};
    std::map<int, int> got;
    std::string first12;
    for (int i = 0; i < 60; ++i) {
        const auto decision = d.decide(&t, 1);
        REQUIRE(decision.kind == Kind::routed);
        ++got[decision.destination];
        if (i < 12) first12 += decision.destination == a ? 'A' : decision.destination == c ? 'C' : 'B';
    }
    CHECK(got[a] == 10);
    CHECK(got[b] == 0);
    CHECK(got[c] == 50);
    CHECK(first12 == "AAACAAAAACAA");  // 5:1 while A is open: C took 2 of the first 12
    CHECK(d.destination(a).caps[0].used == 10);
    // B kept its credit: it was never eligible
    CHECK(d.pool(pool)[1].credit == 0);
}

TEST_CASE("distribution: a pool member ranked first but full is named as passed over", "[distribution]") {
    Zones z;
    const Micros now = utc(2026, 12, 1, 12);
    Distributor d(now);
    const int a = d.add_destination(partner(*z.utc, {cap(*z.utc, CapPeriod::hour, 3, 3, now)}));
    const int c = d.add_destination(partner(*z.utc));
    const int pool = d.add_pool({{a, 5, 0}, {c, 1, 0}});
    CHECK(d.next_pick(pool) == 1);
    const Distributor::Target t{true, pool};
    const auto decision = d.decide(&t, 1);
    CHECK(decision.destination == c);
    REQUIRE(decision.skipped.size() == 1);
    CHECK(decision.skipped[0].destination == a);
    CHECK(describe(decision.skipped[0].why, *z.utc) == "capped hour 3/3 until 2026-12-01 13:00 UTC");
    // with nothing blocking, the next pick is the heavier member
    Distributor open(now);
    const int a2 = open.add_destination(partner(*z.utc));
    const int c2 = open.add_destination(partner(*z.utc));
    CHECK(open.next_pick(open.add_pool({{a2, 5, 0}, {c2, 1, 0}})) == 0);
}

TEST_CASE("distribution: on a tie the member listed first would win, so a full one is named", "[distribution]") {
    Zones z;
    const Micros now = utc(2026, 12, 1, 12);
    Distributor d(now);
    const int p1 = d.add_destination(partner(*z.utc, {cap(*z.utc, CapPeriod::day, 0, 0, now)}));
    const int p2 = d.add_destination(partner(*z.utc));
    const int pool = d.add_pool({{p1, 1, 0}, {p2, 1, 0}});
    const Distributor::Target t{true, pool};
    const auto first = d.decide(&t, 1);
    CHECK(first.destination == p2);
    REQUIRE(first.skipped.size() == 1);
    CHECK(first.skipped[0].destination == p1);
    // a member listed after the chosen one, with the same score, is not ranked better
    Distributor later(now);
    const int q1 = later.add_destination(partner(*z.utc));
    const int q2 = later.add_destination(partner(*z.utc, {cap(*z.utc, CapPeriod::day, 0, 0, now)}));
    const int pool2 = later.add_pool({{q1, 1, 0}, {q2, 1, 0}});
    const Distributor::Target t2{true, pool2};
    const auto second = later.decide(&t2, 1);
    CHECK(second.destination == q1);
    CHECK(second.skipped.empty());
}
