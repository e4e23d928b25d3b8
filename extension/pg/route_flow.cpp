// route_lead's flow.  Only trivially destructible locals live across PostgreSQL calls here;
// the compiled rules live in the rule cache, and matching (pure C++) calls no PostgreSQL.
#include "pg/route_flow.h"

#include <cstring>

#include "pg/access_control.h"
#include "pg/datum_convert.h"
#include "pg/lead_fields.h"
#include "pg/lead_transitions.h"
#include "pg/rule_cache.h"
#include "pg/settings.h"
#include "pg/spi_statement.h"

extern "C" {
#include "portability/instr_time.h"
#include "storage/lock.h"
#include "utils/inval.h"
}

namespace lead_router::pg::route_flow {
namespace {

namespace lf = lead_fields;

Statement lock_lead_stmt = {
    "SELECT " LEAD_ROUTER_LEAD_COLUMNS
    " FROM lead_router.leads l WHERE l.id = $1 FOR UPDATE SKIP LOCKED",
    2,
    {UUIDOID, TIMESTAMPTZOID}};

// Due: pending and not waiting for a retry scheduled in the future.  Both conditions are on
// the lead row, so a row locked after a concurrent change is re-checked on its latest
// version (served by leads_due_idx, which stops at the first lead not yet due).
// $3/$4: the caller's isolation scope (bypass, or the application user's workspaces).
Statement lock_due_pending_stmt = {
    "SELECT " LEAD_ROUTER_LEAD_COLUMNS
    R"sql( FROM lead_router.leads l
 WHERE l.routing_status = 'pending' AND l.routing_due_at <= pg_catalog.now()
   AND ($3 OR l.source_workspace_id IN (SELECT w.workspace_id FROM lead_router.user_workspaces w
                                         WHERE w.user_id = $4))
 ORDER BY l.routing_due_at, l.id
 LIMIT $1
   FOR UPDATE SKIP LOCKED)sql",
    4,
    {INT4OID, TIMESTAMPTZOID, BOOLOID, UUIDOID}};

// The oldest partner owner of the same identity (served by leads_dedupe_owner_idx).  Read
// with the latest snapshot after taking the identity lock, so that a duplicate committed
// by a concurrent routing is seen at every isolation level.
Statement partner_owner_stmt = {
    R"sql(
SELECT l.id FROM lead_router.leads l
  JOIN lead_router.workspaces w ON w.id = l.workspace_id
 WHERE l.dedupe_hash = $1 AND l.routing_status = 'routed' AND l.duplicate_of IS NULL
   AND l.workspace_id <> $2 AND w.workspace_type = 'partner'
 ORDER BY l.created_at, l.id LIMIT 1)sql",
    2,
    {TEXTOID, UUIDOID}};

// Advisory lock namespace ("LROU") for identities being routed.
constexpr uint32 kIdentityLockClass = 0x4C524F55;

TimestampTz stale_cutoff() {
    return GetCurrentTransactionStartTimestamp() -
           static_cast<TimestampTz>(settings::lock_timeout_s) * USECS_PER_SEC;
}

Outcome outcome(Status status, int32 attempt, const char* error) {
    Outcome o{};
    o.status = status;
    o.success = status == Status::routed || status == Status::duplicate;
    o.attempt = attempt;
    o.error = error;
    return o;
}

void copy_uuid(pg_uuid_t* out, Datum value) { std::memcpy(out->data, DatumGetUUIDP(value)->data, UUID_LEN); }

