// The commit-time wake-up of SPEC.md "Arrival routing": a transaction that wrote a pending
// lead that is due (a new lead, a retry made due, a redriven or released lead) sets, when it
// commits, the latch of a worker of its database, so the lead is routed without waiting for
// lead_router.worker_naptime.  Never at abort, for a lead whose savepoint was rolled back,
// or at PREPARE TRANSACTION (a prepared transaction's leads are found by the worker's next
// look, as are those of a transaction whose wake-up was missed: polling at worker_naptime
// stays the backstop).
#pragma once

#include "pg/postgres_headers.h"

namespace lead_router::pg::arrival_wakeup {

// Registers the transaction callback; called from _PG_init while preloading.
void register_callbacks();

// The leads trigger: notes, in a backend-local flag, when the lead as it will be written
// (its routing_due_at and routing_status) is pending and due now.  A no-op unless preloaded.
void note_written_lead(Datum due_at, bool due_null, Datum status, bool status_null);

}  // namespace lead_router::pg::arrival_wakeup
