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

// The skeleton every move shares, in the order it runs:
//   MOVE_INPUT   the items, as parallel arrays with their ordinal n;
//   MOVE_LEADS   the leads updated (only those still matching `where`), returning what the
//                later parts read: id, source_workspace_id, routing_attempts, n, `returning`;
//   MOVE_CLOSE   their open queue rows closed;
//   MOVE_AUDIT   one audit row per moved lead;
//   MOVE_RESULT  (n, routing_attempts) of every lead moved.
#define MOVE_INPUT(arrays, columns) \
    "WITH input AS (SELECT * FROM unnest(" arrays ") WITH ORDINALITY AS i(" columns ", n))"
#define MOVE_LEADS(set, where, returning)                                                    \
    ", lead AS (UPDATE lead_router.leads l SET " set " FROM input i WHERE l.id = i.id" where \
    " RETURNING l.id, l.source_workspace_id, l.routing_attempts, i.n" returning ")"
#define MOVE_CLOSE(set, returning)                                                            \
    ", closed AS (UPDATE lead_router.routing_queue q SET processed_at = pg_catalog.now()" set \
    " FROM lead WHERE q.lead_id = lead.id AND q.processed_at IS NULL" returning ")"
#define MOVE_AUDIT(columns, values)                                                            \
    ", audit AS (INSERT INTO lead_router.routing_logs (lead_id, source_workspace_id, " columns \
    ") SELECT id, source_workspace_id, " values " FROM lead)"
#define MOVE_RESULT " SELECT n, routing_attempts FROM lead"

// Clears the routing lock; and counts the attempt unless `increment` (a parameter) is 0,
// which the primitives pass because acquire_routing_lock counted it already.
#define UNLOCK "routing_locked_by = NULL, routing_locked_at = NULL"
#define COUNT_ATTEMPT(increment)                                                                              \
    "routing_attempts = l.routing_attempts + " increment ", routing_last_attempted_at = CASE WHEN " increment \
    " > 0 THEN pg_catalog.now()"                                                                              \
    " ELSE l.routing_last_attempted_at END"

// $1 leads, $2 destinations, $3 rules (elements may be NULL), $4 owner or NULL, $5 increment,
// $6 the destinations passed over (elements may be NULL)
Statement route_to_stmt = {
    MOVE_INPUT("$1::uuid[], $2::uuid[], $3::uuid[], $6::jsonb[]", "id, destination, rule, skipped")
        MOVE_LEADS("routing_status = 'routed', workspace_id = i.destination, routing_error = NULL, "
                   "routed_at = pg_catalog.clock_timestamp(), " UNLOCK ", " COUNT_ATTEMPT("$5"),
                   " AND ($4::uuid IS NULL OR (l.routing_status = 'routing' AND l.routing_locked_by = $4))"
                   " AND EXISTS (SELECT 1 FROM lead_router.workspaces w"
                   "              WHERE w.id = i.destination AND w.is_active)",
                   ", i.destination, i.rule, i.skipped") MOVE_CLOSE("", "")
            MOVE_AUDIT("destination_workspace_id, matched_rule_id, routing_result, attempt, skipped_destinations",
                       "destination, rule, 'success', routing_attempts, skipped") MOVE_RESULT,
    6,
    {UUIDARRAYOID, UUIDARRAYOID, UUIDARRAYOID, UUIDOID, INT4OID, JSONBARRAYOID}};

// $1 leads, $2 when each may be tried again, $3 max attempts, $4 why, $5 the candidates:
// back to pending without counting an attempt, a queue row due when a destination may have
// room (never after the lead expires)
Statement defer_stmt = {
    MOVE_INPUT("$1::uuid[], $2::timestamptz[], $3::int4[], $4::text[], $5::jsonb[]",
               "id, due, max_attempts, reason, skipped")
        MOVE_LEADS("routing_status = 'pending', routing_error = i.reason, "
                   "routing_due_at = LEAST(i.due, l.lead_expires_at), " UNLOCK,
                   "", ", l.routing_due_at, i.max_attempts, i.reason, i.skipped") MOVE_CLOSE("", " RETURNING q.id")
    // reads `closed`, so the open row is closed before its successor is inserted
    ", queued AS (INSERT INTO lead_router.routing_queue"
    "     (lead_id, workspace_id, attempt_number, max_attempts, next_retry_at, last_error)"
    "   SELECT id, source_workspace_id, routing_attempts + 1,"
    "          GREATEST(max_attempts, routing_attempts + 1), routing_due_at, reason"
    "     FROM lead, (SELECT count(*) FROM closed) AS previous)" MOVE_AUDIT(
        "routing_result, error_message, attempt, skipped_destinations", "'deferred', reason, routing_attempts, skipped")
        MOVE_RESULT,
    5,
    {UUIDARRAYOID, TIMESTAMPTZARRAYOID, INT4ARRAYOID, TEXTARRAYOID, JSONBARRAYOID}};

