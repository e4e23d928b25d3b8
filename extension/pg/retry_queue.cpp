// The retry queue.  Queue rows are written by routing functions but can also be written by
// anyone with INSERT on the table, so each row is re-validated against its lead before use.
#include "pg/retry_queue.h"

#include <cstring>

#include "pg/access_control.h"
#include "pg/datum_convert.h"
#include "pg/lead_fields.h"
#include "pg/lead_index.h"
#include "pg/route_flow.h"
#include "pg/spi_statement.h"

namespace lead_router::pg::retry_queue {
namespace {

namespace lf = lead_fields;

// $2/$3: the caller's isolation scope (bypass, or the application user's workspaces).
Statement pick_due_stmt = {
    R"sql(
SELECT q.id, q.lead_id, q.workspace_id, q.max_attempts
  FROM lead_router.routing_queue q
 WHERE q.processed_at IS NULL AND q.next_retry_at <= pg_catalog.now()
   AND ($2 OR q.workspace_id IN (SELECT w.workspace_id FROM lead_router.user_workspaces w
                                  WHERE w.user_id = $3))
 ORDER BY q.next_retry_at
 LIMIT $1
   FOR UPDATE SKIP LOCKED)sql",
    3,
    {INT4OID, BOOLOID, UUIDOID}};

// Queue rows that no longer describe a lead waiting for a retry, closed with their reasons.
Statement close_stale_stmt = {
    R"sql(
UPDATE lead_router.routing_queue q SET processed_at = pg_catalog.now(), last_error = i.reason
  FROM unnest($1::int8[], $2::text[]) AS i(id, reason)
 WHERE q.id = i.id)sql",
    2,
    {INT8ARRAYOID, TEXTARRAYOID}};

Statement outlook_stmt = {
    R"sql(
SELECT (SELECT count(*) FROM (SELECT 1 FROM lead_router.routing_queue
                               WHERE processed_at IS NULL AND next_retry_at <= pg_catalog.now()
                               LIMIT $1) due),
       (SELECT min(next_retry_at) FROM lead_router.routing_queue
         WHERE processed_at IS NULL AND next_retry_at > pg_catalog.now()))sql",
    1,
    {INT8OID}};

}  // namespace

Counts process(int32 batch_size) {
    Counts counts{};
    const access_control::BatchScope scope = access_control::batch_scope();
    const Datum pick_args[] = {Int32GetDatum(route_flow::leads_per_transaction(batch_size)),
                               BoolGetDatum(scope.bypass), UUIDPGetDatum(&scope.user)};
    const char pick_nulls[] = {' ', ' ', scope.has_user ? ' ' : 'n'};
    const int n = static_cast<int>(execute(pick_due_stmt, pick_args, pick_nulls, false));
    if (n == 0) return counts;
    SPITupleTable* queue = SPI_tuptable;
    const auto queue_column = [&](int i, int col) {
        bool isnull;
        return SPI_getbinval(queue->vals[i], queue->tupdesc, col, &isnull);
    };

    // Lock the queue rows' leads in one statement; a lead another session holds is skipped.
    Datum* lead_ids = static_cast<Datum*>(palloc(sizeof(Datum) * n));
    for (int i = 0; i < n; ++i) lead_ids[i] = queue_column(i, 2);
    SPITupleTable* leads = route_flow::lock_leads(make_array(lead_ids, nullptr, n, UUIDOID));
    const int locked = static_cast<int>(SPI_processed);
    lead_by_id_hash* locked_by_id = lead_index::by_id(locked);
    for (int k = 0; k < locked; ++k) {
        bool isnull;
        const Datum id = SPI_getbinval(leads->vals[k], leads->tupdesc, lf::kId, &isnull);
        lead_index::add(locked_by_id, *DatumGetUUIDP(id), k);
    }

    HeapTuple* rows = static_cast<HeapTuple*>(palloc(sizeof(HeapTuple) * n));
    int32* max_attempts = static_cast<int32*>(palloc(sizeof(int32) * n));
    Datum* stale_ids = static_cast<Datum*>(palloc(sizeof(Datum) * n));
    Datum* stale_reasons = static_cast<Datum*>(palloc(sizeof(Datum) * n));
    int routable = 0, stale = 0;
    for (int i = 0; i < n; ++i) {
        const int k = lead_index::find(locked_by_id, *DatumGetUUIDP(lead_ids[i]));
        if (k < 0) {
            ++counts.skipped;  // held by another session (a deleted lead cascades its rows away)
            continue;
        }
        HeapTuple row = leads->vals[k];
        bool isnull;
        const Datum source = SPI_getbinval(row, leads->tupdesc, lf::kSource, &isnull);
        const char* status = TextDatumGetCString(SPI_getbinval(row, leads->tupdesc, lf::kStatus, &isnull));
        const char* reason = nullptr;
        if (memcmp(DatumGetUUIDP(source)->data, DatumGetUUIDP(queue_column(i, 3))->data, UUID_LEN) != 0) {
            reason = "queue row does not match the lead's source workspace";
        } else if (strcmp(status, "pending") != 0 && strcmp(status, "routing") != 0) {
            reason = psprintf("lead is %s", status);
        }
        if (reason != nullptr) {
            stale_ids[stale] = queue_column(i, 1);
            stale_reasons[stale++] = CStringGetTextDatum(reason);
            continue;
        }
        rows[routable] = row;
        max_attempts[routable++] = Max(1, Min(kMaxAttemptsLimit, DatumGetInt32(queue_column(i, 4))));
    }
    if (stale > 0) {
        const Datum args[] = {make_array(stale_ids, nullptr, stale, INT8OID),
                              make_array(stale_reasons, nullptr, stale, TEXTOID)};
        execute(close_stale_stmt, args, nullptr, false);
        counts.processed += stale;
    }

    route_flow::Outcome* outcomes =
        static_cast<route_flow::Outcome*>(palloc(sizeof(route_flow::Outcome) * (routable + 1)));
    route_flow::route_rows(rows, leads->tupdesc, routable, max_attempts, outcomes);
    for (int i = 0; i < routable; ++i) {
        switch (outcomes[i].status) {
            case route_flow::Status::routed:
            case route_flow::Status::duplicate:
                ++counts.routed;
                break;
            case route_flow::Status::queued:
            case route_flow::Status::deferred:
                ++counts.requeued;
                break;
            case route_flow::Status::failed:
                ++counts.failed;
                break;
            case route_flow::Status::expired:
                break;  // its queue row is closed: processed
            case route_flow::Status::locked:
                ++counts.skipped;
                continue;
        }
        ++counts.processed;
    }
    return counts;
}

Outlook outlook(int64 limit) {
    const Datum values[] = {Int64GetDatum(limit)};
    execute(outlook_stmt, values, nullptr, true);
    bool isnull;
    Outlook o{};
    o.due = DatumGetInt64(column(0, 1, &isnull));
    const Datum next = column(0, 2, &isnull);
    o.next_retry_at = isnull ? 0 : DatumGetTimestampTz(next);
    return o;
}

}  // namespace lead_router::pg::retry_queue
