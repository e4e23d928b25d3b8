// SQL entry points of routing health: routing_health, check_routing_health,
// reset_routing_stats.
#include "pg/boundary.h"
#include "pg/datum_convert.h"
#include "pg/routing_health.h"
#include "pg/routing_counters.h"
#include "pg/spi_statement.h"

extern "C" {
#include "lib/stringinfo.h"
}

namespace pg = lead_router::pg;
namespace health = lead_router::pg::routing_health;

namespace {

int64 window_us(FunctionCallInfo fcinfo) {
    const Interval* window = pg::interval_arg_in_range(fcinfo, 0, "time_window", "1 minute", "24 hours");
    return window->time + window->day * USECS_PER_DAY + int64(window->month) * DAYS_PER_MONTH * USECS_PER_DAY;
}

Datum text_array(char** items, int count) {
    Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * (count + 1)));
    for (int i = 0; i < count; ++i) elems[i] = CStringGetTextDatum(items[i]);
    return pg::make_array(elems, nullptr, count, TEXTOID);
}

// Alert when the due queue is deep or too many attempts fail (SPEC.md "pg_cron jobs").
pg::Statement notify_stmt = {
    R"sql(
SELECT pg_catalog.pg_notify('lead_router_alerts', pg_catalog.json_build_object(
         'verdict', $1, 'queue_due', $2, 'error_rate', $3, 'reasons', $4,
         'database', pg_catalog.current_database(), 'at', pg_catalog.now())::text))sql",
    4,
    {TEXTOID, INT8OID, FLOAT8OID, TEXTARRAYOID}};

}  // namespace

// routing_health(time_window interval default '1 hour') returns one row of figures
LEAD_ROUTER_FUNCTION(lr_routing_health) {
    const int64 window = window_us(fcinfo);
    constexpr int kColumns = 27;
    const TupleDesc desc = pg::result_row(fcinfo, kColumns);
    const MemoryContext caller = CurrentMemoryContext;
    pg::connect();
    const health::Figures f = health::compute(window, caller);
    pg::finish();

    Datum values[kColumns];
    bool nulls[kColumns] = {};
    int i = 0;
    const auto put = [&](Datum value, bool isnull = false) {
        nulls[i] = isnull;
        values[i++] = isnull ? (Datum)0 : value;
    };
    for (const int64 count : {f.pending, f.routing, f.routed, f.failed, f.expired, f.queue_depth, f.queue_due,
                              f.stale_locks, f.succeeded, f.errors}) {
        put(Int64GetDatum(count));
    }
    put(Float8GetDatum(f.success_rate), !f.has_success_rate);
    put(Int64GetDatum(f.no_match));
    put(Int64GetDatum(f.deferred));
    put(Int64GetDatum(f.duplicates));
    put(Int64GetDatum(f.lock_attempts));
    put(Float8GetDatum(f.lock_acquisition_rate), !f.has_lock_rate);
    put(Int64GetDatum(f.latency_samples));
    put(Float8GetDatum(f.p50_ms), !f.has_latency);
    put(Float8GetDatum(f.p95_ms), !f.has_latency);
    put(Float8GetDatum(f.p99_ms), !f.has_latency);
    put(CStringGetTextDatum(f.worker));
    put(text_array(f.jobs, f.job_count));
    put(Int64GetDatum(f.outdated_identity_keys));
    put(CStringGetTextDatum(f.verdict));
    put(text_array(f.reasons, f.reason_count));
    put(CStringGetTextDatum(f.cluster_wide ? "cluster" : "session"));
    put(TimestampTzGetDatum(f.stats_since), f.stats_since == 0);
    Assert(i == kColumns);
    return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

// check_routing_health() returns text: the hourly job's check.  Warns in the server log and
// notifies lead_router_alerts whenever the verdict is not healthy, with its reasons.
LEAD_ROUTER_FUNCTION(lr_check_routing_health) {
    const MemoryContext caller = CurrentMemoryContext;
    pg::connect();
    const health::Figures f = health::compute(int64(60) * 60 * USECS_PER_SEC, caller);
    const bool alert = strcmp(f.verdict, "healthy") != 0;
    if (alert) {
        StringInfoData reasons;
        initStringInfo(&reasons);
        for (int r = 0; r < f.reason_count; ++r) {
            appendStringInfo(&reasons, "%s%s", r > 0 ? "; " : "", f.reasons[r]);
        }
        ereport(WARNING, (errcode(ERRCODE_WARNING),
                          errmsg("lead_router routing is %s: %lld retries due, %lld routing errors in the "
                                 "last hour",
                                 f.verdict, static_cast<long long>(f.queue_due), static_cast<long long>(f.errors)),
                          errdetail("%s.", reasons.data),
                          errhint("See SELECT * FROM lead_router.routing_health(); the README's operations "
                                  "section lists what to do for each reason.")));
        const double error_rate = f.has_success_rate ? 1.0 - f.success_rate : 0.0;
        const Datum values[] = {CStringGetTextDatum(f.verdict), Int64GetDatum(f.queue_due), Float8GetDatum(error_rate),
                                text_array(f.reasons, f.reason_count)};
        pg::execute(notify_stmt, values, nullptr, false);
    }
    pg::finish();
    PG_RETURN_TEXT_P(cstring_to_text(alert ? psprintf("alert: %s", f.verdict) : f.verdict));
}

// reset_routing_stats() returns void
LEAD_ROUTER_FUNCTION(lr_reset_routing_stats) {
    pg::routing_counters::reset();
    PG_RETURN_VOID();
}