Statement lock_originals_stmt = {
    "SELECT id FROM lead_router.leads WHERE id = ANY ($1) FOR KEY SHARE SKIP LOCKED", 1, {UUIDARRAYOID}};

// $1 leads, $2 originals, $3 the originals' owners, $4 the keys that matched
Statement duplicates_stmt = {
    MOVE_INPUT("$1::uuid[], $2::uuid[], $3::uuid[], $4::text[]", "id, original, owner, key")
        MOVE_LEADS("routing_status = 'routed', duplicate_of = i.original, "
                   "workspace_id = l.source_workspace_id, routing_error = NULL, "
                   "routed_at = pg_catalog.clock_timestamp(), " UNLOCK ", " COUNT_ATTEMPT("1"),
                   "", ", i.original, i.owner, i.key") MOVE_CLOSE("", "")
            MOVE_AUDIT("duplicate_owner_workspace_id, duplicate_key, routing_result, error_message, attempt",
                       "owner, key, 'duplicate', 'duplicate of lead ' || original::text, routing_attempts") MOVE_RESULT,
    4,
    {UUIDARRAYOID, UUIDARRAYOID, UUIDARRAYOID, TEXTARRAYOID}};

// $1 leads, $2 errors, $3 next retry times, $4 max attempts, $5 audit results, $6 increment
Statement requeue_stmt = {MOVE_INPUT("$1::uuid[], $2::text[], $3::timestamptz[], $4::int4[], $5::text[]",
                                     "id, error, next_retry_at, max_attempts, result")
                              MOVE_LEADS("routing_status = 'pending', routing_error = i.error, "
                                         "routing_due_at = i.next_retry_at, " UNLOCK ", " COUNT_ATTEMPT("$6"),
                                         "", ", i.error, i.next_retry_at, i.max_attempts, i.result")
                                  MOVE_CLOSE("", " RETURNING q.id")
                          // reads `closed`, so the open rows are closed before their successors are inserted
                          ", queued AS (INSERT INTO lead_router.routing_queue"
                          "     (lead_id, workspace_id, attempt_number, max_attempts, next_retry_at, last_error)"
                          "   SELECT id, source_workspace_id, routing_attempts + 1, max_attempts, next_retry_at, error"
                          "     FROM lead, (SELECT count(*) FROM closed) AS previous)" MOVE_AUDIT(
                              "routing_result, error_message, attempt", "result, error, routing_attempts") MOVE_RESULT,
                          6,
                          {UUIDARRAYOID, TEXTARRAYOID, TIMESTAMPTZARRAYOID, INT4ARRAYOID, TEXTARRAYOID, INT4OID}};

// $1 leads, $2 errors, $3 increment
Statement fail_stmt = {
    MOVE_INPUT("$1::uuid[], $2::text[]", "id, error") MOVE_LEADS(
        "routing_status = 'failed', routing_error = i.error, " UNLOCK ", " COUNT_ATTEMPT("$3"), "", ", i.error")
        MOVE_CLOSE(", last_error = lead.error", "")
            MOVE_AUDIT("routing_result, error_message, attempt", "'failed', error, routing_attempts") MOVE_RESULT,
    3,
    {UUIDARRAYOID, TEXTARRAYOID, INT4OID}};

// $1 leads: those still pending or failed and past lead_expires_at
Statement expire_stmt = {MOVE_INPUT("$1::uuid[]", "id") MOVE_LEADS("routing_status = 'expired'",
                                                                   " AND l.routing_status IN ('pending', 'failed')"
                                                                   " AND l.lead_expires_at < pg_catalog.now()",
                                                                   "") MOVE_CLOSE(", last_error = 'lead expired'", "")
                             MOVE_AUDIT("routing_result, attempt", "'expired', routing_attempts") MOVE_RESULT,
                         1,
                         {UUIDARRAYOID}};

// $1 leads in routing, $2 the audit message of each: back to pending, the lock released
Statement release_stmt = {
    MOVE_INPUT("$1::uuid[], $2::text[]", "id, message")
        MOVE_LEADS("routing_status = 'pending', routing_error = 'routing lock expired', " UNLOCK,
                   " AND l.routing_status = 'routing'", ", i.message")
            MOVE_AUDIT("routing_result, error_message, attempt", "'released', message, routing_attempts") MOVE_RESULT,
    2,
    {UUIDARRAYOID, TEXTARRAYOID}};

