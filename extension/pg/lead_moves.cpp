// The set-based moves of lead_transitions.h: one statement per kind of outcome for any number
// of leads, with data-modifying CTEs so that leads, queue rows and audit rows change together.
// Items travel as parallel arrays (unnest ... WITH ORDINALITY), and each statement returns
// the ordinal of every lead it moved.  Open queue rows are closed through a join with the
// moved leads: a nested loop over routing_queue_open_lead_idx, or, while the queue is small,
// one hash join (never a filter that compares every queue row with every lead).
#include "pg/lead_transitions.h"

#include <cstring>

extern "C" {
#include "common/pg_prng.h"
}

#include "core/retry_backoff.h"
#include "pg/datum_convert.h"
#include "pg/spi_statement.h"

namespace lead_router::pg::transitions {
namespace {

// $1 leads, $2 destinations, $3 rules (elements may be NULL), $4 owner or NULL, $5 increment
Statement route_to_stmt = {
    R"sql(
WITH input AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) WITH ORDINALITY
                  AS i(id, destination, rule, n)
), lead AS (
    UPDATE lead_router.leads l
       SET routing_status = 'routed', workspace_id = i.destination, routing_locked_by = NULL,
           routing_locked_at = NULL, routing_error = NULL,
           routing_attempts = l.routing_attempts + $5,
           routing_last_attempted_at = CASE WHEN $5 > 0 THEN pg_catalog.now()
                                            ELSE l.routing_last_attempted_at END
      FROM input i
     WHERE l.id = i.id
       AND ($4::uuid IS NULL OR (l.routing_status = 'routing' AND l.routing_locked_by = $4))
       AND EXISTS (SELECT 1 FROM lead_router.workspaces w
                    WHERE w.id = i.destination AND w.is_active)
 RETURNING l.id, l.source_workspace_id, l.routing_attempts, i.destination, i.rule, i.n
), closed AS (
    UPDATE lead_router.routing_queue q SET processed_at = pg_catalog.now()
      FROM lead
     WHERE q.lead_id = lead.id AND q.processed_at IS NULL
), audit AS (
    INSERT INTO lead_router.routing_logs (lead_id, source_workspace_id,
           destination_workspace_id, matched_rule_id, routing_result, attempt)
    SELECT id, source_workspace_id, destination, rule, 'success', routing_attempts FROM lead
)
SELECT n, routing_attempts FROM lead)sql",
    5,
    {UUIDARRAYOID, UUIDARRAYOID, UUIDARRAYOID, UUIDOID, INT4OID}};

Statement lock_originals_stmt = {
    R"sql(
SELECT id FROM lead_router.leads WHERE id = ANY ($1) FOR KEY SHARE SKIP LOCKED)sql",
    1,
    {UUIDARRAYOID}};

// $1 leads, $2 originals
Statement duplicates_stmt = {
    R"sql(
WITH input AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS i(id, original, n)
), lead AS (
    UPDATE lead_router.leads l
       SET routing_status = 'routed', duplicate_of = i.original,
           workspace_id = l.source_workspace_id, routing_locked_by = NULL,
           routing_locked_at = NULL, routing_error = NULL,
           routing_attempts = l.routing_attempts + 1, routing_last_attempted_at = pg_catalog.now()
      FROM input i
     WHERE l.id = i.id
 RETURNING l.id, l.source_workspace_id, l.routing_attempts, i.original, i.n
), closed AS (
    UPDATE lead_router.routing_queue q SET processed_at = pg_catalog.now()
      FROM lead
     WHERE q.lead_id = lead.id AND q.processed_at IS NULL
), audit AS (
    INSERT INTO lead_router.routing_logs
           (lead_id, source_workspace_id, routing_result, error_message, attempt)
    SELECT id, source_workspace_id, 'duplicate', 'duplicate of lead ' || original::text,
           routing_attempts FROM lead
)
SELECT n, routing_attempts FROM lead)sql",
    2,
    {UUIDARRAYOID, UUIDARRAYOID}};

