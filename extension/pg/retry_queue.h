// Draining the retry queue (process_retry_queue and the background worker): due queue rows
// picked with SKIP LOCKED, each lead retried through the same routing flow as route_lead.
#pragma once

#include "pg/postgres_headers.h"

namespace lead_router::pg::retry_queue {

struct Counts {
    int32 processed;  // queue rows closed: routed + requeued + failed + expired + stale
    int32 routed;     // routed or routed as a duplicate
    int32 requeued;   // failed again: closed, with a new row at the next backoff
    int32 failed;     // failed for good at max_attempts
    int32 skipped;    // lead held by another session: left due for the next round
};

// Processes up to `batch_size` due queue rows.  Requires SPI_connect.
Counts process(int32 batch_size);

// Due rows (counted up to `limit`) and the earliest future retry (0 when none), for the
// worker's adaptive batch and its sleep.  Requires SPI_connect.
struct Outlook {
    int64 due;
    TimestampTz next_retry_at;
};
Outlook outlook(int64 limit);

}  // namespace lead_router::pg::retry_queue
