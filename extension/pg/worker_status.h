// The background workers in shared memory: what each last did, for routing_health() (each
// worker owns one slot and stamps it after every round, so a backend can tell a worker that
// runs from one that stopped while retries are due), and how a committing backend finds the
// workers of its database to wake them (SPEC.md "Arrival routing": the commit of new pending
// leads sets a worker's latch).
#pragma once

#include "pg/postgres_headers.h"

namespace lead_router::pg::worker_status {

// Slots, one per registered worker (databases x lead_router.workers).
constexpr int kMaxWorkers = 64;

// Installs the shared-memory hooks; called from _PG_init while preloading.
void request_shared_memory();

// The calling worker takes slot `slot` for database `database` (cleared again at exit) and
// becomes wakeable through its latch.
void attach(int slot, Oid database);
// Stamps the calling worker's slot after a round; `enabled` is lead_router.worker_enabled.
void stamp(bool enabled);
// The calling worker is about to wait on its latch (true), or has woken (false).
void set_sleeping(bool sleeping);
// How often committing backends have set the calling worker's latch since it attached.
uint64 wakeups();

// Sets the latch of the workers of `database` other than the caller: one that sleeps, or
// every one of them when none does (core::workers_to_wake).  Lock-free and never raises:
// safe in a transaction callback at commit.  Does nothing without shared memory.
void wake(Oid database);

struct DatabaseWorkers {
    bool preloaded;          // false: no shared memory, nothing is known about workers
    int running;             // workers attached to the database
    int enabled;             // of those, with lead_router.worker_enabled on at their last round
    TimestampTz last_round;  // latest stamp of any of them; 0 when none
};
DatabaseWorkers for_database(Oid database);

}  // namespace lead_router::pg::worker_status