// $1 leads, $2 errors, $3 next retry times, $4 max attempts, $5 audit results, $6 increment
Statement requeue_stmt = {
    R"sql(
WITH input AS (
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::int4[], $5::text[])
                  WITH ORDINALITY AS i(id, error, next_retry_at, max_attempts, result, n)
), lead AS (
    UPDATE lead_router.leads l
       SET routing_status = 'pending', routing_locked_by = NULL, routing_locked_at = NULL,
           routing_error = i.error, routing_attempts = l.routing_attempts + $6,
           routing_due_at = i.next_retry_at,
           routing_last_attempted_at = CASE WHEN $6 > 0 THEN pg_catalog.now()
                                            ELSE l.routing_last_attempted_at END
      FROM input i
     WHERE l.id = i.id
 RETURNING l.id, l.source_workspace_id, l.routing_attempts, i.error, i.next_retry_at,
           i.max_attempts, i.result, i.n
), closed AS (
    UPDATE lead_router.routing_queue q SET processed_at = pg_catalog.now()
      FROM lead
     WHERE q.lead_id = lead.id AND q.processed_at IS NULL
 RETURNING q.id
), queued AS (
    -- reads `closed`, so the open rows are closed before their successors are inserted
    INSERT INTO lead_router.routing_queue
           (lead_id, workspace_id, attempt_number, max_attempts, next_retry_at, last_error)
    SELECT id, source_workspace_id, routing_attempts + 1, max_attempts, next_retry_at, error
      FROM lead, (SELECT count(*) FROM closed) AS previous
), audit AS (
    INSERT INTO lead_router.routing_logs
           (lead_id, source_workspace_id, routing_result, error_message, attempt)
    SELECT id, source_workspace_id, result, error, routing_attempts FROM lead
)
SELECT n, routing_attempts FROM lead)sql",
    6,
    {UUIDARRAYOID, TEXTARRAYOID, TIMESTAMPTZARRAYOID, INT4ARRAYOID, TEXTARRAYOID, INT4OID}};

// $1 leads, $2 errors, $3 increment
Statement fail_stmt = {
    R"sql(
WITH input AS (
    SELECT * FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS i(id, error, n)
), lead AS (
    UPDATE lead_router.leads l
       SET routing_status = 'failed', routing_locked_by = NULL, routing_locked_at = NULL,
           routing_error = i.error, routing_attempts = l.routing_attempts + $3,
           routing_last_attempted_at = CASE WHEN $3 > 0 THEN pg_catalog.now()
                                            ELSE l.routing_last_attempted_at END
      FROM input i
     WHERE l.id = i.id
 RETURNING l.id, l.source_workspace_id, l.routing_attempts, i.error, i.n
), closed AS (
    UPDATE lead_router.routing_queue q SET processed_at = pg_catalog.now(), last_error = lead.error
      FROM lead
     WHERE q.lead_id = lead.id AND q.processed_at IS NULL
), audit AS (
    INSERT INTO lead_router.routing_logs
           (lead_id, source_workspace_id, routing_result, error_message, attempt)
    SELECT id, source_workspace_id, 'failed', error, routing_attempts FROM lead
)
SELECT n, routing_attempts FROM lead)sql",
    3,
    {UUIDARRAYOID, TEXTARRAYOID, INT4OID}};

Datum uuid_array(const pg_uuid_t* const* items, int n) {
    Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
    bool* nulls = static_cast<bool*>(palloc(sizeof(bool) * (n + 1)));
    for (int i = 0; i < n; ++i) {
        nulls[i] = items[i] == nullptr;
        elems[i] = nulls[i] ? (Datum)0 : UUIDPGetDatum(const_cast<pg_uuid_t*>(items[i]));
    }
    return make_array(elems, nulls, n, UUIDOID);
}

// Collects a uuid member of each item.
template <typename Item, typename Get>
Datum uuids_of(const Item* items, int n, Get get) {
    const pg_uuid_t** refs = static_cast<const pg_uuid_t**>(palloc(sizeof(pg_uuid_t*) * (n + 1)));
    for (int i = 0; i < n; ++i) refs[i] = get(items[i]);
    return uuid_array(refs, n);
}

