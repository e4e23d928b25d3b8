// The whole routing of one lead (SPEC.md route_lead): lock without waiting, duplicate
// check, rule evaluation, then routed / duplicate / queued / failed, all in the caller's
// transaction.  Shared by route_lead, route_pending_leads and the retry queue.
#pragma once

#include "pg/postgres_headers.h"

#include "pg/routing_stats.h"

namespace lead_router::pg::route_flow {

using Status = routing_stats::Outcome;

// Outcome of one routing, in plain data that outlives SPI_finish.
struct Outcome {
    Status status;
    bool success;  // routed or duplicate
    bool has_destination;
    pg_uuid_t destination;
    bool has_rule;
    pg_uuid_t rule;
    bool is_duplicate;
    bool has_duplicate_lead;
    pg_uuid_t duplicate_lead;
    const char* error;  // a static message, or nullptr
    int32 attempt;
};

const char* status_name(Status status);

// Routes one lead by id.  `expected_source` (may be nullptr) must be the lead's source
// workspace.  Requires SPI_connect.  Unknown lead: P0002.
Outcome route_by_id(Datum lead_id, const pg_uuid_t* expected_source, int32 max_attempts);

// Locks one lead row (LEAD_ROUTER_LEAD_COLUMNS) without waiting; nullptr when another
// session holds it or it does not exist.  Requires SPI_connect.
SPITupleTable* lock_lead(Datum lead_id);

// Selects up to `batch_size` due pending leads (no future retry scheduled), oldest first,
// skipping rows other sessions hold, and locks them; returns the SPI tuple table of rows in
// LEAD_ROUTER_LEAD_COLUMNS form.  Requires SPI_connect.
SPITupleTable* lock_due_pending(int32 batch_size);

// Routes a lead whose row (LEAD_ROUTER_LEAD_COLUMNS) the caller holds FOR UPDATE.
Outcome route_row(HeapTuple row, TupleDesc desc, int32 max_attempts);

}  // namespace lead_router::pg::route_flow
