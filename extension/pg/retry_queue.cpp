// The retry queue.  Queue rows are written by routing functions but can also be written by
// anyone with INSERT on the table, so each row is re-validated against its lead before use.
#include "pg/retry_queue.h"

#include <cstring>

#include "pg/access_control.h"
#include "pg/datum_convert.h"
#include "pg/lead_fields.h"
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

// A queue row that no longer describes a lead waiting for a retry.
Statement close_stale_stmt = {
    R"sql(
UPDATE lead_router.routing_queue SET processed_at = pg_catalog.now(), last_error = $2
 WHERE id = $1)sql",
    2,
    {INT8OID, TEXTOID}};

Statement outlook_stmt = {
    R"sql(
SELECT (SELECT count(*) FROM (SELECT 1 FROM lead_router.routing_queue
                               WHERE processed_at IS NULL AND next_retry_at <= pg_catalog.now()
                               LIMIT $1) due),
       (SELECT min(next_retry_at) FROM lead_router.routing_queue
         WHERE processed_at IS NULL AND next_retry_at > pg_catalog.now()))sql",
    1,
    {INT8OID}};

void close_stale(Datum queue_id, const char* reason) {
    const Datum values[] = {queue_id, CStringGetTextDatum(reason)};
    execute(close_stale_stmt, values, nullptr, false);
}

}  // namespace

Counts process(int32 batch_size) {
    Counts counts{};
    const access_control::BatchScope scope = access_control::batch_scope();
    const Datum pick_args[] = {Int32GetDatum(batch_size), BoolGetDatum(scope.bypass),
                               UUIDPGetDatum(&scope.user)};
    const char pick_nulls[] = {' ', ' ', scope.has_user ? ' ' : 'n'};
    execute(pick_due_stmt, pick_args, pick_nulls, false);
    SPITupleTable* rows = SPI_tuptable;
    const uint64 count = SPI_processed;
    for (uint64 i = 0; i < count; ++i) {
        bool isnull;
        const Datum queue_id = SPI_getbinval(rows->vals[i], rows->tupdesc, 1, &isnull);
        const Datum lead_id = SPI_getbinval(rows->vals[i], rows->tupdesc, 2, &isnull);
        const Datum workspace = SPI_getbinval(rows->vals[i], rows->tupdesc, 3, &isnull);
        const int32 max_attempts = Max(1, Min(kMaxAttemptsLimit, DatumGetInt32(
            SPI_getbinval(rows->vals[i], rows->tupdesc, 4, &isnull))));

        SPITupleTable* lead = route_flow::lock_lead(lead_id);
        if (lead == nullptr) {
            ++counts.skipped;  // held by another session (a missing lead cascades its rows away)
            continue;
        }
        HeapTuple row = lead->vals[0];
        const Datum source = SPI_getbinval(row, lead->tupdesc, lf::kSource, &isnull);
        const char* status = TextDatumGetCString(SPI_getbinval(row, lead->tupdesc, lf::kStatus, &isnull));
        if (std::memcmp(DatumGetUUIDP(source)->data, DatumGetUUIDP(workspace)->data, UUID_LEN) != 0) {
            close_stale(queue_id, "queue row does not match the lead's source workspace");
            ++counts.processed;
            continue;
        }
        if (strcmp(status, "pending") != 0 && strcmp(status, "routing") != 0) {
            close_stale(queue_id, psprintf("lead is %s", status));
            ++counts.processed;
            continue;
        }
        const route_flow::Outcome outcome = route_flow::route_row(row, lead->tupdesc, max_attempts);
        switch (outcome.status) {
            case route_flow::Status::routed:
            case route_flow::Status::duplicate: ++counts.routed; break;
            case route_flow::Status::queued: ++counts.requeued; break;
            case route_flow::Status::failed: ++counts.failed; break;
            case route_flow::Status::locked: ++counts.skipped; continue;
            case route_flow::Status::expired: close_stale(queue_id, "lead is expired"); break;
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