// Two routings of the same person must not both miss each other's (uncommitted) result:
// the identity is locked for the transaction.  Never waits: contention reads as "locked".
bool lock_identity(Datum dedupe_hash) {
    const std::string_view hex = text_bytes(dedupe_hash);
    uint32 key = 0;
    for (std::size_t i = 0; i < 8 && i < hex.size(); ++i) {
        const char c = hex[i];
        key = key * 16 + static_cast<uint32>(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    LOCKTAG tag;
    SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, kIdentityLockClass, key, 2);
    return LockAcquire(&tag, ExclusiveLock, false, true) != LOCKACQUIRE_NOT_AVAIL;
}

// The outcome already recorded for a routed lead: route_lead is idempotent.
Outcome recorded_outcome(Datum lead_id, HeapTuple row, TupleDesc desc, int32 attempts) {
    Outcome o = outcome(Status::routed, attempts, nullptr);
    bool isnull;
    const Datum original = SPI_getbinval(row, desc, lf::kDuplicateOf, &isnull);
    if (!isnull) {
        o.status = Status::duplicate;
        o.is_duplicate = true;
        o.has_duplicate_lead = true;
        copy_uuid(&o.duplicate_lead, original);
        return o;
    }
    o.has_destination = true;
    copy_uuid(&o.destination, SPI_getbinval(row, desc, lf::kWorkspace, &isnull));
    o.has_rule = transitions::routed_rule(lead_id, &o.rule);
    return o;
}

// Leads that are not routed now: routed (recorded outcome), expired, or held under a fresh
// routing lock.  Sets *proceed for pending, failed and stale routing leads.
Outcome settle_unroutable(Datum lead_id, HeapTuple row, TupleDesc desc, bool* proceed) {
    bool isnull;
    const char* status = TextDatumGetCString(SPI_getbinval(row, desc, lf::kStatus, &isnull));
    const int32 attempts = DatumGetInt32(SPI_getbinval(row, desc, lf::kAttempts, &isnull));
    *proceed = false;
    if (strcmp(status, "routed") == 0) return recorded_outcome(lead_id, row, desc, attempts);
    if (strcmp(status, "expired") == 0) return outcome(Status::expired, attempts, "lead expired");
    if (strcmp(status, "routing") == 0) {
        const Datum stale = SPI_getbinval(row, desc, lf::kStale, &isnull);
        if (isnull || !DatumGetBool(stale)) {
            return outcome(Status::locked, attempts,
                           "lead is being routed under another routing lock");
        }
        const Datum source = SPI_getbinval(row, desc, lf::kSource, &isnull);
        transitions::log_stale_takeover(lead_id, source, attempts);
    }
    *proceed = true;
    return outcome(Status::locked, attempts, nullptr);
}

}  // namespace

const char* status_name(Status status) {
    switch (status) {
        case Status::routed: return "routed";
        case Status::duplicate: return "duplicate";
        case Status::queued: return "queued";
        case Status::failed: return "failed";
        case Status::locked: return "locked";
        case Status::expired: return "expired";
    }
    return "unknown";
}

