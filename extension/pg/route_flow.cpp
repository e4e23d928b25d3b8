// Picking and locking the leads to route; route_rows (route_batch.cpp) routes them.
#include "pg/route_flow.h"

#include <cstring>
#include <optional>

#include "core/queue_head.h"

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
#include "utils/timestamp.h"
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
#define LEAD_ROUTER_DUE_PENDING(FROM_POSITION)                                                                 \
    "SELECT " LEAD_ROUTER_LEAD_COLUMNS                                                                         \
    " FROM lead_router.leads l"                                                                                \
    " WHERE l.routing_status = 'pending' AND l.routing_due_at <= pg_catalog.now()" FROM_POSITION               \
    "   AND ($3 OR l.source_workspace_id IN (SELECT w.workspace_id FROM lead_router.user_workspaces w"         \
    "                                         WHERE w.user_id = $4))"                                          \
    " ORDER BY l.routing_due_at, l.id"                                                                         \
    " LIMIT $1"                                                                                                \
    "   FOR UPDATE SKIP LOCKED"

Statement lock_due_pending_stmt = {LEAD_ROUTER_DUE_PENDING(""), 4, {INT4OID, TIMESTAMPTZOID, BOOLOID, UUIDOID}};

// The same from a position ($5, $6) of the queue on: the index descends straight to it.
Statement lock_due_pending_from_stmt = {LEAD_ROUTER_DUE_PENDING(" AND (l.routing_due_at, l.id) >= ($5, $6)"),
                                        6,
                                        {INT4OID, TIMESTAMPTZOID, BOOLOID, UUIDOID, TIMESTAMPTZOID, UUIDOID}};

// This session's place in the due queue (core/queue_head.h).
core::QueueHead queue_head;

core::QueueScope queue_scope(const access_control::BatchScope& scope) {
    core::QueueScope s;
    s.bypass = scope.bypass;
    s.has_user = scope.has_user;
    if (scope.has_user) std::memcpy(s.user.data(), scope.user.data, UUID_LEN);
    return s;
}

// The first row of the SPI result (the longest due lead it locked), if any.
std::optional<core::QueuePosition> first_locked() {
    if (SPI_processed == 0) return std::nullopt;
    bool id_null;
    bool due_null;
    const Datum id = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, lf::kId, &id_null);
    const Datum due = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, lf::kDueAt, &due_null);
    if (id_null || due_null) return std::nullopt;
    core::QueuePosition p;
    p.due_at_us = DatumGetTimestampTz(due);
    std::memcpy(p.id.data(), DatumGetUUIDP(id)->data, UUID_LEN);
    return p;
}

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
    const core::QueueScope where = queue_scope(scope);
    const int32 limit = leads_per_transaction(batch_size);
    const TimestampTz now = GetCurrentTimestamp();
    const std::optional<core::QueuePosition> from = queue_head.start(where, now);
    pg_uuid_t from_id{};
    if (from) std::memcpy(from_id.data, from->id.data(), UUID_LEN);
    // $1..$4 for both statements, $5/$6 the position for the one that starts there.
    const Datum values[] = {Int32GetDatum(limit),
                            TimestampTzGetDatum(transitions::stale_lock_cutoff()),
                            BoolGetDatum(scope.bypass),
                            UUIDPGetDatum(&scope.user),
                            TimestampTzGetDatum(from ? from->due_at_us : 0),
                            UUIDPGetDatum(&from_id)};
    const char nulls[] = {' ', ' ', ' ', scope.has_user ? ' ' : 'n', ' ', ' '};
    // Short of the limit, the scan from the start below decides: it also finds what became
    // due behind the position.  Leads locked here and not returned by it stay locked,
    // unrouted and pending, until this transaction ends.
    if (from && execute(lock_due_pending_from_stmt, values, nulls, false) >= static_cast<uint64>(limit)) {
        queue_head.scanned(where, false, first_locked(), now);
        return SPI_tuptable;
    }
    execute(lock_due_pending_stmt, values, nulls, false);
    queue_head.scanned(where, true, first_locked(), now);
    return SPI_tuptable;
}

SPITupleTable* lock_leads(Datum lead_ids) {
    const Datum values[] = {lead_ids, TimestampTzGetDatum(transitions::stale_lock_cutoff())};
    execute(lock_leads_stmt, values, nullptr, false);
    return SPI_tuptable;
}

}  // namespace lead_router::pg::route_flow
