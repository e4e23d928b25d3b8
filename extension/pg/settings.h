// The lead_router.* configuration parameters (GUCs), defined in one place.  README
// "Configuration" lists them with their units and defaults.
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
// routing functions' workspace checks act for; empty means nobody.  Read it only through
// access_control::application_user(), which applies identity_scope and identity_source.
extern char* application_user_id;

// lead_router.identity_scope: whether a lead_router.user_id set at session level still counts
// in later transactions (session) or only in the transaction that set it (transaction).
enum class IdentityScope { transaction, session };
extern int identity_scope;  // an IdentityScope

// lead_router.identity_source: where the application user comes from.
enum class IdentitySource { user_id, jwt_claims };
extern int identity_source;  // an IdentitySource

// Identity (SPEC.md "Identity"): which keys make a duplicate, how far back, how emails are
// read and which region national phone numbers are in.  Superuser-only: an application role
// must not be able to narrow duplicate detection.
enum DuplicateKeyBits { kDuplicateByEmail = 1, kDuplicateByPhone = 2, kDuplicateByCombined = 4 };
extern int duplicate_keys;          // lead_router.duplicate_keys, as DuplicateKeyBits
extern int duplicate_window_s;      // lead_router.duplicate_window; 0 means no limit
extern int email_canonicalization;  // lead_router.email_canonicalization (core enum value)
extern char* default_phone_region;  // lead_router.default_phone_region: "" or a region code

// Background worker (read by worker/).  database is defined only while the library is
// being preloaded (it is fixed at server start); the others can be changed with a reload.
extern char* worker_databases;     // lead_router.database: a comma-separated list
extern bool worker_enabled;        // lead_router.worker_enabled
extern int worker_naptime_ms;      // lead_router.worker_naptime
extern int worker_batch_size;      // lead_router.worker_batch_size
extern int worker_log_interval_s;  // lead_router.worker_log_interval
extern int distribution_checkpoint_interval_s;  // lead_router.distribution_checkpoint_interval
// Arrival routing (SPEC.md "Arrival routing and the outcome feed").  route_on_arrival: the
// workers route due pending leads too, and committing backends wake them; off, they drain
// the retry queue only.  workers: processes per database, fixed at server start (defined
// only while preloading, like lead_router.database).
extern bool route_on_arrival;     // lead_router.route_on_arrival
extern int workers_per_database;  // lead_router.workers

// Registers the GUCs; called once from _PG_init.  `preloading`: shared_preload_libraries is
// being processed, so the server-start settings may be defined too.
void define_all(bool preloading);

// Whether lead_router.user_id was set (SET, SET LOCAL, set_config, act_as, a function's SET
// clause) in the current transaction, as opposed to being left over from an earlier one.
bool user_id_set_in_this_transaction();

}  // namespace lead_router::settings
