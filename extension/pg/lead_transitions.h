// The routing state machine's transitions (SPEC.md "State machine"), each one saved SPI
// statement that changes the lead, closes or opens its queue row and writes its audit row
// together.  Shared by the primitive functions and by route_lead.  All require SPI_connect.
#pragma once

#include "pg/postgres_headers.h"

namespace lead_router::pg::transitions {

// pending | failed | stale routing -> routing, owned by `owner`; never waits on a row lock.
// Returns false when the lead is not lockable or another session holds its row.
bool acquire_lock(Datum lead_id, Datum owner, TimestampTz stale_before);

// routing (held by `owner`) -> routed in `destination`, which must be active.
// Returns false, changing nothing, when the lead is not in routing held by `owner` or the
// destination became inactive (check_completion() reports the other causes first).
bool complete(Datum lead_id, Datum destination, Datum rule_id, bool rule_is_null, Datum owner);

// complete_routing's checks of its destination and rule against the lead: the destination
// must be an active partner workspace other than the lead's source, and a matched rule must
// be one of the source workspace's rules that routes there.  Raises 22023 naming what is
// wrong; an unknown lead is P0002.
void check_completion(Datum lead_id, Datum destination, Datum rule_id, bool rule_is_null);

// A lead row locked FOR UPDATE, as fail_routing needs it.
struct LockedLead {
    bool found;
    bool routing;  // routing_status = 'routing'
    bool owned;    // routing_locked_by = the owner asked about
    int32 attempts;
    char status[16];
};
LockedLead lock_for_failure(Datum lead_id, Datum owner);

// Records a failed attempt of a lead the caller holds: requeued with the backoff delay when
// attempts < max_attempts (returns true), failed for good otherwise (returns false).
// `attempt_increment` is 1 when this call also counts the attempt (route_lead), 0 when
// acquire_routing_lock already did.  `requeue_result` is the audit result of a requeue.
bool record_failure(Datum lead_id, Datum error_text, int32 attempts, int32 max_attempts,
                    int32 attempt_increment, const char* requeue_result);

// route_lead's one-step moves for a lead row the caller holds FOR UPDATE; each counts the
// attempt, clears any lock, closes the open queue row and writes the audit row.
// pending | failed | stale routing -> routed in `destination` (if it is active; returns
// false, changing nothing, otherwise).  `attempt` receives the lead's attempt count.
bool route_to(Datum lead_id, Datum destination, Datum rule_id, int32* attempt);
// ... -> routed as a duplicate of `original`, staying in its source workspace.  Returns
// false, changing nothing, when another session holds the original's row.
bool mark_duplicate(Datum lead_id, Datum original, int32* attempt);
// Audit row for a stale routing lock that route_lead takes over.
void log_stale_takeover(Datum lead_id, Datum source_workspace_id, int32 attempts);

// The matched rule of a routed lead's latest success audit row (idempotent route_lead).
bool routed_rule(Datum lead_id, pg_uuid_t* rule_id);

// Stale routing -> pending for locks taken before `stale_before`; returns the count.
int64 release_stale(TimestampTz stale_before);

// pending | failed past lead_expires_at -> expired; returns the count.
int64 expire_due();

// Whether the lead exists (why a transition changed nothing).
bool lead_exists(Datum lead_id);

// Raises P0002 for an unknown lead, naming it.
void raise_unknown_lead(Datum lead_id);

}  // namespace lead_router::pg::transitions