Outcome route_row(HeapTuple row, TupleDesc desc, int32 max_attempts) {
    instr_time started;
    INSTR_TIME_SET_CURRENT(started);
    bool isnull;
    const Datum lead_id = SPI_getbinval(row, desc, lf::kId, &isnull);
    bool proceed;
    Outcome result = settle_unroutable(lead_id, row, desc, &proceed);
    if (proceed) {
        const int32 attempts = result.attempt;
        const Datum source = SPI_getbinval(row, desc, lf::kSource, &isnull);
        const Datum hash = SPI_getbinval(row, desc, lf::kDedupeHash, &isnull);
        const bool has_hash = !isnull;
        bool settled = false;

        if (has_hash) {
            if (!lock_identity(hash)) {
                result = outcome(Status::locked, attempts,
                                 "a lead with the same identity is being routed");
                settled = true;
            } else {
                const Datum values[] = {hash, source};
                if (execute_latest(partner_owner_stmt, values, nullptr) == 1) {
                    pg_uuid_t original;
                    copy_uuid(&original, column(0, 1, &isnull));
                    int32 attempt;
                    if (transitions::mark_duplicate(lead_id, UUIDPGetDatum(&original), &attempt)) {
                        result = outcome(Status::duplicate, attempt, nullptr);
                        result.is_duplicate = result.has_duplicate_lead = true;
                        result.duplicate_lead = original;
                    } else {
                        result = outcome(Status::locked, attempts,
                                         "the lead it duplicates is locked by another session");
                    }
                    settled = true;
                }
            }
        }
        if (!settled) {
            const core::RuleSet& rules = rule_cache::rules_for(source);
            core::Value* values =
                static_cast<core::Value*>(palloc0(sizeof(core::Value) * (rules.fields().size() + 1)));
            lf::fill_values(rules, row, desc, values);
            const int match = rules.match(values);
            int32 attempt = attempts + 1;
            if (match >= 0) {
                const core::RuleSpec& rule = rules.rule(static_cast<std::size_t>(match));
                pg_uuid_t destination, rule_id;
                std::memcpy(destination.data, rule.destination.data(), UUID_LEN);
                std::memcpy(rule_id.data, rule.id.data(), UUID_LEN);
                if (transitions::route_to(lead_id, UUIDPGetDatum(&destination),
                                          UUIDPGetDatum(&rule_id), &attempt)) {
                    result = outcome(Status::routed, attempt, nullptr);
                    result.has_destination = result.has_rule = true;
                    result.destination = destination;
                    result.rule = rule_id;
                    settled = true;
                }
            }
            if (!settled) {
                const char* error = match >= 0 ? "destination workspace is not active"
                                               : "no matching rule";
                const bool queued = transitions::record_failure(
                    lead_id, CStringGetTextDatum(error), attempt, max_attempts, 1,
                    match >= 0 ? "retry" : "no_match");
                result = outcome(queued ? Status::queued : Status::failed, attempt, error);
            }
        }
    }
    instr_time elapsed;
    INSTR_TIME_SET_CURRENT(elapsed);
    INSTR_TIME_SUBTRACT(elapsed, started);
    routing_stats::record(result.status, INSTR_TIME_GET_MICROSEC(elapsed));
    return result;
}

SPITupleTable* lock_lead(Datum lead_id) {
    const Datum values[] = {lead_id, TimestampTzGetDatum(stale_cutoff())};
    return execute(lock_lead_stmt, values, nullptr, false) == 1 ? SPI_tuptable : nullptr;
}

Outcome route_by_id(Datum lead_id, const pg_uuid_t* expected_source, int32 max_attempts) {
    // A rule change committed by another session since our last look is used now, even
    // inside a transaction that has already read routing_rules.
    AcceptInvalidationMessages();
    SPITupleTable* table = lock_lead(lead_id);
    if (table == nullptr) {
        if (!transitions::lead_exists(lead_id)) {
            transitions::raise_unknown_lead(lead_id);
        }
        routing_stats::record(Status::locked, 0);
        return outcome(Status::locked, 0, "lead is locked by another transaction");
    }
    HeapTuple row = table->vals[0];
    bool isnull;
    access_control::require_lead_access(
        lead_id, SPI_getbinval(row, table->tupdesc, lf::kSource, &isnull));
    if (expected_source != nullptr) {
        const Datum source = SPI_getbinval(row, table->tupdesc, lf::kSource, &isnull);
        if (std::memcmp(DatumGetUUIDP(source)->data, expected_source->data, UUID_LEN) != 0) {
            ereport(ERROR,
                    (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                     errmsg("lead %s did not arrive in workspace %s", uuid_to_cstring(lead_id),
                            uuid_to_cstring(UUIDPGetDatum(expected_source))),
                     errhint("Pass the lead's source_workspace_id, or NULL.")));
        }
    }
    return route_row(row, table->tupdesc, max_attempts);
}

SPITupleTable* lock_due_pending(int32 batch_size) {
    AcceptInvalidationMessages();
    const access_control::BatchScope scope = access_control::batch_scope();
    const Datum values[] = {Int32GetDatum(batch_size), TimestampTzGetDatum(stale_cutoff()),
                            BoolGetDatum(scope.bypass), UUIDPGetDatum(&scope.user)};
    const char nulls[] = {' ', ' ', ' ', scope.has_user ? ' ' : 'n'};
    execute(lock_due_pending_stmt, values, nulls, false);
    return SPI_tuptable;
}

}  // namespace lead_router::pg::route_flow
