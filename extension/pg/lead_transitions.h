// The routing state machine's transitions (SPEC.md "State machine").  Each transition is one
// saved SPI statement that changes the leads, closes or opens their queue rows and writes
// their audit rows together.  The moves route_lead makes are set-based — one statement per
// kind of outcome for a whole batch — and the primitives use the same statements for one
// lead.  All require SPI_connect.
#pragma once

#include "pg/postgres_headers.h"

#include "core/routing_decision.h"

namespace lead_router::pg::transitions {

// The moment before which a `routing` lock is stale (lead_router.lock_timeout).
TimestampTz stale_lock_cutoff();

// pending | failed | stale routing -> routing, owned by `owner`; never waits on a row lock.
// Returns false when the lead is not lockable or another session holds its row.  A pending
// or failed lead past lead_expires_at is marked expired instead (and false returned).
bool acquire_lock(Datum lead_id, Datum owner, TimestampTz stale_before);

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

// ---- Set-based moves.  `increment` is 1 when the move also counts the attempt (route_lead
// and its batches), 0 when acquire_routing_lock already did (the primitives).  Each clears
// any routing lock and closes the lead's open queue row.

// -> routed in `destination` (which must still be active), by `rule` (may be absent);
// `skipped` (jsonb, or 0) names the destinations passed over, for the audit row.
struct Routed {
    pg_uuid_t lead;
    pg_uuid_t destination;
    bool has_rule;
    pg_uuid_t rule;
    Datum skipped;
};
// `owner` (nullable): move only leads in routing held by it (complete_routing); without it
// the caller holds the rows.  moved[i] and attempts[i] report each item.
void route_to(const Routed* items, int n, const pg_uuid_t* owner, int32 increment, bool* moved, int32* attempts);

// -> routed as a duplicate of `original`, staying in the source workspace.
struct Duplicate {
    pg_uuid_t lead;
    pg_uuid_t original;
    pg_uuid_t owner;         // the partner workspace that owns the original (audited)
    core::DuplicateKey key;  // the key that matched (audited)
};
// Takes FOR KEY SHARE on the originals (duplicate_of's foreign key needs it) without waiting:
// a session that holds an original FOR UPDATE — a batch that locked it and then found it
// routed keeps that lock — must not make us wait.  locked[i] false: try the lead later.
void lock_originals(const Duplicate* items, int n, bool* locked);
void mark_duplicates(const Duplicate* items, int n, int32* attempts);

// A failed attempt: -> pending with a new queue row due at `next_retry_at` (requeue), or
// -> failed for good.  `error` is stored cut to kMaxStoredErrorBytes.
struct Failure {
    pg_uuid_t lead;
    Datum error;                // text
    TimestampTz next_retry_at;  // requeue only
    int32 max_attempts;         // requeue only
    const char* audit_result;   // requeue only: "retry" or "no_match"
};
void requeue(const Failure* items, int n, int32 increment, int32* attempts);

// No destination could take the lead now: -> pending, the attempt not counted, a queue row
// due at `due` (or when the lead expires, if sooner); audit `deferred` with `reason` (text)
// and `skipped` (jsonb: every candidate and why).
struct Deferral {
    pg_uuid_t lead;
    TimestampTz due;
    int32 max_attempts;
    Datum reason;
    Datum skipped;
};
void defer(const Deferral* items, int n);
void fail(const Failure* items, int n, int32 increment, int32* attempts);

// pending | failed leads past lead_expires_at -> expired (others are left alone);
// expired[i] reports each.
void expire(const pg_uuid_t* leads, int n, bool* expired);

// routing -> pending, lock released, audit `released` with messages[i] (text); returns how
// many moved.
int64 release(const pg_uuid_t* leads, const Datum* messages, int n);

// When the next attempt after `attempts` failed ones is due: now + the backoff with jitter.
TimestampTz next_retry_at(int32 attempts);

// Audit row for a stale routing lock that route_lead takes over.
void log_stale_takeover(Datum lead_id, Datum source_workspace_id, int32 attempts);

// What the latest success or duplicate audit row of a routed lead recorded (the outcome
// route_lead returns again, idempotently): its matched rule, or the key a duplicate matched.
struct Recorded {
    bool has_rule;
    pg_uuid_t rule;
    bool has_key;
    core::DuplicateKey key;
};
Recorded recorded_outcome(Datum lead_id);

// Stale routing -> pending for locks taken before `stale_before`; returns the count.
int64 release_stale(TimestampTz stale_before);

// pending | failed past lead_expires_at -> expired; returns the count.
int64 expire_due();

// Whether the lead exists (why a transition changed nothing).
bool lead_exists(Datum lead_id);

// Raises P0002 for an unknown lead, naming it.
void raise_unknown_lead(Datum lead_id);

}  // namespace lead_router::pg::transitions
