// Routing decisions.
#include "core/routing_decision.h"

#include <tuple>

namespace lead_router::core {

const char* route_outcome_name(RouteOutcome outcome) {
    switch (outcome) {
        case RouteOutcome::routed:
            return "routed";
        case RouteOutcome::duplicate:
            return "duplicate";
        case RouteOutcome::queued:
            return "queued";
        case RouteOutcome::failed:
            return "failed";
        case RouteOutcome::locked:
            return "locked";
        case RouteOutcome::expired:
            return "expired";
        case RouteOutcome::deferred:
            return "deferred";
    }
    return "unknown";
}

const char* reason_message(Reason reason) {
    switch (reason) {
        case Reason::none:
            return nullptr;
        case Reason::no_matching_rule:
            return "no matching rule";
        case Reason::destination_inactive:
            return "destination workspace is not active";
        case Reason::lead_held:
            return "lead is locked by another transaction";
        case Reason::routing_lock_held:
            return "lead is being routed under another routing lock";
        case Reason::identity_held:
            return "a lead with the same identity is being routed";
        case Reason::original_held:
            return "the lead it duplicates is locked by another session";
        case Reason::original_not_routed:
            return "the lead it duplicates could not be routed";
        case Reason::expired:
            return "lead expired";
        case Reason::capacity:
            return "deferred: every destination it matched is at a cap (capacity)";
        case Reason::closed:
            return "deferred: every destination it matched is closed (closed)";
    }
    return nullptr;
}

const char* duplicate_key_name(DuplicateKey key) {
    switch (key) {
        case DuplicateKey::email:
            return "email";
        case DuplicateKey::phone:
            return "phone";
        case DuplicateKey::combined:
            return "combined";
    }
    return "unknown";
}

Settlement settle(LeadStatus status, bool stale_lock, bool expired) {
    switch (status) {
        case LeadStatus::routed:
            return Settlement::recorded;
        case LeadStatus::expired:
            return Settlement::already_expired;
        case LeadStatus::routing:
            if (!stale_lock) return Settlement::held;
            return expired ? Settlement::release_and_expire : Settlement::take_over;
        case LeadStatus::pending:
        case LeadStatus::failed:
            return expired ? Settlement::expire : Settlement::route;
    }
    return Settlement::held;
}

std::optional<Original> choose_original(const Original* candidates, std::size_t count, const LeadId& source) noexcept {
    const Original* best = nullptr;
    for (std::size_t i = 0; i < count; ++i) {
        const Original& c = candidates[i];
        if (c.owner == source) continue;
        if (best == nullptr || std::tie(c.routed_at, c.lead) < std::tie(best->routed_at, best->lead)) {
            best = &c;
        }
    }
    if (best == nullptr) return std::nullopt;
    Original chosen = *best;
    for (std::size_t i = 0; i < count; ++i) {  // the first kind that found this same original
        if (candidates[i].lead == chosen.lead && candidates[i].owner != source && candidates[i].key < chosen.key) {
            chosen.key = candidates[i].key;
        }
    }
    return chosen;
}

}  // namespace lead_router::core
