// Backend-local routing counters (see routing_stats.h).
#include "pg/routing_stats.h"

#include "core/latency_histogram.h"

namespace lead_router::pg::routing_stats {
namespace {

struct Counters {
    uint64 outcomes[6];
    uint64 latency[core::kLatencyBuckets];
};

Counters counters;  // zero-initialised POD: nothing runs at library load

}  // namespace

void record(Outcome outcome, int64 micros) {
    ++counters.outcomes[static_cast<int>(outcome)];
    ++counters.latency[core::latency_bucket(micros)];
}

}  // namespace lead_router::pg::routing_stats
