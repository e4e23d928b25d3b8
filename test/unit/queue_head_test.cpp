// core::QueueHead: where route_pending_leads starts its scan of the due queue.
#include <catch2/catch.hpp>

#include <cstdint>

#include "core/queue_head.h"

using lead_router::core::kFullScanInterval_us;
using lead_router::core::QueueHead;
using lead_router::core::QueuePosition;
using lead_router::core::QueueScope;

namespace {

QueuePosition at(std::int64_t due_at_us, unsigned char id_byte) {
    QueuePosition p;
    p.due_at_us = due_at_us;
    p.id[15] = id_byte;
    return p;
}

QueueScope user(unsigned char b) {
    QueueScope s;
    s.has_user = true;
    s.user[0] = b;
    return s;
}

const QueueScope kBypass = [] {
    QueueScope s;
    s.bypass = true;
    return s;
}();

}  // namespace

TEST_CASE("a new session scans from the start of the queue", "[queue_head]") {
    const QueueHead head;
    CHECK_FALSE(head.start(kBypass, 5).has_value());
}

TEST_CASE("after a full scan the next scan starts at the first lead it locked", "[queue_head]") {
    QueueHead head;
    head.scanned(kBypass, true, at(100, 7), 1'000);
    const auto p = head.start(kBypass, 1'000 + kFullScanInterval_us - 1);
    REQUIRE(p.has_value());
    CHECK(p->due_at_us == 100);
    CHECK(p->id[15] == 7);
}

TEST_CASE("a scan from a position moves it on without postponing the next full scan", "[queue_head]") {
    QueueHead head;
    head.scanned(kBypass, true, at(100, 1), 0);
    head.scanned(kBypass, false, at(200, 2), kFullScanInterval_us / 2);
    REQUIRE(head.start(kBypass, kFullScanInterval_us - 1).has_value());
    CHECK(head.start(kBypass, kFullScanInterval_us - 1)->due_at_us == 200);
    // a lead that became due behind the position is found within the interval of the last
    // full scan, however many scans from a position came since
    CHECK_FALSE(head.start(kBypass, kFullScanInterval_us).has_value());
}

TEST_CASE("an empty scan forgets the position", "[queue_head]") {
    QueueHead head;
    head.scanned(kBypass, true, at(100, 1), 0);
    head.scanned(kBypass, true, std::nullopt, 10);
    CHECK_FALSE(head.start(kBypass, 20).has_value());
}

TEST_CASE("a position belongs to the scope that found it", "[queue_head]") {
    QueueHead head;
    head.scanned(user(1), true, at(100, 1), 0);
    CHECK(head.start(user(1), 10).has_value());
    CHECK_FALSE(head.start(user(2), 10).has_value());
    CHECK_FALSE(head.start(kBypass, 10).has_value());
    // a scan of another scope that did not start at the start proves nothing: ignored
    head.scanned(user(2), false, at(500, 5), 20);
    CHECK_FALSE(head.start(user(2), 30).has_value());
    CHECK(head.start(user(1), 30)->due_at_us == 100);
    // a full scan of another scope replaces the position
    head.scanned(user(2), true, at(300, 3), 40);
    CHECK(head.start(user(2), 50)->due_at_us == 300);
    CHECK_FALSE(head.start(user(1), 50).has_value());
}

TEST_CASE("a clock that goes backwards makes a full scan due", "[queue_head]") {
    QueueHead head;
    head.scanned(kBypass, true, at(100, 1), 5'000'000);
    CHECK_FALSE(head.start(kBypass, 4'000'000).has_value());
}

TEST_CASE("scopes compare the user only when there is one", "[queue_head]") {
    QueueScope a;
    QueueScope b;
    b.user[3] = 9;  // no user: the bytes are not part of the scope
    CHECK(a == b);
    CHECK_FALSE(user(1) == user(2));
    CHECK_FALSE(kBypass == a);
}
