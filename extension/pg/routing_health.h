// The figures of routing_health(): counts from the tables, system errors and business
// outcomes over a window from the audit log, lock counts and latency from shared memory, the
// workers' last rounds, the maintenance jobs' last runs, and the verdict.
#pragma once

#include "pg/postgres_headers.h"

namespace lead_router::pg::routing_health {

struct Figures {
    int64 pending, routing, routed, failed, expired;
    int64 queue_depth, queue_due, stale_locks;
    int64 outdated_identity_keys;  // leads whose keys are of another identity version
    // the window's audit rows: system outcomes ...
    int64 succeeded;  // success + duplicate
    int64 errors;     // retry, and failed for any reason but no matching rule
    bool has_success_rate;
    double success_rate;  // succeeded / (succeeded + errors), from the minimum sample on
    // ... and business outcomes, reported but not judged
    int64 no_match, deferred, duplicates;
    int64 lock_attempts;
    bool has_lock_rate;
    double lock_acquisition_rate;  // 0..1
    int64 latency_samples;
    bool has_latency;
    double p50_ms, p95_ms, p99_ms;
    const char* worker;  // running | disabled | not running | not preloaded | not served
    int job_count;
    char** jobs;          // one line per maintenance job (palloc'd)
    const char* verdict;  // healthy | degraded | critical
    int reason_count;
    char** reasons;     // palloc'd
    bool cluster_wide;  // latency and lock counts from shared memory
    TimestampTz stats_since;
};

// Computes every figure over the last `window_us` microseconds (1 minute .. 24 hours,
// checked by the caller).  Requires SPI_connect; the reasons and job lines are allocated in
// `result_context` (the caller's, which outlives SPI_finish).
Figures compute(int64 window_us, MemoryContext result_context);

}  // namespace lead_router::pg::routing_health
