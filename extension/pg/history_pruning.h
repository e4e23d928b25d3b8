// Retention of the audit log and the processed retry-queue rows.  routing_logs refuses
// DELETE to everyone (its append-only trigger) except this module while it prunes.
#pragma once

#include "pg/postgres_headers.h"

namespace lead_router::pg::history_pruning {

// True only inside prune_batch(), in the transaction that runs it.
bool pruning_now();

struct Pruned {
    int64 logs;
    int64 queue_rows;
};

// Deletes at most `batch_size` audit rows and `batch_size` processed queue rows older than
// `cutoff`.  Requires SPI_connect.
Pruned prune_batch(TimestampTz cutoff, int32 batch_size);

}  // namespace lead_router::pg::history_pruning
