// The lead_router background workers: one per database named by lead_router.database, each
// draining that database's retry queue through the extension's own process_retry_queue().
#pragma once

namespace lead_router::worker {

// Registers the workers; called from _PG_init while shared_preload_libraries is processed.
void register_workers();

}  // namespace lead_router::worker
