// GUC definitions.  Values that decide whose lock may be taken over, when a lead expires, how
// long history is kept and whom the application user is are PGC_SUSET: an application role
// must not change them for itself (behind a pooler, for every other client too).  Worker
// settings are PGC_SIGHUP (the worker reloads them), except the databases it serves and the
// number of workers per database, which are fixed at server start and so exist only when
// the library is preloaded.
#include "pg/settings.h"

#include "pg/postgres_headers.h"

#include <optional>
#include <string>

#include "core/identity_normalizer.h"

extern "C" {
#include "utils/guc_tables.h"
#include "utils/varlena.h"
}

namespace lead_router::settings {

int lock_timeout_s = 5 * 60;
int lead_ttl_s = 90 * 24 * 60 * 60;
int history_retention_s = 90 * 24 * 60 * 60;
char* application_user_id = nullptr;
int identity_scope = static_cast<int>(IdentityScope::transaction);
int identity_source = static_cast<int>(IdentitySource::user_id);
int duplicate_keys = kDuplicateByEmail | kDuplicateByPhone;
int duplicate_window_s = 90 * 24 * 60 * 60;
int email_canonicalization = static_cast<int>(core::EmailCanonicalization::none);
char* default_phone_region = nullptr;
char* worker_databases = nullptr;
bool worker_enabled = true;
int worker_naptime_ms = 10 * 1000;
int worker_batch_size = 200;
int worker_log_interval_s = 5 * 60;
int distribution_checkpoint_interval_s = 60;
bool route_on_arrival = true;
int workers_per_database = 1;

namespace {

const config_enum_entry kIdentityScopes[] = {
    {"transaction", static_cast<int>(IdentityScope::transaction), false},
    {"session", static_cast<int>(IdentityScope::session), false},
    {nullptr, 0, false},
};

const config_enum_entry kIdentitySources[] = {
    {"lead_router.user_id", static_cast<int>(IdentitySource::user_id), false},
    {"request.jwt.claims", static_cast<int>(IdentitySource::jwt_claims), false},
    {nullptr, 0, false},
};

const config_enum_entry kEmailCanonicalizations[] = {
    {"none", static_cast<int>(core::EmailCanonicalization::none), false},
    {"provider", static_cast<int>(core::EmailCanonicalization::provider), false},
    {nullptr, 0, false},
};

char* duplicate_keys_text = nullptr;

// lead_router.duplicate_keys: a non-empty list of email, phone and combined.
bool check_duplicate_keys(char** value, void** extra, GucSource) {
    char* copy = pstrdup(*value);
    List* names = NIL;
    if (!SplitIdentifierString(copy, ',', &names) || names == NIL) {
        GUC_check_errdetail("List one or more of email, phone and combined.");
        return false;
    }
    int bits = 0;
    ListCell* cell;
    foreach (cell, names) {
        const char* name = static_cast<const char*>(lfirst(cell));
        if (strcmp(name, "email") == 0) {
            bits |= kDuplicateByEmail;
        } else if (strcmp(name, "phone") == 0) {
            bits |= kDuplicateByPhone;
        } else if (strcmp(name, "combined") == 0) {
            bits |= kDuplicateByCombined;
        } else {
            GUC_check_errdetail("\"%s\" is not a key: use email, phone or combined.", name);
            return false;
        }
    }
    int* parsed = static_cast<int*>(malloc(sizeof(int)));  // GUC frees extra with free()
    if (parsed == nullptr) return false;
    *parsed = bits;
    *extra = parsed;
    return true;
}

void assign_duplicate_keys(const char*, void* extra) { duplicate_keys = *static_cast<int*>(extra); }

// lead_router.default_phone_region: empty, or a region libphonenumber knows (upper-cased).
bool check_phone_region(char** value, void**, GucSource) {
    if (**value == '\0') return true;
    bool known = false;
    try {
        const std::optional<std::string> region = core::phone_region(*value);
        known = region.has_value() && *region == *value;
    } catch (...) {  // a check hook runs in a PostgreSQL frame: no exception may leave it
        return false;
    }
    if (!known) {
        GUC_check_errdetail("Use an ISO 3166-1 alpha-2 code in capitals, such as US or GB, or ''.");
    }
    return known;
}

// GUC's own record of lead_router.user_id: its stack of prior values is non-empty exactly
// while a transaction that set the variable is running (AtEOXact_GUC pops it at the end).
config_generic* user_id_record = nullptr;

config_generic* find_record(const char* name) {
    config_generic** variables = get_guc_variables();
    const int count = GetNumConfigOptions();
    for (int i = 0; i < count; ++i) {
        if (strcmp(variables[i]->name, name) == 0) return variables[i];
    }
    return nullptr;
}

}  // namespace

void define_all(bool preloading) {
    DefineCustomIntVariable("lead_router.lock_timeout",
                            "Age after which a routing lock is stale and may be released or taken over.",
                            "Used by acquire_routing_lock(), route_lead() and release_stale_routing_locks().",
                            &lock_timeout_s, 5 * 60, 1, INT_MAX, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr, nullptr);

    DefineCustomIntVariable("lead_router.lead_ttl", "Time a new lead may wait to be routed before it expires.",
                            "Sets leads.lead_expires_at when a lead is inserted without one.", &lead_ttl_s,
                            90 * 24 * 60 * 60, 60, INT_MAX, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr, nullptr);

    DefineCustomIntVariable(
        "lead_router.history_retention", "Age after which audit rows and processed retry-queue rows are pruned.",
        "Used by prune_routing_history() (the daily maintenance job) when called without one.", &history_retention_s,
        90 * 24 * 60 * 60, 60 * 60, INT_MAX, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr, nullptr);

    // Validated when read (access_control::application_user()), not when set: a session can
    // set it before the library is loaded, and a malformed value must fail the query that
    // uses it.
    DefineCustomStringVariable("lead_router.user_id", "Application user that workspace isolation acts for (a uuid).",
                               "Row-level security shows only rows of this user's workspaces (user_workspaces); "
                               "unset means no rows.  Set it per transaction: lead_router.act_as(uuid), SET LOCAL or "
                               "set_config(..., true).",
                               &application_user_id, "", PGC_USERSET, 0, nullptr, nullptr, nullptr);

    DefineCustomEnumVariable("lead_router.identity_scope",
                             "Whether lead_router.user_id set at session level counts beyond its own transaction.",
                             "transaction (the default, safe behind a transaction pooler): only in the transaction "
                             "that set it; session: until it is changed, for direct connections.",
                             &identity_scope, static_cast<int>(IdentityScope::transaction), kIdentityScopes, PGC_SUSET,
                             0, nullptr, nullptr, nullptr);

    DefineCustomEnumVariable("lead_router.identity_source", "Where the application user comes from.",
                             "lead_router.user_id, or request.jwt.claims: the sub claim of the JWT that PostgREST "
                             "sets per request.",
                             &identity_source, static_cast<int>(IdentitySource::user_id), kIdentitySources, PGC_SUSET,
                             0, nullptr, nullptr, nullptr);

    DefineCustomStringVariable("lead_router.duplicate_keys", "Keys that make a lead a duplicate of a routed lead.",
                               "A list of email, phone and combined (email, phone and company together).",
                               &duplicate_keys_text, "email, phone", PGC_SUSET, GUC_LIST_INPUT, check_duplicate_keys,
                               assign_duplicate_keys, nullptr);

    DefineCustomIntVariable("lead_router.duplicate_window",
                            "How far back a routed lead counts as the original of a duplicate.",
                            "Measured on the original's routed_at; 0 means no limit.", &duplicate_window_s,
                            90 * 24 * 60 * 60, 0, INT_MAX, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr, nullptr);

    DefineCustomEnumVariable("lead_router.email_canonicalization", "How email addresses are compared.",
                             "none: as written, normalised; provider: Gmail dots and +tags, and other providers' "
                             "+tags, are ignored.",
                             &email_canonicalization, static_cast<int>(core::EmailCanonicalization::none),
                             kEmailCanonicalizations, PGC_SUSET, 0, nullptr, nullptr, nullptr);

    DefineCustomStringVariable("lead_router.default_phone_region",
                               "Region of national phone numbers when neither the lead nor its workspace names one.",
                               "An ISO 3166-1 alpha-2 code such as US, or empty for none.", &default_phone_region, "",
                               PGC_SUSET, 0, check_phone_region, nullptr, nullptr);

    if (preloading) {
        DefineCustomStringVariable("lead_router.database", "Databases the lead_router background worker serves.",
                                   "A comma-separated list; one worker runs for each database.", &worker_databases,
                                   "postgres", PGC_POSTMASTER, GUC_LIST_INPUT, nullptr, nullptr, nullptr);
        DefineCustomIntVariable("lead_router.workers", "Background worker processes per served database.",
                                "They share the database's work without overlap (SKIP LOCKED); more than one helps "
                                "when routing a burst takes longer than it arrives.",
                                &workers_per_database, 1, 1, 8, PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
    }

    DefineCustomBoolVariable("lead_router.worker_enabled", "Whether the background worker drains the retry queue.",
                             "When off, the worker stays connected but idle; process_retry_queue() still works.",
                             &worker_enabled, true, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);

    DefineCustomIntVariable("lead_router.worker_naptime",
                            "Longest time the worker sleeps between looks at the retry queue.",
                            "It wakes earlier when the next retry is due sooner.", &worker_naptime_ms, 10 * 1000, 100,
                            24 * 60 * 60 * 1000, PGC_SIGHUP, GUC_UNIT_MS, nullptr, nullptr, nullptr);

    DefineCustomIntVariable("lead_router.worker_batch_size",
                            "Largest number of retry-queue rows the worker processes in one transaction.",
                            "Within this limit the batch adapts to the due queue: 200 when more than 200 rows are "
                            "due, 100 when more than 50, else 50.",
                            &worker_batch_size, 200, 1, 10000, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);

    DefineCustomIntVariable(
        "lead_router.worker_log_interval", "How often the worker logs a summary of the work it did (LOG level).",
        "No line is written for an interval without work; 0 turns the summary off.", &worker_log_interval_s, 5 * 60, 0,
        24 * 60 * 60, PGC_SIGHUP, GUC_UNIT_S, nullptr, nullptr, nullptr);

    DefineCustomIntVariable("lead_router.distribution_checkpoint_interval",
                            "How often the worker writes the pools' credits and the caps' counts kept in shared "
                            "memory into routing_pool_state and partner_cap_usage.",
                            "Only with the library preloaded; a restart takes the credits from the last checkpoint "
                            "(caps are recounted from the leads).  0 turns the checkpoint off.",
                            &distribution_checkpoint_interval_s, 60, 0, 24 * 60 * 60, PGC_SIGHUP, GUC_UNIT_S, nullptr,
                            nullptr, nullptr);

    DefineCustomBoolVariable("lead_router.route_on_arrival",
                             "Whether the background worker routes new pending leads as they arrive.",
                             "When on, the commit of a transaction that wrote due pending leads wakes a worker, "
                             "which routes them as route_pending_leads() would; worker_naptime is the backstop.  "
                             "When off, the worker drains the retry queue only.",
                             &route_on_arrival, true, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);

    MarkGUCPrefixReserved("lead_router");
    user_id_record = find_record("lead_router.user_id");
}

bool user_id_set_in_this_transaction() { return user_id_record != nullptr && user_id_record->stack != nullptr; }

}  // namespace lead_router::settings
