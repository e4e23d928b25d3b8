// The lead_router.* configuration parameters (GUCs), defined in one place.
#pragma once

namespace lead_router::settings {

// lead_router.lock_timeout: a `routing` lock older than this is stale (seconds).
extern int lock_timeout_s;
// lead_router.lead_ttl: how long a new lead may wait to be routed before it expires (seconds).
extern int lead_ttl_s;
// lead_router.history_retention: audit rows and processed queue rows older than this are
// pruned by prune_routing_history() (seconds).
extern int history_retention_s;

// lead_router.user_id: the application user (a uuid) that row-level security and the
// routing functions' workspace checks act for; empty means nobody.
extern char* application_user_id;

// Background worker (read by worker/retry_worker.cpp).
extern char* worker_database;     // lead_router.database
extern bool worker_enabled;       // lead_router.worker_enabled
extern int worker_naptime_ms;     // lead_router.worker_naptime
extern int worker_batch_size;     // lead_router.worker_batch_size

// Registers every GUC; called once from _PG_init.
void define_all();

}  // namespace lead_router::settings
