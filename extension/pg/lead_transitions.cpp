// Transition statements.  Each is one statement with data-modifying CTEs, so the lead, its
// queue row and its audit row change together or not at all, in one SPI round trip.
#include "pg/lead_transitions.h"

extern "C" {
#include "common/pg_prng.h"
}

#include "core/retry_backoff.h"
#include "pg/datum_convert.h"
#include "pg/spi_statement.h"

namespace lead_router::pg::transitions {
namespace {

Statement acquire_stmt = {
    R"sql(
WITH target AS (
    SELECT l.id, l.routing_status AS old_status, l.routing_locked_by AS old_owner
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
     WHERE l.id = t.id
 RETURNING l.id, l.source_workspace_id, l.routing_attempts, t.old_status, t.old_owner
), audit AS (
    INSERT INTO lead_router.routing_logs
           (lead_id, source_workspace_id, routing_result, error_message, attempt)
    SELECT id, source_workspace_id, 'released',
           'stale routing lock of ' || old_owner::text || ' taken over', routing_attempts - 1
      FROM locked WHERE old_status = 'routing'
    UNION ALL
    SELECT id, source_workspace_id, 'locked', NULL, routing_attempts FROM locked
)
SELECT count(*)::int4 FROM locked)sql",
    3,
    {UUIDOID, UUIDOID, TIMESTAMPTZOID}};

// -> routed in $2 (if active), by rule $3.  complete_routing passes the lock owner $4 and
// increment 0 (acquire counted the attempt); route_lead passes no owner (it holds the row
// lock) and increment 1.
Statement route_to_stmt = {
    R"sql(
WITH lead AS (
    UPDATE lead_router.leads l
       SET routing_status = 'routed', workspace_id = $2, routing_locked_by = NULL,
           routing_locked_at = NULL, routing_error = NULL,
           routing_attempts = l.routing_attempts + $5,
           routing_last_attempted_at = CASE WHEN $5 > 0 THEN pg_catalog.now()
                                            ELSE l.routing_last_attempted_at END
     WHERE l.id = $1
       AND ($4::uuid IS NULL OR (l.routing_status = 'routing' AND l.routing_locked_by = $4))
       AND EXISTS (SELECT 1 FROM lead_router.workspaces w WHERE w.id = $2 AND w.is_active)
 RETURNING l.id, l.source_workspace_id, l.routing_attempts
), closed AS (
    UPDATE lead_router.routing_queue q SET processed_at = pg_catalog.now()
      FROM lead WHERE q.lead_id = lead.id AND q.processed_at IS NULL
), audit AS (
    INSERT INTO lead_router.routing_logs (lead_id, source_workspace_id,
           destination_workspace_id, matched_rule_id, routing_result, attempt)
    SELECT id, source_workspace_id, $2, $3, 'success', routing_attempts FROM lead
)
SELECT routing_attempts FROM lead)sql",
    5,
    {UUIDOID, UUIDOID, UUIDOID, UUIDOID, INT4OID}};

Statement mark_duplicate_stmt = {
    R"sql(
WITH lead AS (
    UPDATE lead_router.leads l
       SET routing_status = 'routed', duplicate_of = $2, workspace_id = l.source_workspace_id,
           routing_locked_by = NULL, routing_locked_at = NULL, routing_error = NULL,
           routing_attempts = l.routing_attempts + 1, routing_last_attempted_at = pg_catalog.now()
     WHERE l.id = $1
 RETURNING l.id, l.source_workspace_id, l.routing_attempts
), closed AS (
    UPDATE lead_router.routing_queue q SET processed_at = pg_catalog.now()
      FROM lead WHERE q.lead_id = lead.id AND q.processed_at IS NULL
), audit AS (
    INSERT INTO lead_router.routing_logs
           (lead_id, source_workspace_id, routing_result, error_message, attempt)
    SELECT id, source_workspace_id, 'duplicate', 'duplicate of lead ' || $2::text,
           routing_attempts FROM lead
)
SELECT routing_attempts FROM lead)sql",
    2,
    {UUIDOID, UUIDOID}};

