// The redrive of failed leads (lead_redrive.h): access checked first (listed leads), rows
// locked without waiting, then one set-based statement that moves the failed leads, closes
// any open queue row, opens the new one and writes the audit rows together, in the style of
// the other moves (lead_moves.cpp).  Failed leads past lead_expires_at are expired instead,
// through the same move as every other expiry.
#include "pg/lead_redrive.h"

#include <cstring>

#include "pg/access_control.h"
#include "pg/datum_convert.h"
#include "pg/lead_transitions.h"
#include "pg/spi_statement.h"

namespace lead_router::pg::redrive {
namespace {

// The listed leads, each once in the order first given, whether each exists, and whether
// the caller may act on its source workspace.  $2/$3: the caller's isolation scope.
Statement access_stmt = {
    R"sql(
SELECT i.id, l.id IS NOT NULL,
       coalesce($2 OR l.source_workspace_id IN (SELECT w.workspace_id FROM lead_router.user_workspaces w
                                                 WHERE w.user_id = $3), false)
  FROM (SELECT DISTINCT ON (u.id) u.id, u.n
          FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, n) ORDER BY u.id, u.n) i
  LEFT JOIN lead_router.leads l ON l.id = i.id
 ORDER BY i.n)sql",
    3,
    {UUIDARRAYOID, BOOLOID, UUIDOID}};

// The columns both lock statements return, in order: kOrdinal is the lead's place in the
// list (NULL for the failed leads, which are numbered as they come: FOR UPDATE allows no
// window function).
enum LockColumn { kOrdinal = 1, kId, kStatus, kAttempts, kPastExpiry };

Statement lock_listed_stmt = {
    R"sql(
SELECT i.n, l.id, l.routing_status::text, l.routing_attempts, l.lead_expires_at < pg_catalog.now()
  FROM lead_router.leads l JOIN unnest($1::uuid[]) WITH ORDINALITY AS i(id, n) ON l.id = i.id
   FOR UPDATE OF l SKIP LOCKED)sql",
    1,
    {UUIDARRAYOID}};

// Served by leads_failed_idx.  $1/$2: the caller's isolation scope.
Statement lock_failed_stmt = {
    R"sql(
SELECT NULL::int8, l.id, l.routing_status::text, l.routing_attempts, l.lead_expires_at < pg_catalog.now()
  FROM lead_router.leads l
 WHERE l.routing_status = 'failed'
   AND ($1 OR l.source_workspace_id IN (SELECT w.workspace_id FROM lead_router.user_workspaces w
                                         WHERE w.user_id = $2))
 ORDER BY l.id
   FOR UPDATE OF l SKIP LOCKED)sql",
    2,
    {BOOLOID, UUIDOID}};

// $1 leads, $2 their attempts so far, $3 max_attempts.  failed -> pending with the attempts
// counted afresh and due now (the leads trigger wakes the worker at commit); an open queue
// row (there should be none for a failed lead) is closed before its successor opens, and the
// successor carries max_attempts for the retry queue.  Returns the ordinal of each lead moved.
Statement redrive_stmt = {
    R"sql(
WITH input AS (SELECT * FROM unnest($1::uuid[], $2::int4[]) WITH ORDINALITY AS i(id, previous, n)),
lead AS (UPDATE lead_router.leads l
            SET routing_status = 'pending', routing_attempts = 0, routing_due_at = pg_catalog.now(),
                routing_locked_by = NULL, routing_locked_at = NULL
           FROM input i
          WHERE l.id = i.id AND l.routing_status = 'failed'
      RETURNING l.id, l.source_workspace_id, l.routing_error, i.previous, i.n),
closed AS (UPDATE lead_router.routing_queue q
              SET processed_at = pg_catalog.now(), last_error = 'superseded by redrive_failed_leads'
             FROM lead WHERE q.lead_id = lead.id AND q.processed_at IS NULL
        RETURNING q.id),
queued AS (INSERT INTO lead_router.routing_queue
                  (lead_id, workspace_id, attempt_number, max_attempts, next_retry_at, last_error)
           SELECT id, source_workspace_id, 1, $3, pg_catalog.now(), routing_error
             FROM lead, (SELECT count(*) FROM closed) AS previous_rows),
audit AS (INSERT INTO lead_router.routing_logs
                 (lead_id, source_workspace_id, routing_result, error_message, attempt)
          SELECT id, source_workspace_id, 'redriven',
                 pg_catalog.format('redriven after attempt %s (attempts counted afresh, max_attempts %s)', previous, $3), 0
            FROM lead)
SELECT n FROM lead)sql",
    3,
    {UUIDARRAYOID, INT4ARRAYOID, INT4OID}};