// Reads the (ordinal, attempts) rows of a move: moved[ordinal - 1] = true.
void read_moves(uint64 rows, bool* moved, int32* attempts) {
    for (uint64 r = 0; r < rows; ++r) {
        bool isnull;
        const int64 ordinal = DatumGetInt64(column(r, 1, &isnull));
        if (moved != nullptr) moved[ordinal - 1] = true;
        attempts[ordinal - 1] = column_int32(r, 2);
    }
}

Datum errors_of(const Failure* items, int n) {
    Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
    for (int i = 0; i < n; ++i) elems[i] = clipped_text(items[i].error, kMaxStoredErrorBytes);
    return make_array(elems, nullptr, n, TEXTOID);
}

}  // namespace

void route_to(const Routed* items, int n, const pg_uuid_t* owner, int32 increment, bool* moved,
              int32* attempts) {
    if (n == 0) return;
    memset(moved, 0, sizeof(bool) * n);
    const Datum values[] = {
        uuids_of(items, n, [](const Routed& r) { return &r.lead; }),
        uuids_of(items, n, [](const Routed& r) { return &r.destination; }),
        uuids_of(items, n, [](const Routed& r) { return r.has_rule ? &r.rule : nullptr; }),
        owner ? UUIDPGetDatum(const_cast<pg_uuid_t*>(owner)) : (Datum)0,
        Int32GetDatum(increment)};
    const char nulls[] = {' ', ' ', ' ', owner ? ' ' : 'n', ' '};
    read_moves(execute(route_to_stmt, values, nulls, false), moved, attempts);
}

void lock_originals(const Duplicate* items, int n, bool* locked) {
    if (n == 0) return;
    const Datum values[] = {uuids_of(items, n, [](const Duplicate& d) { return &d.original; })};
    const uint64 rows = execute(lock_originals_stmt, values, nullptr, false);
    for (int i = 0; i < n; ++i) {
        locked[i] = false;
        for (uint64 r = 0; r < rows && !locked[i]; ++r) {
            bool isnull;
            locked[i] = memcmp(DatumGetUUIDP(column(r, 1, &isnull))->data, items[i].original.data,
                               UUID_LEN) == 0;
        }
    }
}

void mark_duplicates(const Duplicate* items, int n, int32* attempts) {
    if (n == 0) return;
    const Datum values[] = {uuids_of(items, n, [](const Duplicate& d) { return &d.lead; }),
                            uuids_of(items, n, [](const Duplicate& d) { return &d.original; })};
    read_moves(execute(duplicates_stmt, values, nullptr, false), nullptr, attempts);
}

void requeue(const Failure* items, int n, int32 increment, int32* attempts) {
    if (n == 0) return;
    Datum* at = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
    Datum* max = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
    Datum* result = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
    for (int i = 0; i < n; ++i) {
        at[i] = TimestampTzGetDatum(items[i].next_retry_at);
        max[i] = Int32GetDatum(items[i].max_attempts);
        result[i] = CStringGetTextDatum(items[i].audit_result);
    }
    const Datum values[] = {uuids_of(items, n, [](const Failure& f) { return &f.lead; }),
                            errors_of(items, n),
                            make_array(at, nullptr, n, TIMESTAMPTZOID),
                            make_array(max, nullptr, n, INT4OID),
                            make_array(result, nullptr, n, TEXTOID),
                            Int32GetDatum(increment)};
    read_moves(execute(requeue_stmt, values, nullptr, false), nullptr, attempts);
}

void fail(const Failure* items, int n, int32 increment, int32* attempts) {
    if (n == 0) return;
    const Datum values[] = {uuids_of(items, n, [](const Failure& f) { return &f.lead; }),
                            errors_of(items, n), Int32GetDatum(increment)};
    read_moves(execute(fail_stmt, values, nullptr, false), nullptr, attempts);
}

TimestampTz next_retry_at(int32 attempts) {
    return GetCurrentTransactionStartTimestamp() +
           core::backoff_delay_us(attempts, pg_prng_double(&pg_global_prng_state));
}

}  // namespace lead_router::pg::transitions
