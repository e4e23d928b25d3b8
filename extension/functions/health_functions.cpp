// SQL entry points of routing health: routing_health, check_routing_health,
// reset_routing_stats.
#include "pg/boundary.h"
#include "pg/datum_convert.h"
#include "pg/routing_health.h"
#include "pg/routing_stats.h"
#include "pg/spi_statement.h"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
}

namespace pg = lead_router::pg;
namespace health = lead_router::pg::routing_health;

namespace {

int64 window_us(FunctionCallInfo fcinfo) {
    const Interval* window =
        pg::interval_arg_in_range(fcinfo, 0, "time_window", "1 minute", "24 hours");
    return window->time + window->day * USECS_PER_DAY +
           int64(window->month) * DAYS_PER_MONTH * USECS_PER_DAY;
}

Datum text_array(char** items, int count) {
    Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * (count + 1)));
    for (int i = 0; i < count; ++i) elems[i] = CStringGetTextDatum(items[i]);
    return PointerGetDatum(construct_array(elems, count, TEXTOID, -1, false, TYPALIGN_INT));
}

// Alert when the due queue is deep or too many attempts fail (SPEC.md "pg_cron jobs").
pg::Statement notify_stmt = {
    R"sql(
SELECT pg_catalog.pg_notify('lead_router_alerts', pg_catalog.json_build_object(
         'verdict', $1, 'queue_due', $2, 'failure_rate', $3, 'reasons', $4,
         'database', pg_catalog.current_database(), 'at', pg_catalog.now())::text))sql",
    4,
    {TEXTOID, INT8OID, FLOAT8OID, TEXTARRAYOID}};

}  // namespace

// routing_health(time_window interval default '1 hour') returns one row of figures
LEAD_ROUTER_FUNCTION(lr_routing_health) {
    const int64 window = window_us(fcinfo);
    TupleDesc desc;
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE) {
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("routing_health must be called in a context that accepts a row")));
    }
    pg::connect();
    const health::Figures f = health::compute(window);
    pg::finish();

    constexpr int kColumns = 21;
    Datum v[kColumns];
    bool n[kColumns] = {};
    const int64 counts[] = {f.pending, f.routing, f.routed, f.failed, f.expired,
                            f.queue_depth, f.queue_due, f.stale_locks};
    for (int i = 0; i < 8; ++i) v[i] = Int64GetDatum(counts[i]);
    v[8] = Int64GetDatum(f.succeeded);
    v[9] = Int64GetDatum(f.unsucceeded);
    n[10] = !f.has_success_rate;
    v[10] = Float8GetDatum(f.success_rate);
    v[11] = Int64GetDatum(f.lock_attempts);
    n[12] = !f.has_lock_rate;
    v[12] = Float8GetDatum(f.lock_acquisition_rate);
    v[13] = Int64GetDatum(f.latency_samples);
    n[14] = n[15] = n[16] = !f.has_latency;
    v[14] = Float8GetDatum(f.p50_ms);
    v[15] = Float8GetDatum(f.p95_ms);
    v[16] = Float8GetDatum(f.p99_ms);
    v[17] = CStringGetTextDatum(f.verdict);
    v[18] = text_array(f.reasons, f.reason_count);
    v[19] = CStringGetTextDatum(f.cluster_wide ? "cluster" : "session");
    n[20] = f.stats_since == 0;
    v[20] = TimestampTzGetDatum(f.stats_since);
    return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), v, n));
}

// check_routing_health() returns text: the hourly job's check.  Warns in the server log and
// notifies lead_router_alerts when more than 100 retries are due or more than 10 % of the
// last hour's attempts failed.
LEAD_ROUTER_FUNCTION(lr_check_routing_health) {
    pg::connect();
    const health::Figures f = health::compute(int64(60) * 60 * USECS_PER_SEC);
    const double failure_rate = f.has_success_rate ? 1.0 - f.success_rate : 0.0;
    const bool alert = f.queue_due > 100 || failure_rate > 0.10;
    if (alert) {
        ereport(WARNING,
                (errcode(ERRCODE_WARNING),
                 errmsg("lead_router routing is %s: %lld retries due, %.1f %% of the last hour's "
                        "routing attempts failed",
                        f.verdict, static_cast<long long>(f.queue_due), failure_rate * 100),
                 errhint("See SELECT * FROM lead_router.routing_health(); the README's operations "
                         "section lists what to do when the queue grows.")));
        const Datum values[] = {CStringGetTextDatum(f.verdict), Int64GetDatum(f.queue_due),
                                Float8GetDatum(failure_rate), text_array(f.reasons, f.reason_count)};
        pg::execute(notify_stmt, values, nullptr, false);
    }
    pg::finish();
    PG_RETURN_TEXT_P(cstring_to_text(alert ? psprintf("alert: %s", f.verdict) : f.verdict));
}

// reset_routing_stats() returns void
LEAD_ROUTER_FUNCTION(lr_reset_routing_stats) {
    pg::routing_stats::reset();
    PG_RETURN_VOID();
}
