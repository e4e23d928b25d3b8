// The transitions of the primitives and of maintenance (the set-based moves are in
// lead_moves.cpp).  Each is one statement with data-modifying CTEs, so a lead, its queue row
// and its audit row change together or not at all, in one SPI round trip.
#include "pg/lead_transitions.h"

#include "pg/datum_convert.h"
#include "pg/destinations.h"
#include "pg/settings.h"
#include "pg/spi_statement.h"

namespace lead_router::pg::transitions {
namespace {

Statement acquire_stmt = {
    R"sql(
WITH target AS (
    SELECT l.id, l.routing_status AS old_status, l.routing_locked_by AS old_owner,
           l.lead_expires_at < pg_catalog.now() AS expired
      FROM lead_router.leads l
     WHERE l.id = $1
       AND (l.routing_status IN ('pending', 'failed')
            OR (l.routing_status = 'routing' AND l.routing_locked_at < $3))
       FOR UPDATE SKIP LOCKED
), locked AS (
    UPDATE lead_router.leads l
       SET routing_status = 'routing', routing_locked_by = $2,
           routing_locked_at = pg_catalog.now(), routing_last_attempted_at = pg_catalog.now(),
           routing_attempts = l.routing_attempts + 1
      FROM target t
     WHERE l.id = t.id AND NOT t.expired
 RETURNING l.id, l.source_workspace_id, l.routing_attempts, t.old_status, t.old_owner
), expired AS (
    UPDATE lead_router.leads l SET routing_status = 'expired'
      FROM target t
     WHERE l.id = t.id AND t.expired AND t.old_status <> 'routing'
 RETURNING l.id, l.source_workspace_id, l.routing_attempts
), closed AS (
    UPDATE lead_router.routing_queue q
       SET processed_at = pg_catalog.now(), last_error = 'lead expired'
      FROM expired
     WHERE q.lead_id = expired.id AND q.processed_at IS NULL
), audit AS (
    INSERT INTO lead_router.routing_logs
           (lead_id, source_workspace_id, routing_result, error_message, attempt)
    SELECT id, source_workspace_id, 'released',
           'stale routing lock of ' || old_owner::text || ' taken over', routing_attempts - 1
      FROM locked WHERE old_status = 'routing'
    UNION ALL
    SELECT id, source_workspace_id, 'locked', NULL, routing_attempts FROM locked
    UNION ALL
    SELECT id, source_workspace_id, 'expired', NULL, routing_attempts FROM expired
)
SELECT count(*)::int4 FROM locked)sql",
    3,
    {UUIDOID, UUIDOID, TIMESTAMPTZOID}};

Statement stale_takeover_stmt = {
    R"sql(
INSERT INTO lead_router.routing_logs
       (lead_id, source_workspace_id, routing_result, error_message, attempt)
VALUES ($1, $2, 'released', 'stale routing lock taken over by route_lead', $3))sql",
    3,
    {UUIDOID, UUIDOID, INT4OID}};

Statement recorded_outcome_stmt = {
    R"sql(
SELECT matched_rule_id, duplicate_key FROM lead_router.routing_logs
 WHERE lead_id = $1 AND routing_result IN ('success', 'duplicate')
 ORDER BY id DESC LIMIT 1)sql",
    1,
    {UUIDOID}};

Statement lead_source_stmt = {"SELECT source_workspace_id FROM lead_router.leads WHERE id = $1", 1, {UUIDOID}};

Statement rule_routes_stmt = {
    R"sql(
SELECT 1 FROM lead_router.routing_rules r
 WHERE r.id = $1 AND r.workspace_id = $2
   AND (r.destination_workspace_id = $3
        OR (r.destination_workspace_id IS NULL
            AND EXISTS (SELECT 1 FROM lead_router.routing_rule_destinations p
                         WHERE p.rule_id = r.id AND p.destination_workspace_id = $3))))sql",
    3,
    {UUIDOID, UUIDOID, UUIDOID}};

Statement lock_for_failure_stmt = {
    R"sql(
SELECT routing_status::text, routing_status = 'routing',
       routing_locked_by IS NOT DISTINCT FROM $2, routing_attempts
  FROM lead_router.leads WHERE id = $1
   FOR UPDATE)sql",
    2,
    {UUIDOID, UUIDOID}};

// The stale locks to release, with the audit message of each.
Statement stale_locks_stmt = {
    R"sql(
SELECT id, 'stale routing lock of ' || routing_locked_by::text || ' released'
  FROM lead_router.leads
 WHERE routing_status = 'routing' AND routing_locked_at < $1
   FOR UPDATE SKIP LOCKED)sql",
    1,
    {TIMESTAMPTZOID}};

Statement expiry_due_stmt = {
    R"sql(
SELECT id FROM lead_router.leads
 WHERE routing_status IN ('pending', 'failed') AND lead_expires_at < pg_catalog.now()
   FOR UPDATE SKIP LOCKED)sql",
    0,
    {}};

Statement lead_exists_stmt = {"SELECT 1 FROM lead_router.leads WHERE id = $1", 1, {UUIDOID}};

