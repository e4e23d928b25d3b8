// What the background workers last did, in shared memory, for routing_health(): each worker
// owns one slot and stamps it after every round, so a backend can tell a worker that runs
// from one that stopped while retries are due.
#pragma once

#include "pg/postgres_headers.h"

namespace lead_router::pg::worker_status {

// Slots, one per registered worker (databases x workers per database).
constexpr int kMaxWorkers = 64;

// Installs the shared-memory hooks; called from _PG_init while preloading.
void request_shared_memory();

// The calling worker takes slot `slot` for database `database` (cleared again at exit).
void attach(int slot, Oid database);
// Stamps the calling worker's slot after a round; `enabled` is lead_router.worker_enabled.
void stamp(bool enabled);

struct DatabaseWorkers {
    bool preloaded;          // false: no shared memory, nothing is known about workers
    int running;             // workers attached to the database
    int enabled;             // of those, with lead_router.worker_enabled on at their last round
    TimestampTz last_round;  // latest stamp of any of them; 0 when none
};
DatabaseWorkers for_database(Oid database);

}  // namespace lead_router::pg::worker_status
