// SQL entry points of maintenance: prune_routing_history (a procedure that commits between
// bounded batches, and prunes our jobs' pg_cron run records), schedule_maintenance and
// unschedule_maintenance (pg_cron jobs).
#include "pg/boundary.h"
#include "pg/datum_convert.h"
#include "pg/history_pruning.h"
#include "pg/maintenance_jobs.h"
#include "pg/settings.h"
#include "pg/spi_statement.h"

extern "C" {
#include "nodes/parsenodes.h"
#include "utils/array.h"
}

namespace pg = lead_router::pg;
namespace jobs = lead_router::pg::maintenance_jobs;

namespace {

constexpr int32 kMaxPruneBatch = 100000;

// How long our jobs' cron.job_run_details rows are kept: long enough for routing_health() to
// see the last success of the daily jobs.
constexpr int64 kRunDetailsRetentionUs = int64(7) * USECS_PER_DAY;

// One batch through the SECURITY DEFINER function, so that the procedure (which may not be
// a security definer itself, as it commits) deletes with the extension owner's rights.
pg::Statement prune_batch_stmt = {
    "SELECT pruned_logs, pruned_queue_rows FROM lead_router.prune_routing_history_batch($1, $2)",
    2,
    {TIMESTAMPTZOID, INT4OID}};

// Prepared only once pg_cron is known to be installed (the cron schema exists then).
pg::Statement schedule_stmt = {
    "SELECT cron.schedule_in_database($1, $2, $3, pg_catalog.current_database())", 3, {TEXTOID, TEXTOID, TEXTOID}};

pg::Statement unschedule_stmt = {
    R"sql(
SELECT count(cron.unschedule(jobid))::int4 FROM cron.job
 WHERE jobname = ANY ($1) AND database = pg_catalog.current_database())sql",
    1,
    {TEXTARRAYOID}};

void require_pg_cron() {
    if (jobs::pg_cron_installed()) return;
    ereport(ERROR,
            (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE), errmsg("pg_cron is not installed in this database"),
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
    const int32 batch_size = pg::int32_arg_in_range(fcinfo, 1, "batch_size", 1, kMaxPruneBatch);
    const TimestampTz now = GetCurrentTimestamp();
    TimestampTz cutoff;
    if (PG_ARGISNULL(0)) {
        cutoff = now - int64(lead_router::settings::history_retention_s) * USECS_PER_SEC;
    } else {
        Interval* retention = pg::interval_arg_in_range(fcinfo, 0, "retention", "1 hour", "100 years");
        cutoff = DatumGetTimestampTz(
            DirectFunctionCall2(timestamptz_mi_interval, TimestampTzGetDatum(now), IntervalPGetDatum(retention)));
    }
    const TupleDesc desc = pg::result_row(fcinfo, 2);

    // CALL outside a transaction block may commit between batches, so that a large backlog
    // never holds its locks for long; inside a block everything runs in that transaction.
    const bool may_commit = fcinfo->context != nullptr && IsA(fcinfo->context, CallContext) &&
                            !castNode(CallContext, fcinfo->context)->atomic;
    if (SPI_connect_ext(may_commit ? SPI_OPT_NONATOMIC : 0) != SPI_OK_CONNECT) {
        ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("SPI_connect_ext failed")));
    }
    int64 logs = 0, queue_rows = 0;
    for (;;) {
        const Datum args[] = {TimestampTzGetDatum(cutoff), Int32GetDatum(batch_size)};
        pg::execute(prune_batch_stmt, args, nullptr, false);
        bool isnull;
        const int64 batch_logs = DatumGetInt64(pg::column(0, 1, &isnull));
        const int64 batch_queue_rows = DatumGetInt64(pg::column(0, 2, &isnull));
        logs += batch_logs;
        queue_rows += batch_queue_rows;
        if (batch_logs < batch_size && batch_queue_rows < batch_size) break;
        if (may_commit) SPI_commit();
        CHECK_FOR_INTERRUPTS();
    }
    jobs::prune_run_details(kRunDetailsRetentionUs);
    pg::finish();

    Datum values[] = {Int64GetDatum(logs), Int64GetDatum(queue_rows)};
    bool nulls[] = {false, false};
    return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

// prune_routing_history_batch(cutoff timestamptz, batch_size int)
//   returns table (pruned_logs bigint, pruned_queue_rows bigint)
LEAD_ROUTER_FUNCTION(lr_prune_routing_history_batch) {
    pg::require_not_null(fcinfo, 0, "cutoff");
    const int32 batch_size = pg::int32_arg_in_range(fcinfo, 1, "batch_size", 1, kMaxPruneBatch);
    // The retention floor holds here too: this function deletes with the owner's rights.
    const TimestampTz cutoff = PG_GETARG_TIMESTAMPTZ(0);
    const TimestampTz latest = GetCurrentTimestamp() - USECS_PER_HOUR;
    if (TIMESTAMP_NOT_FINITE(cutoff) || cutoff > latest) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("cutoff must be at least 1 hour in the past, not \"%s\"",
                               DatumGetCString(DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum(cutoff))))));
    }
    ReturnSetInfo* rsinfo = pg::result_set(fcinfo, 2);
    pg::connect();
    const pg::history_pruning::Pruned pruned = pg::history_pruning::prune_batch(cutoff, batch_size);
    pg::finish();
    Datum values[] = {Int64GetDatum(pruned.logs), Int64GetDatum(pruned.queue_rows)};
    bool nulls[] = {false, false};
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    return (Datum)0;
}

// schedule_maintenance() returns table (job_name text, schedule text, command text, jobid bigint)
LEAD_ROUTER_FUNCTION(lr_schedule_maintenance) {
    ReturnSetInfo* rsinfo = pg::result_set(fcinfo, 4);
    pg::connect();
    require_pg_cron();
    jobs::require_runnable_jobs();
    for (int i = 0; i < jobs::kJobCount; ++i) {
        const jobs::Job& job = jobs::kJobs[i];
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
    Datum names[jobs::kJobCount];
    for (int i = 0; i < jobs::kJobCount; ++i) names[i] = CStringGetTextDatum(jobs::kJobs[i].name);
    const Datum args[] = {pg::make_array(names, nullptr, jobs::kJobCount, TEXTOID)};
    pg::execute(unschedule_stmt, args, nullptr, false);
    const int32 removed = pg::column_int32(0, 1);
    pg::finish();
    PG_RETURN_INT32(removed);
}
