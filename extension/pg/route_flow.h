// Routing leads (SPEC.md route_lead): lock without waiting, expiry, duplicate check across
// the identity keys, rule evaluation, then routed / duplicate / queued / failed / expired,
// all in the caller's transaction.  route_lead routes one lead, route_pending_leads and the
// retry queue many at once; all go through route_rows.  Everything here requires SPI_connect.
#pragma once

#include "pg/postgres_headers.h"

#include "core/routing_decision.h"

namespace lead_router::pg::route_flow {

using Status = core::RouteOutcome;

// Outcome of one routing, in plain data that outlives SPI_finish.  Which fields mean
// something follows from the status: destination and rule for routed, duplicate_lead and
// duplicate_key for duplicate, reason for the others.
struct Outcome {
    Status status;
    core::Reason reason;
    pg_uuid_t destination;
    bool has_rule;
    pg_uuid_t rule;
    pg_uuid_t duplicate_lead;
    bool has_duplicate_key;  // a duplicate routed before 0.6.0 recorded none
    core::DuplicateKey duplicate_key;
    int32 attempt;
};

// Routes one lead by id.  `expected_source` (may be nullptr) must be the lead's source
// workspace; the caller must be allowed to act on it (else P0002, as for an unknown lead).
Outcome route_by_id(Datum lead_id, const pg_uuid_t* expected_source, int32 max_attempts);

// How many of `requested` leads one call may route: every lead holds up to three identity
// locks until the transaction ends, and one call takes at most a quarter of the server's lock
// table (max_locks_per_transaction × (max_connections and the other backends +
// max_prepared_transactions)).
int32 leads_per_transaction(int32 requested);

// Locks the due pending leads of the caller's workspaces — pending, and no retry scheduled
// in the future — at most leads_per_transaction(batch_size), longest due first, skipping rows
// other sessions hold.
// Returns the SPI tuple table (LEAD_ROUTER_LEAD_COLUMNS rows).
SPITupleTable* lock_due_pending(int32 batch_size);

// Locks the leads of `lead_ids` (a uuid[] datum) that no other session holds.
SPITupleTable* lock_leads(Datum lead_ids);

// Routes locked lead rows (LEAD_ROUTER_LEAD_COLUMNS) together: out[i] is rows[i]'s outcome,
// max_attempts[i] its attempt limit.  Three phases: read and lock, decide, write; the writes
// are set-based, one statement per kind of outcome.
void route_rows(HeapTuple* rows, TupleDesc desc, int n, const int32* max_attempts, Outcome* out);

}  // namespace lead_router::pg::route_flow
