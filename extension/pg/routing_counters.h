// Routing counters, lock-acquisition counts per minute and the latency histogram, updated by
// every routing (routing_health() reads them).  Cluster-wide in shared memory when lead_router is in
// shared_preload_libraries; otherwise each session counts only its own routings.
#pragma once

#include "pg/postgres_headers.h"

#include "core/latency_histogram.h"
#include "core/routing_decision.h"

namespace lead_router::pg::routing_counters {

using Outcome = core::RouteOutcome;
constexpr int kOutcomes = core::kRouteOutcomes;
// Lock acquisition is kept per minute for this long, the longest routing_health() window.
constexpr int kWindowMinutes = 24 * 60;

// Installs the shared-memory hooks; called from _PG_init while preloading.
void request_shared_memory();

// Records one routing call that took `micros` (a `locked` outcome is a lock not acquired).
void record(Outcome outcome, int64 micros);
// Records a lock attempt of acquire_routing_lock().
void record_lock_attempt(bool acquired);

struct Snapshot {
    bool cluster_wide;  // false: this session's routings only
    TimestampTz since;  // last reset
    uint64 outcomes[kOutcomes];
    uint64 latency[core::kLatencyBuckets];
    uint64 lock_attempts;  // within the window
    uint64 lock_acquired;
};
// Totals since the last reset, lock counts over the last `window_minutes` (1..kWindowMinutes).
Snapshot read(int window_minutes);

// Zeroes everything (reset_routing_stats()).
void reset();

}  // namespace lead_router::pg::routing_counters
