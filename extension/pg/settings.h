// The lead_router.* configuration parameters (GUCs), defined in one place.
#pragma once

namespace lead_router::settings {

// lead_router.lock_timeout: a `routing` lock older than this is stale (seconds).
extern int lock_timeout_s;
// lead_router.lead_ttl: how long a new lead may wait to be routed before it expires (seconds).
extern int lead_ttl_s;

// Registers every GUC; called once from _PG_init.
void define_all();

}  // namespace lead_router::settings