Statement lock_original_stmt = {
    "SELECT 1 FROM lead_router.leads WHERE id = $1 FOR KEY SHARE SKIP LOCKED",
    1,
    {UUIDOID}};

Statement stale_takeover_stmt = {
    R"sql(
INSERT INTO lead_router.routing_logs
       (lead_id, source_workspace_id, routing_result, error_message, attempt)
VALUES ($1, $2, 'released', 'stale routing lock taken over by route_lead', $3))sql",
    3,
    {UUIDOID, UUIDOID, INT4OID}};

Statement routed_rule_stmt = {
    R"sql(
SELECT matched_rule_id FROM lead_router.routing_logs
 WHERE lead_id = $1 AND routing_result = 'success'
 ORDER BY id DESC LIMIT 1)sql",
    1,
    {UUIDOID}};

Statement completion_check_stmt = {
    R"sql(
SELECT l.source_workspace_id = $2,
       (SELECT CASE WHEN NOT w.is_active THEN 1 WHEN w.workspace_type <> 'partner' THEN 2 ELSE 3 END
          FROM lead_router.workspaces w WHERE w.id = $2),
       $3::uuid IS NULL OR EXISTS (SELECT 1 FROM lead_router.routing_rules r
                                    WHERE r.id = $3 AND r.workspace_id = l.source_workspace_id
                                      AND r.destination_workspace_id = $2)
  FROM lead_router.leads l WHERE l.id = $1)sql",
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

Statement requeue_stmt = {
    R"sql(
WITH lead AS (
    UPDATE lead_router.leads l
       SET routing_status = 'pending', routing_locked_by = NULL, routing_locked_at = NULL,
           routing_error = $2, routing_attempts = l.routing_attempts + $5, routing_due_at = $3,
           routing_last_attempted_at = CASE WHEN $5 > 0 THEN pg_catalog.now()
                                            ELSE l.routing_last_attempted_at END
     WHERE l.id = $1
 RETURNING l.id, l.source_workspace_id, l.routing_attempts
), closed AS (
    UPDATE lead_router.routing_queue q SET processed_at = pg_catalog.now()
      FROM lead WHERE q.lead_id = lead.id AND q.processed_at IS NULL
 RETURNING q.id
), queued AS (
    -- reads `closed`, so the open row is closed before its successor is inserted
    INSERT INTO lead_router.routing_queue
           (lead_id, workspace_id, attempt_number, max_attempts, next_retry_at, last_error)
    SELECT id, source_workspace_id, routing_attempts + 1, $4, $3, $2
      FROM lead, (SELECT count(*) FROM closed) AS previous
), audit AS (
    INSERT INTO lead_router.routing_logs
           (lead_id, source_workspace_id, routing_result, error_message, attempt)
    SELECT id, source_workspace_id, $6, $2, routing_attempts FROM lead
)
SELECT routing_attempts FROM lead)sql",
    6,
    {UUIDOID, TEXTOID, TIMESTAMPTZOID, INT4OID, INT4OID, TEXTOID}};

Statement fail_stmt = {
    R"sql(
WITH lead AS (
    UPDATE lead_router.leads l
       SET routing_status = 'failed', routing_locked_by = NULL, routing_locked_at = NULL,
           routing_error = $2, routing_attempts = l.routing_attempts + $3,
           routing_last_attempted_at = CASE WHEN $3 > 0 THEN pg_catalog.now()
                                            ELSE l.routing_last_attempted_at END
     WHERE l.id = $1
 RETURNING l.id, l.source_workspace_id, l.routing_attempts
), closed AS (
    UPDATE lead_router.routing_queue q SET processed_at = pg_catalog.now(), last_error = $2
      FROM lead WHERE q.lead_id = lead.id AND q.processed_at IS NULL
), audit AS (
    INSERT INTO lead_router.routing_logs
           (lead_id, source_workspace_id, routing_result, error_message, attempt)
    SELECT id, source_workspace_id, 'failed', $2, routing_attempts FROM lead
)
SELECT routing_attempts FROM lead)sql",
    3,
    {UUIDOID, TEXTOID, INT4OID}};

