// Picking and locking the leads to route; route_rows (route_batch.cpp) routes them.
#include "pg/route_flow.h"

#include <cstring>

#include "pg/access_control.h"
#include "pg/datum_convert.h"
#include "pg/lead_fields.h"
#include "pg/lead_transitions.h"
#include "pg/routing_counters.h"
#include "pg/spi_statement.h"

extern "C" {
#include "access/twophase.h"
#include "storage/lock.h"
#include "utils/inval.h"
}

namespace lead_router::pg::route_flow {
namespace {

namespace lf = lead_fields;

Statement lock_lead_stmt = {"SELECT " LEAD_ROUTER_LEAD_COLUMNS
                            " FROM lead_router.leads l WHERE l.id = $1 FOR UPDATE SKIP LOCKED",
                            2,
                            {UUIDOID, TIMESTAMPTZOID}};

Statement lock_leads_stmt = {"SELECT " LEAD_ROUTER_LEAD_COLUMNS
                             " FROM lead_router.leads l WHERE l.id = ANY ($1) FOR UPDATE SKIP LOCKED",
                             2,
                             {UUIDARRAYOID, TIMESTAMPTZOID}};

// Due: pending and not waiting for a retry scheduled in the future.  Both conditions are on
// the lead row, so a row locked after a concurrent change is re-checked on its latest
// version (served by leads_due_idx, which stops at the first lead not yet due).
// $3/$4: the caller's isolation scope (bypass, or the application user's workspaces).
Statement lock_due_pending_stmt = {"SELECT " LEAD_ROUTER_LEAD_COLUMNS
                                   R"sql( FROM lead_router.leads l
 WHERE l.routing_status = 'pending' AND l.routing_due_at <= pg_catalog.now()
   AND ($3 OR l.source_workspace_id IN (SELECT w.workspace_id FROM lead_router.user_workspaces w
                                         WHERE w.user_id = $4))
 ORDER BY l.routing_due_at, l.id
 LIMIT $1
   FOR UPDATE SKIP LOCKED)sql",
                                   4,
                                   {INT4OID, TIMESTAMPTZOID, BOOLOID, UUIDOID}};

}  // namespace

int32 leads_per_transaction(int32 requested) {
    // A routed lead's identity locks (one per key, up to three) are held until the
    // transaction ends.  One call takes at most a quarter of the server's lock table, so a
    // large batch routes fewer leads per call rather than failing with "out of shared memory".
    const int64 entries = static_cast<int64>(max_locks_per_xact) * (MaxBackends + max_prepared_xacts);
    const int64 leads = Max(static_cast<int64>(1), entries / 4 / core::kDuplicateKeys);
    return static_cast<int32>(Min(static_cast<int64>(requested), leads));
}

Outcome route_by_id(Datum lead_id, const pg_uuid_t* expected_source, int32 max_attempts) {
    // A rule change committed by another session since our last look is used now, even
    // inside a transaction that has already read routing_rules.
    AcceptInvalidationMessages();
    // Access before the lock: whether another session holds a lead must not tell a caller
    // without access that the lead exists.
    access_control::require_lead_access_by_id(lead_id);
    const Datum values[] = {lead_id, TimestampTzGetDatum(transitions::stale_lock_cutoff())};
    if (execute(lock_lead_stmt, values, nullptr, false) != 1) {
        if (!transitions::lead_exists(lead_id)) transitions::raise_unknown_lead(lead_id);
        routing_counters::record(Status::locked, 0);
        Outcome locked{};
        locked.status = Status::locked;
        locked.reason = core::Reason::lead_held;
        return locked;
    }
    SPITupleTable* table = SPI_tuptable;
    HeapTuple row = table->vals[0];
    bool isnull;
    const Datum source = SPI_getbinval(row, table->tupdesc, lf::kSource, &isnull);
    if (expected_source != nullptr && std::memcmp(DatumGetUUIDP(source)->data, expected_source->data, UUID_LEN) != 0) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("lead %s did not arrive in workspace %s", uuid_to_cstring(lead_id),
                               uuid_to_cstring(UUIDPGetDatum(expected_source))),
                        errhint("Pass the lead's source_workspace_id, or NULL.")));
    }
    Outcome result;
    route_rows(&row, table->tupdesc, 1, &max_attempts, &result);
    return result;
}

SPITupleTable* lock_due_pending(int32 batch_size) {
    AcceptInvalidationMessages();
    const access_control::BatchScope scope = access_control::batch_scope();
    const Datum values[] = {Int32GetDatum(leads_per_transaction(batch_size)),
                            TimestampTzGetDatum(transitions::stale_lock_cutoff()),
                            BoolGetDatum(scope.bypass), UUIDPGetDatum(&scope.user)};
    const char nulls[] = {' ', ' ', ' ', scope.has_user ? ' ' : 'n'};
    execute(lock_due_pending_stmt, values, nulls, false);
    return SPI_tuptable;
}

SPITupleTable* lock_leads(Datum lead_ids) {
    const Datum values[] = {lead_ids, TimestampTzGetDatum(transitions::stale_lock_cutoff())};
    execute(lock_leads_stmt, values, nullptr, false);
    return SPI_tuptable;
}

}  // namespace lead_router::pg::route_flow