// Settles the locked rows of SPI_tuptable (LockColumn columns) into items[ordinal - 1], or
// items[row] without an ordinal.
void settle_locked(Item* items, int32 max_attempts) {
    SPITupleTable* locked = SPI_tuptable;
    const int m = static_cast<int>(SPI_processed);
    Datum* redrive_ids = static_cast<Datum*>(palloc(sizeof(Datum) * (m + 1)));
    Datum* previous = static_cast<Datum*>(palloc(sizeof(Datum) * (m + 1)));
    int* redrive_item = static_cast<int*>(palloc(sizeof(int) * (m + 1)));
    pg_uuid_t* expire_ids = static_cast<pg_uuid_t*>(palloc(sizeof(pg_uuid_t) * (m + 1)));
    int* expire_item = static_cast<int*>(palloc(sizeof(int) * (m + 1)));
    int nr = 0, ne = 0;
    for (int r = 0; r < m; ++r) {
        bool isnull;
        const auto get = [&](int col) { return SPI_getbinval(locked->vals[r], locked->tupdesc, col, &isnull); };
        const Datum ordinal = get(kOrdinal);
        const int index = isnull ? r : static_cast<int>(DatumGetInt64(ordinal)) - 1;
        Item& item = items[index];
        item.lead = *DatumGetUUIDP(get(kId));
        const char* status = TextDatumGetCString(get(kStatus));
        strlcpy(item.status, status, sizeof item.status);
        if (strcmp(status, "failed") != 0) {
            item.result = Result::skipped;
        } else if (DatumGetBool(get(kPastExpiry))) {
            expire_ids[ne] = item.lead;
            expire_item[ne++] = index;
        } else {
            redrive_ids[nr] = UUIDPGetDatum(&item.lead);
            previous[nr] = get(kAttempts);
            redrive_item[nr++] = index;
        }
    }
    bool* expired = static_cast<bool*>(palloc(sizeof(bool) * (ne + 1)));
    transitions::expire(expire_ids, ne, expired);
    for (int k = 0; k < ne; ++k) {
        Item& item = items[expire_item[k]];
        item.result = expired[k] ? Result::expired : Result::skipped;
        if (expired[k]) strlcpy(item.status, "expired", sizeof item.status);
    }
    if (nr == 0) return;
    const Datum args[] = {make_array(redrive_ids, nullptr, nr, UUIDOID), make_array(previous, nullptr, nr, INT4OID),
                          Int32GetDatum(max_attempts)};
    const uint64 moved = execute(redrive_stmt, args, nullptr, false);
    for (uint64 r = 0; r < moved; ++r) {
        bool isnull;
        Item& item = items[redrive_item[DatumGetInt64(column(r, 1, &isnull)) - 1]];
        item.result = Result::redriven;
        strlcpy(item.status, "pending", sizeof item.status);
    }
}

}  // namespace

int redrive_listed(Datum lead_ids, int32 max_attempts, Item** items) {
    const access_control::BatchScope scope = access_control::batch_scope();
    const Datum access_args[] = {lead_ids, BoolGetDatum(scope.bypass), UUIDPGetDatum(&scope.user)};
    const char access_nulls[] = {' ', ' ', scope.has_user ? ' ' : 'n'};
    const int n = static_cast<int>(execute(access_stmt, access_args, access_nulls, true));
    Datum* distinct = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
    *items = static_cast<Item*>(palloc0(sizeof(Item) * (n + 1)));
    for (int i = 0; i < n; ++i) {
        bool isnull;
        const Datum id = column(i, 1, &isnull);
        // An unknown lead and one of another workspace look the same (route_lead does so).
        if (!column_bool(i, 2) || !column_bool(i, 3)) transitions::raise_unknown_lead(id);
        distinct[i] = id;
        (*items)[i].lead = *DatumGetUUIDP(id);
        (*items)[i].result = Result::locked;  // unless the lock below returns it
    }
    if (n == 0) return 0;
    const Datum lock_args[] = {make_array(distinct, nullptr, n, UUIDOID)};
    execute(lock_listed_stmt, lock_args, nullptr, false);
    settle_locked(*items, max_attempts);
    return n;
}

int redrive_all(int32 max_attempts, Item** items) {
    const access_control::BatchScope scope = access_control::batch_scope();
    const Datum args[] = {BoolGetDatum(scope.bypass), UUIDPGetDatum(&scope.user)};
    const char nulls[] = {' ', scope.has_user ? ' ' : 'n'};
    const int n = static_cast<int>(execute(lock_failed_stmt, args, nulls, false));
    *items = static_cast<Item*>(palloc0(sizeof(Item) * (n + 1)));
    settle_locked(*items, max_attempts);
    return n;
}

}  // namespace lead_router::pg::redrive
