// SQL entry points of the outcome feed: routing_events() (a gap-free cursor over the audit
// log, SECURITY INVOKER so that row-level security shows each caller its workspaces' rows)
// and routing_logs_id_floor(), the statement trigger that makes it gap-free
// (pg/event_horizon.h has the design and its proof).
#include "pg/boundary.h"
#include "pg/datum_convert.h"
#include "pg/event_horizon.h"
#include "pg/spi_statement.h"

extern "C" {
#include "access/xlog.h"
}

namespace pg = lead_router::pg;
namespace horizon = lead_router::pg::event_horizon;

namespace {

constexpr int kEventColumns = 12;
constexpr int32 kMaxEventRows = 10000;

// $1 after_id, $2 the horizon, $3 max_rows.  Run with a snapshot taken after the horizon
// (execute_latest), as the caller: row-level security applies.  A duplicate's original is
// read from the lead (routed is final, so it never changes); NULL if the caller cannot see it.
pg::Statement events_stmt = {
    R"sql(
SELECT g.id, g.lead_id, g.routing_result, g.source_workspace_id, g.destination_workspace_id,
       g.matched_rule_id,
       CASE WHEN g.routing_result = 'duplicate'
            THEN (SELECT l.duplicate_of FROM lead_router.leads l WHERE l.id = g.lead_id) END,
       g.duplicate_key, g.duplicate_owner_workspace_id, g.error_message, g.attempt, g.created_at
  FROM lead_router.routing_logs g
 WHERE g.id > $1 AND g.id < $2
 ORDER BY g.id
 LIMIT $3)sql",
    3,
    {INT8OID, INT8OID, INT4OID}};

void require_feed() {
    if (!horizon::available()) {
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("routing_events() requires lead_router in shared_preload_libraries"),
                        errdetail("Without it there is no shared memory in which routing transactions "
                                  "announce the audit ids they may still commit, so the feed cannot "
                                  "be read without gaps."),
                        errhint("Add lead_router to shared_preload_libraries and restart the server.")));
    }
    if (RecoveryInProgress()) {
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("routing_events() cannot be read on a standby"),
                        errdetail("A standby does not know which audit ids the primary's running "
                                  "transactions may still commit."),
                        errhint("Read the feed on the primary.")));
    }
}

}  // namespace

// routing_events(after_id bigint DEFAULT 0, max_rows integer DEFAULT 1000)
//   returns table (id, lead_id, routing_result, source_workspace_id, destination_workspace_id,
//                  matched_rule_id, duplicate_lead_id, duplicate_key,
//                  duplicate_owner_workspace_id, error_message, attempt, created_at)
LEAD_ROUTER_FUNCTION(lr_routing_events) {
    pg::require_not_null(fcinfo, 0, "after_id");
    const int64 after_id = PG_GETARG_INT64(0);
    if (after_id < 0) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("after_id must be 0 or an id routing_events() returned, not " INT64_FORMAT, after_id)));
    }
    const int32 max_rows = pg::int32_arg_in_range(fcinfo, 1, "max_rows", 1, kMaxEventRows);
    ReturnSetInfo* rsinfo = pg::result_set(fcinfo, kEventColumns);
    require_feed();

    pg::connect();
    const Oid routing_logs = horizon::audit_relation();
    horizon::require_gap_free_sequence(routing_logs);
    // First the horizon, then (inside execute_latest) a snapshot newer than it: in READ
    // COMMITTED as in REPEATABLE READ and SERIALIZABLE, the rows are read as of now, not as
    // of the transaction's snapshot, which may predate rows below the horizon.
    const int64 below = horizon::horizon(routing_logs);
    const Datum args[] = {Int64GetDatum(after_id), Int64GetDatum(below), Int32GetDatum(max_rows)};
    const uint64 rows = pg::execute_latest(events_stmt, args, nullptr, max_rows);
    for (uint64 r = 0; r < rows; ++r) {
        Datum values[kEventColumns];
        bool nulls[kEventColumns];
        heap_deform_tuple(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, values, nulls);
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    pg::finish();
    return (Datum)0;
}

// routing_logs_id_floor(): BEFORE INSERT ON routing_logs FOR EACH STATEMENT
LEAD_ROUTER_FUNCTION(lr_routing_logs_id_floor) {
    if (!CALLED_AS_TRIGGER(fcinfo)) {
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("routing_logs_id_floor() must be called as a trigger")));
    }
    TriggerData* trig = reinterpret_cast<TriggerData*>(fcinfo->context);
    if (!TRIGGER_FIRED_BEFORE(trig->tg_event) || !TRIGGER_FIRED_FOR_STATEMENT(trig->tg_event) ||
        !TRIGGER_FIRED_BY_INSERT(trig->tg_event)) {
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("routing_logs_id_floor() must be a BEFORE INSERT ... FOR EACH "
                               "STATEMENT trigger")));
    }
    horizon::register_floor(RelationGetRelid(trig->tg_relation));
    return PointerGetDatum(nullptr);
}
