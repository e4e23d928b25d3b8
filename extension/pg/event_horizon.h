// The gap-free horizon of routing_events() (SPEC.md "Arrival routing and the outcome feed"):
// the lowest audit id that a transaction still running may yet commit.  Every row below it
// that will ever commit has committed, so a consumer that reads ids below the horizon and
// remembers the last one never skips a row that commits late with a smaller id.
//
// How.  routing_logs.id comes from an identity sequence with CACHE 1: each nextval goes to
// the shared sequence, so the sequence's last value bounds every id handed out so far.  A
// BEFORE INSERT FOR EACH STATEMENT trigger on routing_logs (statement triggers fire before
// the statement evaluates its rows' id defaults) registers, once per transaction, a floor in
// this backend's shared-memory slot: the last value + 1, a lower bound of every id the
// transaction can still draw.  The slot is cleared when the transaction commits or aborts,
// in the transaction callback, which runs after ProcArrayEndTransaction: by then its rows are
// visible to every new snapshot.  The horizon is min(last value + 1 read first, every floor
// read after it); routing_events() then takes a fresh snapshot and reads ids below it.
//
// Why no row is skipped.  Take a row r, id i < horizon h, of a transaction T that commits.
// T registered its floor f <= i before drawing i (store, full barrier, then nextval under the
// sequence's buffer lock).  When the reader looked at T's slot it saw either
//   * f: then h <= f <= i, contradicting i < h;
//   * nothing yet: then T's nextval came after the reader's read of the last value L (had it
//     come before, the buffer lock would order T's store before that read, and the reader's
//     barrier before the slot read would make it see f); so i > L, i >= L + 1 >= h, again a
//     contradiction;
//   * nothing any more: T had cleared it, after ProcArrayEndTransaction; the reader's barrier
//     orders its snapshot (taken afterwards) after that, so r is in the snapshot.
// Hence every row below h that ever commits is in the reader's snapshot, and rows are read
// in id order: the cursor only moves past rows that were returned or will never exist.
//
// Limits (README "The outcome feed").  A transaction that wrote audit rows holds the horizon
// back until it ends (keep routing transactions short); PREPARE TRANSACTION of such a
// transaction is refused (its rows would become visible later, from another backend's
// COMMIT PREPARED); ids given explicitly (OVERRIDING SYSTEM VALUE) and rows applied by a
// logical-replication subscription (which fires no statement triggers) are outside the
// guarantee; without shared_preload_libraries there is no shared memory and no feed.
#pragma once

#include "pg/postgres_headers.h"

namespace lead_router::pg::event_horizon {

// Installs the shared-memory hooks and the transaction and relcache callbacks; called from
// _PG_init while preloading.
void request_shared_memory();

// Whether the floors exist (the library was preloaded).
bool available();

// lead_router.routing_logs, or InvalidOid when the extension is not installed.
Oid audit_relation();

// The statement trigger: registers this transaction's floor (once per transaction).
void register_floor(Oid routing_logs);

// Whether this transaction registered a floor: it wrote audit rows.
bool holding_floor();

// Raises 55000 unless routing_logs.id's sequence hands out ids one at a time, increasing
// (CACHE 1, a positive INCREMENT, NO CYCLE): what the horizon relies on.
void require_gap_free_sequence(Oid routing_logs);

// The horizon: every audit id below it that will ever commit has committed.
int64 horizon(Oid routing_logs);

// The id sequence's last value (0 when no id was drawn yet).
int64 last_drawn(Oid routing_logs);

}  // namespace lead_router::pg::event_horizon
