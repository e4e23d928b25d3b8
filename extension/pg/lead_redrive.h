// redrive_failed_leads (SPEC.md "Arrival routing and the outcome feed"): failed leads back to
// pending, their attempts counted afresh, due now, with an open queue row that carries the
// new max_attempts and an audit row `redriven`.  Only failed leads move; every other lead is
// reported with the reason it did not.  Requires SPI_connect.
#pragma once

#include "pg/postgres_headers.h"

namespace lead_router::pg::redrive {

// What happened to one lead.
enum class Result {
    redriven,  // failed -> pending, due now
    expired,   // failed but past lead_expires_at: marked expired instead (never routed again)
    locked,    // another session holds the lead's row: nothing done, try again
    skipped,   // not failed: `status` says what it is
};

struct Item {
    pg_uuid_t lead;
    Result result;
    char status[16];  // the lead's routing_status when skipped
};

// Redrives the listed leads (a uuid[] datum without NULL elements; each distinct lead once,
// in the order given).  Access as route_lead checks it: every listed lead must exist and be
// of a source workspace the caller may act on, else P0002 for the first that is not, and
// nothing changes.  Returns the number of items written to *items (palloc'd).
int redrive_listed(Datum lead_ids, int32 max_attempts, Item** items);

// Redrives every failed lead of the workspaces the caller may act on (all of them for a
// caller that bypasses isolation); leads other sessions hold are left out.  Returns one
// item per lead redriven or expired, by lead id.
int redrive_all(int32 max_attempts, Item** items);

}  // namespace lead_router::pg::redrive
