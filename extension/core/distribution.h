// Where a lead goes among the destinations of the rules it matched (SPEC.md "Distribution"):
// rules in order; a rule's candidates are its destination, or its pool's members, that are
// active, open now and below every cap; a pool picks among them by smooth weighted
// round-robin; a rule with no eligible candidate passes the lead to the next (waterfall);
// none at all defers the lead to the earliest moment a blocking condition ends.
// A Distributor holds the state of one routing transaction -- caps counted and pool credits
// moved as leads are decided -- which the adapter read under row locks and writes back.
// Pure C++.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/accepting_hours.h"
#include "core/capacity_window.h"
#include "core/weighted_pick.h"
#include "core/zone_clock.h"

namespace lead_router::core {

struct CapUse {
    CapPeriod period;
    std::int32_t max_leads;
    std::int32_t used;  // in `window`
    Window window;      // the window containing the routing's instant
};

// A destination as the routing transaction sees it.
struct DestinationLoad {
    bool active = true;
    const ZoneClock* zone = nullptr;  // never null once added
    AcceptingHours hours;
    std::vector<CapUse> caps;
};

// What keeps a destination from taking a lead now: inactive first, then closed, then caps.
enum class Blocked { none, inactive, closed, capped };

struct Availability {
    Blocked blocked = Blocked::none;
    CapPeriod period = CapPeriod::day;  // capped: the full cap whose window ends last
    std::int32_t used = 0, max_leads = 0;
    Micros until = 0;            // closed: next opening; capped: when that cap's window ends
    Micros earliest_change = 0;  // the first moment one of its blocking conditions ends
    bool changes = false;        // false for inactive: no moment is known
};

// "inactive", "closed until Mon 09:00 Asia/Tokyo",
// "capped day 100/100 until 2026-12-02 00:00 America/New_York"; empty when not blocked.
std::string describe(const Availability& a, const ZoneClock& zone);

enum class DeferReason { capacity, closed };
const char* defer_reason_name(DeferReason reason);

class Distributor {
public:
    explicit Distributor(Micros now) : now_(now) {}

    // Destinations and pools, referred to by the index returned.
    int add_destination(DestinationLoad load);
    struct Member {
        int destination;
        std::int32_t weight;
        std::int64_t credit;
    };
    int add_pool(std::vector<Member> members);

    // One matching rule: a single destination, or a pool.
    struct Target {
        bool pool;
        int index;  // destination or pool
    };

    struct Skip {
        int target;  // which of the targets
        int destination;
        Availability why;
    };
    struct Decision {
        enum class Kind { routed, deferred, unavailable } kind = Kind::unavailable;
        int target = -1;       // routed: the target used
        int destination = -1;  // routed: where to
        // routed: the better-ranked destinations passed over (every candidate of earlier
        // targets; pool members that would have been picked first); otherwise every candidate
        std::vector<Skip> skipped;
        Micros due = 0;  // deferred: when to try again
        DeferReason reason = DeferReason::capacity;
    };
    // Decides one lead and, when it is routed, counts it against the destination's caps and
    // moves the pool's credits.  `unavailable`: every candidate is inactive.
    Decision decide(const Target* targets, std::size_t count);

    // What the next lead would see (explain_route), without changing anything.
    Availability availability(int destination) const;
    int next_pick(int pool) const;

    const DestinationLoad& destination(int index) const { return destinations_[index]; }
    const std::vector<Member>& pool(int index) const { return pools_[index]; }
    Micros now() const { return now_; }

private:
    struct Destination : DestinationLoad {
        bool open_now = true;
        Micros next_opening = 0;
    };
    std::vector<Destination> destinations_;
    std::vector<std::vector<Member>> pools_;
    Micros now_;
};

}  // namespace lead_router::core
