// routing_health() figures.  Counting leads per status scans the table (one pass); the queue
// and audit-log counts are served by their partial and time indexes.
#include "pg/routing_health.h"

#include <limits>

#include "core/health_verdict.h"
#include "core/latency_histogram.h"
#include "pg/boundary.h"
#include "pg/routing_stats.h"
#include "pg/settings.h"
#include "pg/spi_statement.h"

namespace lead_router::pg::routing_health {
namespace {

Statement lead_counts_stmt = {
    R"sql(
SELECT count(*) FILTER (WHERE routing_status = 'pending'),
       count(*) FILTER (WHERE routing_status = 'routing'),
       count(*) FILTER (WHERE routing_status = 'routed'),
       count(*) FILTER (WHERE routing_status = 'failed'),
       count(*) FILTER (WHERE routing_status = 'expired'),
       count(*) FILTER (WHERE routing_status = 'routing' AND routing_locked_at < $1)
  FROM lead_router.leads)sql",
    1,
    {TIMESTAMPTZOID}};

Statement queue_counts_stmt = {
    R"sql(
SELECT count(*), count(*) FILTER (WHERE next_retry_at <= pg_catalog.now())
  FROM lead_router.routing_queue WHERE processed_at IS NULL)sql",
    0,
    {}};

Statement window_counts_stmt = {
    R"sql(
SELECT count(*) FILTER (WHERE routing_result IN ('success', 'duplicate')),
       count(*) FILTER (WHERE routing_result IN ('retry', 'no_match', 'failed'))
  FROM lead_router.routing_logs WHERE created_at >= $1)sql",
    1,
    {TIMESTAMPTZOID}};

int64 count_at(int col) {
    bool isnull;
    return DatumGetInt64(column(0, col, &isnull));
}

double percentile_ms(const uint64* latency, double p) {
    const int64 us = core::latency_percentile_us(latency, p);
    // The last bucket is open-ended: report its lower bound, 60 s.
    return us == std::numeric_limits<int64_t>::max() ? 60000.0 : us / 1000.0;
}

// Pure C++ phase: the verdict, with its reasons copied into palloc'd strings under pg::call.
void assess(Figures& f) {
    core::HealthFigures in;
    if (f.has_success_rate) in.success_rate = f.success_rate;
    if (f.has_lock_rate) in.lock_acquisition_rate = f.lock_acquisition_rate;
    in.due_queue = f.queue_due;
    if (f.has_latency) in.p95_ms = f.p95_ms;
    const core::HealthAssessment a = core::assess_health(in);
    f.verdict = core::verdict_name(a.verdict);
    call([&] {
        f.reason_count = static_cast<int>(a.reasons.size());
        f.reasons = static_cast<char**>(palloc0(sizeof(char*) * (a.reasons.size() + 1)));
        for (std::size_t i = 0; i < a.reasons.size(); ++i) f.reasons[i] = pstrdup(a.reasons[i].c_str());
    });
}

}  // namespace

Figures compute(int64 window_us) {
    Figures f{};
    const TimestampTz now = GetCurrentTransactionStartTimestamp();

    const Datum stale[] = {TimestampTzGetDatum(now - int64(settings::lock_timeout_s) * USECS_PER_SEC)};
    execute(lead_counts_stmt, stale, nullptr, true);
    f.pending = count_at(1), f.routing = count_at(2), f.routed = count_at(3);
    f.failed = count_at(4), f.expired = count_at(5), f.stale_locks = count_at(6);

    execute(queue_counts_stmt, nullptr, nullptr, true);
    f.queue_depth = count_at(1), f.queue_due = count_at(2);

    const Datum since[] = {TimestampTzGetDatum(now - window_us)};
    execute(window_counts_stmt, since, nullptr, true);
    f.succeeded = count_at(1), f.unsucceeded = count_at(2);
    f.has_success_rate = f.succeeded + f.unsucceeded > 0;
    if (f.has_success_rate) f.success_rate = double(f.succeeded) / double(f.succeeded + f.unsucceeded);

    const int window_minutes = static_cast<int>((window_us + 60 * USECS_PER_SEC - 1) / (60 * USECS_PER_SEC));
    const routing_stats::Snapshot s = routing_stats::read(window_minutes);
    f.cluster_wide = s.cluster_wide;
    f.stats_since = s.since;
    f.lock_attempts = static_cast<int64>(s.lock_attempts);
    f.has_lock_rate = s.lock_attempts > 0;
    if (f.has_lock_rate) f.lock_acquisition_rate = double(s.lock_acquired) / double(s.lock_attempts);
    for (const uint64 c : s.latency) f.latency_samples += static_cast<int64>(c);
    f.has_latency = f.latency_samples > 0;
    if (f.has_latency) {
        f.p50_ms = percentile_ms(s.latency, 0.50);
        f.p95_ms = percentile_ms(s.latency, 0.95);
        f.p99_ms = percentile_ms(s.latency, 0.99);
    }
    assess(f);
    return f;
}

}  // namespace lead_router::pg::routing_health
