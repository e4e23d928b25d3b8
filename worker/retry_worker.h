// The lead_router background worker: drains the retry queue of the database named by
// lead_router.database, through the extension's own process_retry_queue().
#pragma once

namespace lead_router::worker {

// Registers the worker; called from _PG_init while shared_preload_libraries is processed.
void register_worker();

}  // namespace lead_router::worker
