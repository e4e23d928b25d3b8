// GUC definitions.  Values that decide whose lock may be taken over or when a lead expires
// are PGC_SUSET: an application role must not be able to shorten them for itself.
#include "pg/settings.h"

#include "pg/postgres_headers.h"

namespace lead_router::settings {

int lock_timeout_s = 5 * 60;
int lead_ttl_s = 90 * 24 * 60 * 60;

void define_all() {
    DefineCustomIntVariable(
        "lead_router.lock_timeout",
        "Age after which a routing lock is stale and may be released or taken over.",
        "Used by acquire_routing_lock() and by release_stale_routing_locks() without argument.",
        &lock_timeout_s, 5 * 60, 1, INT_MAX, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr, nullptr);

    DefineCustomIntVariable(
        "lead_router.lead_ttl",
        "Time a new lead may wait to be routed before mark_expired_leads() expires it.",
        "Sets leads.lead_expires_at when a lead is inserted without one.",
        &lead_ttl_s, 90 * 24 * 60 * 60, 60, INT_MAX, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr,
        nullptr);

    MarkGUCPrefixReserved("lead_router");
}

}  // namespace lead_router::settings
