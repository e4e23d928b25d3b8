// Bounded deletes for retention.  The permission for routing_logs' append-only trigger is a
// C static tied to the local transaction id, so nothing a SQL user can set grants it, and an
// error in the middle cannot leave it granted to a later transaction.
#include "pg/history_pruning.h"

#include "pg/spi_statement.h"

extern "C" {
#include "storage/proc.h"
}

namespace lead_router::pg::history_pruning {
namespace {

LocalTransactionId pruning_in = InvalidLocalTransactionId;

// Run by a procedure without a pinned search_path (it commits between batches): every
// operator is qualified, so whatever the caller's search_path, nothing of theirs runs.
Statement prune_logs_stmt = {
    R"sql(
DELETE FROM lead_router.routing_logs
 WHERE id OPERATOR(pg_catalog.=) ANY (ARRAY(
       SELECT id FROM lead_router.routing_logs WHERE created_at OPERATOR(pg_catalog.<) $1
        ORDER BY created_at LIMIT $2)))sql",
    2,
    {TIMESTAMPTZOID, INT4OID}};

Statement prune_queue_stmt = {
    R"sql(
DELETE FROM lead_router.routing_queue
 WHERE id OPERATOR(pg_catalog.=) ANY (ARRAY(
       SELECT id FROM lead_router.routing_queue WHERE processed_at OPERATOR(pg_catalog.<) $1
        ORDER BY processed_at LIMIT $2)))sql",
    2,
    {TIMESTAMPTZOID, INT4OID}};

}  // namespace

bool pruning_now() { return pruning_in != InvalidLocalTransactionId && pruning_in == MyProc->lxid; }

Pruned prune_batch(TimestampTz cutoff, int32 batch_size) {
    const Datum values[] = {TimestampTzGetDatum(cutoff), Int32GetDatum(batch_size)};
    Pruned pruned{};
    pruning_in = MyProc->lxid;
    pruned.logs = static_cast<int64>(execute(prune_logs_stmt, values, nullptr, false));
    pruning_in = InvalidLocalTransactionId;
    pruned.queue_rows = static_cast<int64>(execute(prune_queue_stmt, values, nullptr, false));
    return pruned;
}

}  // namespace lead_router::pg::history_pruning