Statement release_stmt = {
    R"sql(
WITH stale AS (
    SELECT id, routing_locked_by AS old_owner
      FROM lead_router.leads
     WHERE routing_status = 'routing' AND routing_locked_at < $1
       FOR UPDATE SKIP LOCKED
), released AS (
    UPDATE lead_router.leads l
       SET routing_status = 'pending', routing_locked_by = NULL, routing_locked_at = NULL,
           routing_error = 'routing lock expired'
      FROM stale s
     WHERE l.id = s.id
 RETURNING l.id, l.source_workspace_id, l.routing_attempts, s.old_owner
), audit AS (
    INSERT INTO lead_router.routing_logs
           (lead_id, source_workspace_id, routing_result, error_message, attempt)
    SELECT id, source_workspace_id, 'released',
           'stale routing lock of ' || old_owner::text || ' released', routing_attempts
      FROM released
)
SELECT count(*) FROM released)sql",
    1,
    {TIMESTAMPTZOID}};

Statement expire_stmt = {
    R"sql(
WITH due AS (
    SELECT id FROM lead_router.leads
     WHERE routing_status IN ('pending', 'failed') AND lead_expires_at < pg_catalog.now()
       FOR UPDATE SKIP LOCKED
), expired AS (
    UPDATE lead_router.leads l SET routing_status = 'expired'
      FROM due WHERE l.id = due.id
 RETURNING l.id, l.source_workspace_id, l.routing_attempts
), closed AS (
    UPDATE lead_router.routing_queue q
       SET processed_at = pg_catalog.now(), last_error = 'lead expired'
      FROM expired e WHERE q.lead_id = e.id AND q.processed_at IS NULL
), audit AS (
    INSERT INTO lead_router.routing_logs
           (lead_id, source_workspace_id, routing_result, attempt)
    SELECT id, source_workspace_id, 'expired', routing_attempts FROM expired
)
SELECT count(*) FROM expired)sql",
    0,
    {}};

Statement lead_exists_stmt = {
    "SELECT 1 FROM lead_router.leads WHERE id = $1", 1, {UUIDOID}};

int64 single_count(uint64 rows) {
    if (rows != 1) return 0;
    bool isnull;
    const Datum d = column(0, 1, &isnull);
    return isnull ? 0 : DatumGetInt64(d);
}

}  // namespace

bool acquire_lock(Datum lead_id, Datum owner, TimestampTz stale_before) {
    const Datum values[] = {lead_id, owner, TimestampTzGetDatum(stale_before)};
    execute(acquire_stmt, values, nullptr, false);
    return column_int32(0, 1) == 1;
}

bool complete(Datum lead_id, Datum destination, Datum rule_id, bool rule_is_null, Datum owner) {
    const Datum values[] = {lead_id, destination, rule_id, owner, Int32GetDatum(0)};
    const char nulls[] = {' ', ' ', rule_is_null ? 'n' : ' ', ' ', ' '};
    return execute(route_to_stmt, values, nulls, false) == 1;
}

void check_completion(Datum lead_id, Datum destination, Datum rule_id, bool rule_is_null) {
    const Datum values[] = {lead_id, destination, rule_id};
    const char nulls[] = {' ', ' ', rule_is_null ? 'n' : ' '};
    if (execute(completion_check_stmt, values, nulls, true) != 1) raise_unknown_lead(lead_id);
    const char* dest = uuid_to_cstring(destination);
    if (column_bool(0, 1)) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("destination workspace %s is the lead's own source workspace", dest),
                        errhint("Routing moves a lead to a partner workspace.")));
    }
    static const char* const kProblems[] = {"does not exist", "is not active",
                                            "is not a partner workspace"};
    const int destination_state = column_int32(0, 2);  // 0 missing, 1 inactive, 2 not a partner
    if (destination_state < 3) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("destination workspace %s %s", dest, kProblems[destination_state])));
    }
    if (!column_bool(0, 3)) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("rule %s does not route this lead's source workspace to %s",
                               uuid_to_cstring(rule_id), dest),
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

