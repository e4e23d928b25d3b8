// SQL entry points of maintenance: prune_routing_history (a procedure that commits between
// bounded batches), schedule_maintenance and unschedule_maintenance (pg_cron jobs).
#include "pg/boundary.h"
#include "pg/datum_convert.h"
#include "pg/history_pruning.h"
#include "pg/settings.h"
#include "pg/spi_statement.h"

extern "C" {
#include "nodes/parsenodes.h"
#include "utils/array.h"
}

namespace pg = lead_router::pg;

namespace {

constexpr int32 kMaxPruneBatch = 100000;

// The four jobs of SPEC.md "pg_cron jobs".
struct Job {
    const char* name;
    const char* schedule;
    const char* command;
};
constexpr Job kJobs[] = {
    {"lead_router_release_stale_locks", "*/10 * * * *",
     "SELECT lead_router.release_stale_routing_locks()"},
    {"lead_router_expire_leads", "0 2 * * *", "SELECT lead_router.mark_expired_leads()"},
    {"lead_router_prune_history", "30 3 * * *", "CALL lead_router.prune_routing_history()"},
    {"lead_router_health_check", "0 * * * *", "SELECT lead_router.check_routing_health()"},
};
constexpr int kJobCount = sizeof(kJobs) / sizeof(kJobs[0]);

pg::Statement pg_cron_installed_stmt = {
    "SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron'", 0, {}};

// Prepared only once pg_cron is known to be installed (the cron schema exists then).
pg::Statement schedule_stmt = {
    "SELECT cron.schedule_in_database($1, $2, $3, pg_catalog.current_database())",
    3,
    {TEXTOID, TEXTOID, TEXTOID}};

pg::Statement unschedule_stmt = {
    R"sql(
SELECT count(cron.unschedule(jobid))::int4 FROM cron.job
 WHERE jobname = ANY ($1) AND database = pg_catalog.current_database())sql",
    1,
    {TEXTARRAYOID}};

void require_pg_cron() {
    if (pg::execute(pg_cron_installed_stmt, nullptr, nullptr, true) == 1) return;
    ereport(ERROR,
            (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
             errmsg("pg_cron is not installed in this database"),
             errdetail("lead_router schedules its maintenance jobs with pg_cron; nothing else "
                       "in lead_router needs it."),
             errhint("Install the Debian package postgresql-15-cron, add pg_cron to "
                     "shared_preload_libraries, set cron.database_name to this database, "
                     "restart, and run CREATE EXTENSION pg_cron.")));
}

}  // namespace

// prune_routing_history(retention interval default null, batch_size int default 10000,
//                       out pruned_logs bigint, out pruned_queue_rows bigint)   (a procedure)
LEAD_ROUTER_FUNCTION(lr_prune_routing_history) {
    pg::require_not_null(fcinfo, 1, "batch_size");
    const int32 batch_size = PG_GETARG_INT32(1);
    if (batch_size < 1 || batch_size > kMaxPruneBatch) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("batch_size must be between 1 and %d, not %d", kMaxPruneBatch,
                               batch_size)));
    }
    const TimestampTz now = GetCurrentTimestamp();
    TimestampTz cutoff;
    if (PG_ARGISNULL(0)) {
        cutoff = now - int64(lead_router::settings::history_retention_s) * USECS_PER_SEC;
    } else {
        Interval* retention = PG_GETARG_INTERVAL_P(0);
        const double days = retention->month * double(DAYS_PER_MONTH) + retention->day +
                            retention->time / double(USECS_PER_DAY);
        if (days < 1.0 / 24 || days > 100 * 365.25) {
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("retention must be between 1 hour and 100 years, not \"%s\"",
                                   DatumGetCString(DirectFunctionCall1(
                                       interval_out, IntervalPGetDatum(retention))))));
        }
        cutoff = DatumGetTimestampTz(DirectFunctionCall2(
            timestamptz_mi_interval, TimestampTzGetDatum(now), IntervalPGetDatum(retention)));
    }
    TupleDesc desc;
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE) {
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("prune_routing_history must be called with CALL")));
    }
    desc = BlessTupleDesc(desc);

    // CALL outside a transaction block may commit between batches, so that a large backlog
    // never holds its locks for long; inside a block everything runs in that transaction.
    const bool may_commit = fcinfo->context != nullptr && IsA(fcinfo->context, CallContext) &&
                            !castNode(CallContext, fcinfo->context)->atomic;
    if (SPI_connect_ext(may_commit ? SPI_OPT_NONATOMIC : 0) != SPI_OK_CONNECT) {
        ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("SPI_connect_ext failed")));
    }
    int64 logs = 0, queue_rows = 0;
    for (;;) {
        const pg::history_pruning::Pruned pruned = pg::history_pruning::prune_batch(cutoff, batch_size);
        logs += pruned.logs;
        queue_rows += pruned.queue_rows;
        if (pruned.logs < batch_size && pruned.queue_rows < batch_size) break;
        if (may_commit) SPI_commit();
        CHECK_FOR_INTERRUPTS();
    }
    pg::finish();

    Datum values[] = {Int64GetDatum(logs), Int64GetDatum(queue_rows)};
    bool nulls[] = {false, false};
    return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

// schedule_maintenance() returns table (job_name text, schedule text, command text, jobid bigint)
LEAD_ROUTER_FUNCTION(lr_schedule_maintenance) {
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    pg::connect();
    require_pg_cron();
    for (const Job& job : kJobs) {
        // cron.schedule_in_database updates a job of the same name: calling twice is harmless.
        const Datum args[] = {CStringGetTextDatum(job.name), CStringGetTextDatum(job.schedule),
                              CStringGetTextDatum(job.command)};
        pg::execute(schedule_stmt, args, nullptr, false);
        bool isnull;
        Datum values[] = {args[0], args[1], args[2], pg::column(0, 1, &isnull)};
        bool nulls[] = {false, false, false, isnull};
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    pg::finish();
    return (Datum)0;
}

// unschedule_maintenance() returns integer: the number of lead_router jobs removed
LEAD_ROUTER_FUNCTION(lr_unschedule_maintenance) {
    pg::connect();
    require_pg_cron();
    Datum names[kJobCount];
    for (int i = 0; i < kJobCount; ++i) names[i] = CStringGetTextDatum(kJobs[i].name);
    const Datum args[] = {
        PointerGetDatum(construct_array(names, kJobCount, TEXTOID, -1, false, TYPALIGN_INT))};
    pg::execute(unschedule_stmt, args, nullptr, false);
    const int32 removed = pg::column_int32(0, 1);
    pg::finish();
    PG_RETURN_INT32(removed);
}
