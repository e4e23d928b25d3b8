// routing_health() figures.  Counting leads per status scans the table (one pass); the queue
// and audit-log counts are served by their partial and time indexes.
#include "pg/routing_health.h"

#include <limits>
#include <string>
#include <vector>

#include "core/health_verdict.h"
#include "core/latency_histogram.h"
#include "pg/boundary.h"
#include "pg/identity_keys.h"
#include "pg/lead_transitions.h"
#include "pg/maintenance_jobs.h"
#include "pg/routing_counters.h"
#include "pg/settings.h"
#include "pg/spi_statement.h"
#include "pg/worker_status.h"

extern "C" {
#include "commands/dbcommands.h"
#include "utils/varlena.h"
}

namespace lead_router::pg::routing_health {
namespace {

Statement lead_counts_stmt = {
    R"sql(
SELECT count(*) FILTER (WHERE routing_status = 'pending'),
       count(*) FILTER (WHERE routing_status = 'routing'),
       count(*) FILTER (WHERE routing_status = 'routed'),
       count(*) FILTER (WHERE routing_status = 'failed'),
       count(*) FILTER (WHERE routing_status = 'expired'),
       count(*) FILTER (WHERE routing_status = 'routing' AND routing_locked_at < $1),
       count(*) FILTER (WHERE identity_version IS DISTINCT FROM $2)
  FROM lead_router.leads)sql",
    2,
    {TIMESTAMPTZOID, INT4OID}};

Statement queue_counts_stmt = {
    R"sql(
SELECT count(*), count(*) FILTER (WHERE next_retry_at <= pg_catalog.now())
  FROM lead_router.routing_queue WHERE processed_at IS NULL)sql",
    0,
    {}};

// A lead that matched no rule on its last attempt fails with this message: a business
// outcome, not an error.
Statement window_counts_stmt = {
    R"sql(
SELECT count(*) FILTER (WHERE routing_result IN ('success', 'duplicate')),
       count(*) FILTER (WHERE routing_result = 'retry'
                           OR (routing_result = 'failed'
                               AND error_message IS DISTINCT FROM 'no matching rule')),
       count(*) FILTER (WHERE routing_result = 'no_match'
                           OR (routing_result = 'failed' AND error_message = 'no matching rule')),
       count(*) FILTER (WHERE routing_result = 'deferred'),
       count(*) FILTER (WHERE routing_result = 'duplicate')
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

// Whether lead_router.database names the current database.
bool database_is_served() {
    if (settings::worker_databases == nullptr) return false;
    char* names = pstrdup(settings::worker_databases);
    List* databases = NIL;
    if (!SplitIdentifierString(names, ',', &databases)) return false;
    const char* current = get_database_name(MyDatabaseId);
    ListCell* cell;
    foreach (cell, databases) {
        if (strcmp(static_cast<const char*>(lfirst(cell)), current) == 0) return true;
    }
    return false;
}

// The workers of this database, judged by their last rounds: one that has not stamped a
// round for three naptimes (at least a minute) is not running.
core::WorkerState worker_state(const char** text) {
    const worker_status::DatabaseWorkers w = worker_status::for_database(MyDatabaseId);
    if (!w.preloaded) {
        *text = "not preloaded";
        return core::WorkerState::unknown;
    }
    if (!database_is_served()) {
        *text = "not served";
        return core::WorkerState::unknown;
    }
    if (!settings::worker_enabled) {
        *text = "disabled";
        return core::WorkerState::disabled;
    }
    const int64 fresh_us = Max(int64(3) * settings::worker_naptime_ms * 1000, 60 * USECS_PER_SEC);
    if (w.running == 0 || w.last_round == 0 || GetCurrentTimestamp() - w.last_round > fresh_us) {
        *text = "not running";
        return core::WorkerState::not_running;
    }
    *text = "running";
    return core::WorkerState::running;
}

// Pure C++ phase: the verdict, with reasons and job lines copied into palloc'd strings
// under pg::call.
void assess(Figures& f, const core::HealthFigures& in, MemoryContext result_context) {
    const core::HealthAssessment a = core::assess_health(in);
    std::vector<std::string> job_lines;
    for (const core::JobRecord& job : in.jobs) job_lines.push_back(maintenance_jobs::describe(job));
    f.verdict = core::verdict_name(a.verdict);
    f.has_success_rate = a.success_rate.has_value();
    f.success_rate = a.success_rate.value_or(0);
    call([&]() noexcept {
        const MemoryContext previous = MemoryContextSwitchTo(result_context);
        f.reason_count = static_cast<int>(a.reasons.size());
        f.reasons = static_cast<char**>(palloc0(sizeof(char*) * (a.reasons.size() + 1)));
        for (std::size_t i = 0; i < a.reasons.size(); ++i) f.reasons[i] = pstrdup(a.reasons[i].c_str());
        f.job_count = static_cast<int>(job_lines.size());
        f.jobs = static_cast<char**>(palloc0(sizeof(char*) * (job_lines.size() + 1)));
        for (std::size_t i = 0; i < job_lines.size(); ++i) f.jobs[i] = pstrdup(job_lines[i].c_str());
        MemoryContextSwitchTo(previous);
    });
}

}  // namespace

Figures compute(int64 window_us, MemoryContext result_context) {
    Figures f{};
    const TimestampTz now = GetCurrentTransactionStartTimestamp();

    const Datum lead_args[] = {TimestampTzGetDatum(transitions::stale_lock_cutoff()),
                               Int32GetDatum(identity_keys::current_version())};
    execute(lead_counts_stmt, lead_args, nullptr, true);
    f.pending = count_at(1), f.routing = count_at(2), f.routed = count_at(3);
    f.failed = count_at(4), f.expired = count_at(5), f.stale_locks = count_at(6);
    f.outdated_identity_keys = count_at(7);

    execute(queue_counts_stmt, nullptr, nullptr, true);
    f.queue_depth = count_at(1), f.queue_due = count_at(2);

    const Datum since[] = {TimestampTzGetDatum(now - window_us)};
    execute(window_counts_stmt, since, nullptr, true);
    f.succeeded = count_at(1), f.errors = count_at(2);
    f.no_match = count_at(3), f.deferred = count_at(4), f.duplicates = count_at(5);

    const int window_minutes = static_cast<int>((window_us + 60 * USECS_PER_SEC - 1) / (60 * USECS_PER_SEC));
    const routing_counters::Snapshot s = routing_counters::read(window_minutes);
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

    const core::WorkerState worker = worker_state(&f.worker);
    const maintenance_jobs::JobRuns runs = maintenance_jobs::last_runs();

    core::HealthFigures in;
    in.succeeded = f.succeeded;
    in.errors = f.errors;
    in.due_queue = f.queue_due;
    in.stale_locks = f.stale_locks;
    in.latency_samples = f.latency_samples;
    if (f.has_latency) in.p95_ms = f.p95_ms;
    in.worker = worker;
    maintenance_jobs::fill_records(runs, in.jobs);
    assess(f, in, result_context);
    return f;
}

}  // namespace lead_router::pg::routing_health