bool record_failure(Datum lead_id, Datum error_text, int32 attempts, int32 max_attempts,
                    int32 attempt_increment, const char* requeue_result) {
    const Datum error = clipped_text(error_text, kMaxStoredErrorBytes);
    if (attempts < max_attempts) {
        const int64 delay_us =
            core::backoff_delay_us(attempts, pg_prng_double(&pg_global_prng_state));
        const TimestampTz next_retry_at = GetCurrentTransactionStartTimestamp() + delay_us;
        const Datum values[] = {lead_id,
                                error,
                                TimestampTzGetDatum(next_retry_at),
                                Int32GetDatum(max_attempts),
                                Int32GetDatum(attempt_increment),
                                CStringGetTextDatum(requeue_result)};
        execute(requeue_stmt, values, nullptr, false);
        return true;
    }
    const Datum values[] = {lead_id, error, Int32GetDatum(attempt_increment)};
    execute(fail_stmt, values, nullptr, false);
    return false;
}

bool route_to(Datum lead_id, Datum destination, Datum rule_id, int32* attempt) {
    const Datum values[] = {lead_id, destination, rule_id, (Datum)0, Int32GetDatum(1)};
    const char nulls[] = {' ', ' ', ' ', 'n', ' '};
    if (execute(route_to_stmt, values, nulls, false) != 1) return false;
    *attempt = column_int32(0, 1);
    return true;
}

bool mark_duplicate(Datum lead_id, Datum original, int32* attempt) {
    // duplicate_of's foreign key check takes KEY SHARE on the original, and would wait for
    // a session that holds the original FOR UPDATE (a batch that locked it and then found
    // it already routed keeps that lock).  Take the lock without waiting first.
    const Datum original_only[] = {original};
    if (execute(lock_original_stmt, original_only, nullptr, false) != 1) return false;
    const Datum values[] = {lead_id, original};
    execute(mark_duplicate_stmt, values, nullptr, false);
    *attempt = column_int32(0, 1);
    return true;
}

void log_stale_takeover(Datum lead_id, Datum source_workspace_id, int32 attempts) {
    const Datum values[] = {lead_id, source_workspace_id, Int32GetDatum(attempts)};
    execute(stale_takeover_stmt, values, nullptr, false);
}

bool routed_rule(Datum lead_id, pg_uuid_t* rule_id) {
    const Datum values[] = {lead_id};
    // Latest snapshot: the lead may have been routed by a session that committed after
    // this statement began (its row lock showed us the routed version).
    if (execute_latest(routed_rule_stmt, values, nullptr) != 1) return false;
    bool isnull;
    const Datum d = column(0, 1, &isnull);
    if (isnull) return false;
    *rule_id = *DatumGetUUIDP(d);
    return true;
}

int64 release_stale(TimestampTz stale_before) {
    const Datum values[] = {TimestampTzGetDatum(stale_before)};
    return single_count(execute(release_stmt, values, nullptr, false));
}

int64 expire_due() { return single_count(execute(expire_stmt, nullptr, nullptr, false)); }

bool lead_exists(Datum lead_id) {
    const Datum values[] = {lead_id};
    return execute(lead_exists_stmt, values, nullptr, true) == 1;
}

void raise_unknown_lead(Datum lead_id) {
    ereport(ERROR, (errcode(ERRCODE_NO_DATA_FOUND),
                    errmsg("lead %s does not exist", uuid_to_cstring(lead_id))));
}

}  // namespace lead_router::pg::transitions