// The uuids in column 1 and the values of column `extra` (0: none) of the last result.
pg_uuid_t* result_uuids(uint64 rows, int extra, Datum** extras) {
    pg_uuid_t* ids = static_cast<pg_uuid_t*>(palloc(sizeof(pg_uuid_t) * (rows + 1)));
    if (extra > 0) *extras = static_cast<Datum*>(palloc(sizeof(Datum) * (rows + 1)));
    for (uint64 r = 0; r < rows; ++r) {
        bool isnull;
        ids[r] = *DatumGetUUIDP(column(r, 1, &isnull));
        if (extra > 0) (*extras)[r] = column(r, extra, &isnull);
    }
    return ids;
}

}  // namespace

bool acquire_lock(Datum lead_id, Datum owner, TimestampTz stale_before) {
    const Datum values[] = {lead_id, owner, TimestampTzGetDatum(stale_before)};
    execute(acquire_stmt, values, nullptr, false);
    return column_int32(0, 1) == 1;
}

void check_completion(Datum lead_id, Datum destination, Datum rule_id, bool rule_is_null) {
    const Datum lead[] = {lead_id};
    if (execute(lead_source_stmt, lead, nullptr, true) != 1) raise_unknown_lead(lead_id);
    bool isnull;
    const Datum source = datumCopy(column(0, 1, &isnull), false, UUID_LEN);
    destinations::require_usable(source, destination, "the lead's own source workspace",
                                 "Routing moves a lead to a partner workspace.");
    if (rule_is_null) return;
    const Datum rule[] = {rule_id, source, destination};
    if (execute(rule_routes_stmt, rule, nullptr, true) != 1) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("rule %s does not route this lead's source workspace to %s", uuid_to_cstring(rule_id),
                               uuid_to_cstring(destination)),
                        errhint("Pass the rule that matched, or NULL.")));
    }
}

LockedLead lock_for_failure(Datum lead_id, Datum owner) {
    const Datum values[] = {lead_id, owner};
    LockedLead lead = {};
    if (execute(lock_for_failure_stmt, values, nullptr, false) != 1) return lead;
    bool isnull;
    const Datum status = column(0, 1, &isnull);
    snprintf(lead.status, sizeof lead.status, "%s", TextDatumGetCString(status));
    lead.found = true;
    lead.routing = column_bool(0, 2);
    lead.owned = column_bool(0, 3);
    lead.attempts = column_int32(0, 4);
    return lead;
}

void log_stale_takeover(Datum lead_id, Datum source_workspace_id, int32 attempts) {
    const Datum values[] = {lead_id, source_workspace_id, Int32GetDatum(attempts)};
    execute(stale_takeover_stmt, values, nullptr, false);
}

Recorded recorded_outcome(Datum lead_id) {
    Recorded r{};
    const Datum values[] = {lead_id};
    // Latest snapshot: the lead may have been routed by a session that committed after
    // this statement began (its row lock showed us the routed version).
    if (execute_latest(recorded_outcome_stmt, values, nullptr) != 1) return r;
    bool isnull;
    const Datum rule = column(0, 1, &isnull);
    if (!isnull) {
        r.has_rule = true;
        r.rule = *DatumGetUUIDP(rule);
    }
    const Datum key = column(0, 2, &isnull);
    if (!isnull) {
        const char* name = TextDatumGetCString(key);
        for (int k = 0; k < core::kDuplicateKeys; ++k) {
            if (strcmp(name, core::duplicate_key_name(static_cast<core::DuplicateKey>(k))) == 0) {
                r.has_key = true;
                r.key = static_cast<core::DuplicateKey>(k);
            }
        }
    }
    return r;
}

int64 release_stale(TimestampTz stale_before) {
    const Datum values[] = {TimestampTzGetDatum(stale_before)};
    const uint64 rows = execute(stale_locks_stmt, values, nullptr, false);
    Datum* messages = nullptr;
    const pg_uuid_t* ids = result_uuids(rows, 2, &messages);
    return release(ids, messages, static_cast<int>(rows));
}

int64 expire_due() {
    const uint64 rows = execute(expiry_due_stmt, nullptr, nullptr, false);
    const pg_uuid_t* ids = result_uuids(rows, 0, nullptr);
    bool* expired = static_cast<bool*>(palloc(sizeof(bool) * (rows + 1)));
    expire(ids, static_cast<int>(rows), expired);
    int64 count = 0;
    for (uint64 r = 0; r < rows; ++r) count += expired[r] ? 1 : 0;
    return count;
}

TimestampTz stale_lock_cutoff() {
    return GetCurrentTransactionStartTimestamp() - static_cast<TimestampTz>(settings::lock_timeout_s) * USECS_PER_SEC;
}

bool lead_exists(Datum lead_id) {
    const Datum values[] = {lead_id};
    return execute(lead_exists_stmt, values, nullptr, true) == 1;
}

void raise_unknown_lead(Datum lead_id) {
    ereport(ERROR, (errcode(ERRCODE_NO_DATA_FOUND), errmsg("lead %s does not exist", uuid_to_cstring(lead_id))));
}

}  // namespace lead_router::pg::transitions
