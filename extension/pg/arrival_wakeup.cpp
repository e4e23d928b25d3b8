// Commit-time wake-up of the workers.  The callback runs after ProcArrayEndTransaction, so
// the worker's next snapshot sees the leads; it only reads a flag and a setting and sets
// latches (worker_status::wake), so it cannot raise or throw.  The flag remembers the
// (sub)transaction level that first wrote a due lead: a savepoint rolled back takes the flag
// with it when it set it, and a savepoint released hands it to its parent.
#include "pg/arrival_wakeup.h"

#include "pg/postgres_headers.h"

#include "pg/settings.h"
#include "pg/worker_status.h"

extern "C" {
#include "catalog/pg_enum.h"
#include "utils/syscache.h"
}

namespace lead_router::pg::arrival_wakeup {
namespace {

bool registered = false;
bool due_lead_written = false;
int due_lead_level = 0;  // the nest level of the (sub)transaction that set due_lead_written

bool is_pending(Datum status) {
    HeapTuple tuple = SearchSysCache1(ENUMOID, status);
    if (!HeapTupleIsValid(tuple)) return false;
    const bool pending = strcmp(NameStr(reinterpret_cast<Form_pg_enum>(GETSTRUCT(tuple))->enumlabel), "pending") == 0;
    ReleaseSysCache(tuple);
    return pending;
}

void on_transaction_end(XactEvent event, void*) noexcept {
    switch (event) {
        case XACT_EVENT_COMMIT:
        case XACT_EVENT_PARALLEL_COMMIT:
            if (due_lead_written && settings::route_on_arrival) worker_status::wake(MyDatabaseId);
            due_lead_written = false;
            break;
        case XACT_EVENT_ABORT:
        case XACT_EVENT_PARALLEL_ABORT:
        case XACT_EVENT_PREPARE:
            due_lead_written = false;
            break;
        default:
            break;
    }
}

void on_subtransaction_end(SubXactEvent event, SubTransactionId, SubTransactionId, void*) noexcept {
    if (!due_lead_written) return;
    const int level = GetCurrentTransactionNestLevel();
    if (due_lead_level < level) return;  // set by an outer level: not this one's to change
    switch (event) {
        case SUBXACT_EVENT_COMMIT_SUB:
            due_lead_level = level - 1;
            break;
        case SUBXACT_EVENT_ABORT_SUB:
            due_lead_written = false;
            break;
        default:
            break;
    }
}

}  // namespace

void register_callbacks() {
    RegisterXactCallback(on_transaction_end, nullptr);
    RegisterSubXactCallback(on_subtransaction_end, nullptr);
    registered = true;
}

void note_written_lead(Datum due_at, bool due_null, Datum status, bool status_null) {
    if (!registered || due_lead_written) return;
    // A lead table without routing_due_at (older than 0.2.0) passes a NULL: it is never
    // routed on arrival.
    if (due_null || DatumGetTimestampTz(due_at) > GetCurrentTimestamp()) return;
    if (!status_null && is_pending(status)) {
        due_lead_written = true;
        due_lead_level = GetCurrentTransactionNestLevel();
    }
}

}  // namespace lead_router::pg::arrival_wakeup
