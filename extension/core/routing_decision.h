// The decisions of routing a lead, as data: what it came to (an outcome), why (a reason),
// and the pure parts of deciding -- what a lead's state allows, and which routed original a
// duplicate belongs to.  The adapter (pg/route_batch.cpp) reads and locks, asks these, and
// writes.  Pure C++, unit-tested.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/lead_state_machine.h"

namespace lead_router::core {

using LeadId = std::array<unsigned char, 16>;

// route_result.status.
enum class RouteOutcome { routed, duplicate, queued, failed, locked, expired, deferred };
inline constexpr int kRouteOutcomes = 7;
const char* route_outcome_name(RouteOutcome outcome);
inline bool succeeded(RouteOutcome o) { return o == RouteOutcome::routed || o == RouteOutcome::duplicate; }

// Why a lead was not routed (route_result.error, the audit row's error_message).
enum class Reason {
    none,
    no_matching_rule,      // queued or failed: no rule of its source matched
    destination_inactive,  // queued or failed: the destination was deactivated meanwhile
    lead_held,             // locked: another transaction holds the lead's row
    routing_lock_held,     // locked: a fresh acquire_routing_lock lock
    identity_held,         // locked: another transaction routes a lead of the same person
    original_held,         // locked: the lead it duplicates is held by another session
    original_not_routed,   // locked: it duplicates a lead of this batch that was not routed
    expired,               // expired
    capacity,              // deferred: the matched destinations are full, the first to have room decides
    closed,                // deferred: the first of them to open decides
};
const char* reason_message(Reason reason);  // nullptr for none

// The keys a duplicate is recognised by (lead_router.duplicate_keys), in reporting order.
enum class DuplicateKey { email, phone, combined };
inline constexpr int kDuplicateKeys = 3;
const char* duplicate_key_name(DuplicateKey key);

// What a lead's row allows when a routing takes it.
enum class Settlement {
    route,               // pending or failed, not expired: route it
    take_over,           // a stale routing lock: take it over (audit released), then route
    recorded,            // routed already: its recorded outcome, nothing changes
    already_expired,     // expired already
    held,                // a fresh routing lock of someone else's
    expire,              // past lead_expires_at: mark it expired, never route it
    release_and_expire,  // a stale lock on a lead past its expiry: release, then expire
};
Settlement settle(LeadStatus status, bool stale_lock, bool expired);

// A routed original found for one of a lead's keys.
struct Original {
    LeadId lead;
    LeadId owner;            // the partner workspace that owns it
    std::int64_t routed_at;  // microseconds; an original routed in the same batch: INT64_MAX
    DuplicateKey key;        // the kind of key it was found by
};

// The original a lead from `source` duplicates: among `candidates` (found by its keys), those
// owned by another workspace than the source; the first routed (ties: the smaller id); its
// key the first kind, in the order email, phone, combined, by which it was found.
std::optional<Original> choose_original(const Original* candidates, std::size_t count, const LeadId& source) noexcept;

}  // namespace lead_router::core
