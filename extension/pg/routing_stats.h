// Routing counters and latency histogram, recorded by every routing.  Backend-local for now;
// routing_health() will read a cluster-wide copy in shared memory.
#pragma once

#include "pg/postgres_headers.h"

namespace lead_router::pg::routing_stats {

enum class Outcome { routed, duplicate, queued, failed, locked, expired };

// Records one routing call that took `micros`.
void record(Outcome outcome, int64 micros);

}  // namespace lead_router::pg::routing_stats
