#include "core/distribution.h"

#include <algorithm>

namespace lead_router::core {

std::string describe(const Availability& a, const ZoneClock& zone) {
    switch (a.blocked) {
        case Blocked::none:
            return {};
        case Blocked::inactive:
            return "inactive";
        case Blocked::closed:
            return "closed until " + zone.format_weekday_time(a.until) + " " + zone.name();
        case Blocked::capped:
            return std::string("capped ") + cap_period_name(a.period) + " " + std::to_string(a.used) + "/" +
                   std::to_string(a.max_leads) + " until " + zone.format_date_time(a.until) + " " + zone.name();
    }
    return {};
}

const char* defer_reason_name(DeferReason reason) { return reason == DeferReason::closed ? "closed" : "capacity"; }

int Distributor::add_destination(DestinationLoad load) {
    Destination d;
    static_cast<DestinationLoad&>(d) = std::move(load);
    d.open_now = d.hours.open_at(*d.zone, now_);
    d.next_opening = d.open_now ? now_ : d.hours.next_opening(*d.zone, now_);
    destinations_.push_back(std::move(d));
    return static_cast<int>(destinations_.size() - 1);
}

int Distributor::add_pool(std::vector<Member> members) {
    pools_.push_back(std::move(members));
    return static_cast<int>(pools_.size() - 1);
}

Availability Distributor::availability(int index) const {
    const Destination& d = destinations_[index];
    Availability a;
    if (!d.active) {
        a.blocked = Blocked::inactive;
        return a;
    }
    const auto blocks_until = [&](Micros end) {
        a.earliest_change = a.changes ? std::min(a.earliest_change, end) : end;
        a.changes = true;
    };
    if (!d.open_now) {
        a.blocked = Blocked::closed;
        a.until = d.next_opening;
        blocks_until(d.next_opening);
    }
    for (const CapUse& cap : d.caps) {
        if (cap.used < cap.max_leads) continue;
        blocks_until(cap.window.end);
        if (a.blocked == Blocked::closed) continue;
        if (a.blocked == Blocked::none || cap.window.end > a.until) {
            a.blocked = Blocked::capped;
            a.period = cap.period;
            a.used = cap.used;
            a.max_leads = cap.max_leads;
            a.until = cap.window.end;
        }
    }
    return a;
}

int Distributor::next_pick(int pool) const {
    const std::vector<Member>& members = pools_[pool];
    std::vector<PoolSlot> slots(members.size());
    for (std::size_t i = 0; i < members.size(); ++i) {
        slots[i] = {members[i].weight, members[i].credit,
                    availability(members[i].destination).blocked == Blocked::none};
    }
    return peek_weighted(slots.data(), slots.size());
}

Distributor::Decision Distributor::decide(const Target* targets, std::size_t count) {
    Decision decision;
    std::vector<PoolSlot> slots;
    std::vector<Availability> why;
    for (std::size_t t = 0; t < count && decision.kind != Decision::Kind::routed; ++t) {
        const Target& target = targets[t];
        if (!target.pool) {
            const Availability a = availability(target.index);
            if (a.blocked == Blocked::none) {
                decision.kind = Decision::Kind::routed;
                decision.target = static_cast<int>(t);
                decision.destination = target.index;
            } else {
                decision.skipped.push_back({static_cast<int>(t), target.index, a});
            }
            continue;
        }
        std::vector<Member>& members = pools_[target.index];
        slots.resize(members.size());
        why.resize(members.size());
        for (std::size_t m = 0; m < members.size(); ++m) {
            why[m] = availability(members[m].destination);
            slots[m] = {members[m].weight, members[m].credit, why[m].blocked == Blocked::none};
        }
        const int chosen = peek_weighted(slots.data(), slots.size());
        if (chosen < 0) {
            for (std::size_t m = 0; m < members.size(); ++m) {
                decision.skipped.push_back({static_cast<int>(t), members[m].destination, why[m]});
            }
            continue;
        }
        // members the round-robin would have taken first, had they been eligible (a tie
        // goes to the member listed first)
        const std::int64_t chosen_score = slots[chosen].credit + slots[chosen].weight;
        for (std::size_t m = 0; m < members.size(); ++m) {
            const std::int64_t score = slots[m].credit + slots[m].weight;
            if (!slots[m].eligible &&
                (score > chosen_score || (score == chosen_score && static_cast<int>(m) < chosen))) {
                decision.skipped.push_back({static_cast<int>(t), members[m].destination, why[m]});
            }
        }
        pick_weighted(slots.data(), slots.size());
        for (std::size_t m = 0; m < members.size(); ++m) members[m].credit = slots[m].credit;
        decision.kind = Decision::Kind::routed;
        decision.target = static_cast<int>(t);
        decision.destination = members[chosen].destination;
    }
    if (decision.kind == Decision::Kind::routed) {
        for (CapUse& cap : destinations_[decision.destination].caps) ++cap.used;
        return decision;
    }
    // Nobody could take it: deferred to the earliest end of a blocking condition, unless
    // every candidate is inactive.
    bool found = false;
    for (const Skip& skip : decision.skipped) {
        if (!skip.why.changes) continue;
        if (!found || skip.why.earliest_change < decision.due) {
            decision.due = skip.why.earliest_change;
            const Destination& d = destinations_[skip.destination];
            // the condition that ends first: its opening, or a cap's window
            decision.reason =
                !d.open_now && d.next_opening == decision.due ? DeferReason::closed : DeferReason::capacity;
            found = true;
        }
    }
    decision.kind = found ? Decision::Kind::deferred : Decision::Kind::unavailable;
    return decision;
}

}  // namespace lead_router::core
