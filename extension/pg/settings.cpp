// GUC definitions.  Values that decide whose lock may be taken over, when a lead expires or
// how long history is kept are PGC_SUSET: an application role must not change them for
// itself.  Worker settings are PGC_SIGHUP (the worker reloads them), except the database it
// connects to, which is fixed at server start.
#include "pg/settings.h"

#include "pg/postgres_headers.h"

namespace lead_router::settings {

int lock_timeout_s = 5 * 60;
int lead_ttl_s = 90 * 24 * 60 * 60;
int history_retention_s = 90 * 24 * 60 * 60;
char* application_user_id = nullptr;
char* worker_database = nullptr;
bool worker_enabled = true;
int worker_naptime_ms = 10 * 1000;
int worker_batch_size = 200;

void define_all() {
    DefineCustomIntVariable(
        "lead_router.lock_timeout",
        "Age after which a routing lock is stale and may be released or taken over.",
        "Used by acquire_routing_lock(), route_lead() and release_stale_routing_locks().",
        &lock_timeout_s, 5 * 60, 1, INT_MAX, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr, nullptr);

    DefineCustomIntVariable(
        "lead_router.lead_ttl",
        "Time a new lead may wait to be routed before mark_expired_leads() expires it.",
        "Sets leads.lead_expires_at when a lead is inserted without one.",
        &lead_ttl_s, 90 * 24 * 60 * 60, 60, INT_MAX, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr,
        nullptr);

    DefineCustomIntVariable(
        "lead_router.history_retention",
        "Age after which audit rows and processed retry-queue rows are pruned.",
        "Used by prune_routing_history() (the daily maintenance job) when called without one.",
        &history_retention_s, 90 * 24 * 60 * 60, 60 * 60, INT_MAX, PGC_SUSET, GUC_UNIT_S,
        nullptr, nullptr, nullptr);

    // Validated when read (lead_router.current_user_id()), not when set: a session can set it
    // before the library is loaded, and a malformed value must fail the query that uses it.
    DefineCustomStringVariable(
        "lead_router.user_id", "Application user that workspace isolation acts for (a uuid).",
        "Row-level security shows only rows of this user's workspaces (user_workspaces); "
        "unset means no rows.  Set per session, or with SET LOCAL per transaction.",
        &application_user_id, "", PGC_USERSET, 0, nullptr, nullptr, nullptr);

    DefineCustomStringVariable(
        "lead_router.database", "Database the lead_router background worker connects to.",
        "The worker drains the retry queue of lead_router installed in this database.",
        &worker_database, "postgres", PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);

    DefineCustomBoolVariable(
        "lead_router.worker_enabled", "Whether the background worker drains the retry queue.",
        "When off, the worker stays connected but idle; process_retry_queue() still works.",
        &worker_enabled, true, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);

    DefineCustomIntVariable(
        "lead_router.worker_naptime",
        "Longest time the worker sleeps between looks at the retry queue.",
        "It wakes earlier when the next retry is due sooner.",
        &worker_naptime_ms, 10 * 1000, 100, 24 * 60 * 60 * 1000, PGC_SIGHUP, GUC_UNIT_MS,
        nullptr, nullptr, nullptr);

    DefineCustomIntVariable(
        "lead_router.worker_batch_size",
        "Largest number of retry-queue rows the worker processes in one transaction.",
        "Within this limit the batch adapts to the due queue: 200 when more than 200 rows are "
        "due, 100 when more than 50, else 50.",
        &worker_batch_size, 200, 1, 10000, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);

    MarkGUCPrefixReserved("lead_router");
}

}  // namespace lead_router::settings
