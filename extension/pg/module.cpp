// Library entry: the magic block and _PG_init.
#include "pg/postgres_headers.h"

#include "pg/arrival_wakeup.h"
#include "pg/routing_counters.h"
#include "pg/cache_generation.h"
#include "pg/distribution_memory.h"
#include "pg/event_horizon.h"
#include "pg/lead_attnums.h"
#include "pg/settings.h"
#include "pg/worker_status.h"
#include "worker/retry_worker.h"

extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void);
}

extern "C" void _PG_init(void) {
    // pg_upgrade loads every library to check it; it must start nothing and register nothing.
    if (IsBinaryUpgrade) return;

    const bool preloading = process_shared_preload_libraries_in_progress;
    lead_router::settings::define_all(preloading);
    lead_router::pg::cache_generation::register_callback();
    lead_router::pg::lead_attnums::register_callback();
    // Shared memory and the workers exist only when the library is preloaded; without it,
    // every SQL function still works (statistics are then per session) except the outcome
    // feed, and nobody wakes a worker at commit (there is none).
    if (preloading) {
        lead_router::pg::routing_counters::request_shared_memory();
        lead_router::pg::worker_status::request_shared_memory();
        lead_router::pg::event_horizon::request_shared_memory();
        lead_router::pg::distribution_memory::request_shared_memory();
        lead_router::pg::arrival_wakeup::register_callbacks();
        lead_router::worker::register_workers();
    }
}