#undef MOVE_INPUT
#undef MOVE_LEADS
#undef MOVE_CLOSE
#undef MOVE_AUDIT
#undef MOVE_RESULT
#undef UNLOCK
#undef COUNT_ATTEMPT

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
        if (attempts != nullptr) attempts[ordinal - 1] = column_int32(r, 2);
    }
}

Datum errors_of(const Failure* items, int n) {
    Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
    for (int i = 0; i < n; ++i) elems[i] = clipped_text(items[i].error, kMaxStoredErrorBytes);
    return make_array(elems, nullptr, n, TEXTOID);
}

// A jsonb[] of one optional document per item.
template <typename Item>
Datum documents_of(const Item* items, int n) {
    Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
    bool* nulls = static_cast<bool*>(palloc(sizeof(bool) * (n + 1)));
    for (int i = 0; i < n; ++i) {
        nulls[i] = items[i].skipped == (Datum)0;
        elems[i] = items[i].skipped;
    }
    return make_array(elems, nulls, n, JSONBOID);
}

}  // namespace

void route_to(const Routed* items, int n, const pg_uuid_t* owner, int32 increment, bool* moved, int32* attempts) {
    if (n == 0) return;
    memset(moved, 0, sizeof(bool) * n);
    const Datum values[] = {uuids_of(items, n, [](const Routed& r) { return &r.lead; }),
                            uuids_of(items, n, [](const Routed& r) { return &r.destination; }),
                            uuids_of(items, n, [](const Routed& r) { return r.has_rule ? &r.rule : nullptr; }),
                            owner ? UUIDPGetDatum(const_cast<pg_uuid_t*>(owner)) : (Datum)0,
                            Int32GetDatum(increment),
                            documents_of(items, n)};
    const char nulls[] = {' ', ' ', ' ', owner ? ' ' : 'n', ' ', ' '};
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
            locked[i] = memcmp(DatumGetUUIDP(column(r, 1, &isnull))->data, items[i].original.data, UUID_LEN) == 0;
        }
    }
}

void mark_duplicates(const Duplicate* items, int n, int32* attempts) {
    if (n == 0) return;
    Datum* keys = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
    for (int i = 0; i < n; ++i) keys[i] = CStringGetTextDatum(core::duplicate_key_name(items[i].key));
    const Datum values[] = {uuids_of(items, n, [](const Duplicate& d) { return &d.lead; }),
                            uuids_of(items, n, [](const Duplicate& d) { return &d.original; }),
                            uuids_of(items, n, [](const Duplicate& d) { return &d.owner; }),
                            make_array(keys, nullptr, n, TEXTOID)};
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
    const Datum values[] = {uuids_of(items, n, [](const Failure& f) { return &f.lead; }), errors_of(items, n),
                            Int32GetDatum(increment)};
    read_moves(execute(fail_stmt, values, nullptr, false), nullptr, attempts);
}

void defer(const Deferral* items, int n) {
    if (n == 0) return;
    Datum* due = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
    Datum* max = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
    Datum* reason = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
    for (int i = 0; i < n; ++i) {
        due[i] = TimestampTzGetDatum(items[i].due);
        max[i] = Int32GetDatum(items[i].max_attempts);
        reason[i] = clipped_text(items[i].reason, kMaxStoredErrorBytes);
    }
    const Datum values[] = {uuids_of(items, n, [](const Deferral& d) { return &d.lead; }),
                            make_array(due, nullptr, n, TIMESTAMPTZOID), make_array(max, nullptr, n, INT4OID),
                            make_array(reason, nullptr, n, TEXTOID), documents_of(items, n)};
    execute(defer_stmt, values, nullptr, false);
}

void expire(const pg_uuid_t* leads, int n, bool* expired) {
    if (n == 0) return;
    memset(expired, 0, sizeof(bool) * n);
    const Datum values[] = {uuids_of(leads, n, [](const pg_uuid_t& id) { return &id; })};
    read_moves(execute(expire_stmt, values, nullptr, false), expired, nullptr);
}

int64 release(const pg_uuid_t* leads, const Datum* messages, int n) {
    if (n == 0) return 0;
    const Datum values[] = {uuids_of(leads, n, [](const pg_uuid_t& id) { return &id; }),
                            make_array(messages, nullptr, n, TEXTOID)};
    return static_cast<int64>(execute(release_stmt, values, nullptr, false));
}

TimestampTz next_retry_at(int32 attempts) {
    return GetCurrentTransactionStartTimestamp() +
           core::backoff_delay_us(attempts, pg_prng_double(&pg_global_prng_state));
}

}  // namespace lead_router::pg::transitions
