// Two shared hash tables under one LWLock: cap windows keyed by (database, partner, period,
// window start) and pool credits keyed by (database, rule, member).  The undo log of this
// backend's transaction lives in TopMemoryContext and is sized by reserve() before the lock
// is taken.
#include "pg/distribution_memory.h"

#include <cstring>

#include "pg/datum_convert.h"
#include "pg/spi_statement.h"

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/array.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
}

namespace lead_router::pg::distribution_memory {
namespace {

// Room for about 2 MB: a cap window per partner and period in use, a credit per pool member.
constexpr long kMaxCapWindows = 16384;
constexpr long kMaxCredits = 16384;
// Windows that ended this long ago, and credits of pools not routed over for this long, make
// room when a table is full.
constexpr int64 kStaleAfter = USECS_PER_DAY;

// `generation`: the relfilenode of the table whose rows the state stands for (leads for cap
// windows, routing_pool_state for credits).  A new extension or a TRUNCATE gives new keys, so
// state of rows that are gone is never read again (it ages out).
struct CapEntryKey {
    Oid database;
    Oid generation;
    int32 period;
    int32 unused;
    TimestampTz window_start;
    pg_uuid_t workspace;
};
struct CapEntry {
    CapEntryKey key;
    TimestampTz window_end;
    int32 used;
};
struct CreditEntryKey {
    Oid database;
    Oid generation;
    pg_uuid_t rule;
    pg_uuid_t member;
};
struct CreditEntry {
    CreditEntryKey key;
    TimestampTz touched;
    int64 credit;
};

LWLock* state_lock = nullptr;
// Bumped by every change of a count or a credit (under the lock): the worker checkpoints
// only when it moved.
pg_atomic_uint64* change_count = nullptr;
HTAB* caps = nullptr;
HTAB* credits = nullptr;
shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;

// This backend's deltas in the current transaction, with the nesting level that made them.
struct Delta {
    bool cap;
    CapEntryKey cap_key;
    CreditEntryKey credit_key;
    int64 delta;
    int level;
};
Delta* deltas = nullptr;
int delta_count = 0;
int delta_room = 0;
bool callbacks_registered = false;

// The generations of this transaction, looked up before the lock is taken (a catalog lookup
// may read and lock catalogs, which must not happen under an LWLock).
LocalTransactionId generations_of = InvalidLocalTransactionId;
Oid leads_generation = InvalidOid;
Oid pools_generation = InvalidOid;

Oid relfilenode_of(Oid schema, const char* table) {
    const Oid relid = get_relname_relid(table, schema);
    if (!OidIsValid(relid)) return InvalidOid;
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(tuple)) return InvalidOid;
    const Oid node = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relfilenode;
    ReleaseSysCache(tuple);
    return node;
}

void look_up_generations() {
    if (generations_of == MyProc->lxid && OidIsValid(leads_generation)) return;
    const Oid schema = get_namespace_oid("lead_router", false);
    leads_generation = relfilenode_of(schema, "leads");
    pools_generation = relfilenode_of(schema, "routing_pool_state");
    generations_of = MyProc->lxid;
}

CapEntryKey cap_key_of(const CapKey& key) {
    CapEntryKey k;
    std::memset(&k, 0, sizeof k);
    k.database = MyDatabaseId;
    k.generation = leads_generation;
    k.period = static_cast<int32>(key.period);
    k.window_start = key.window_start;
    k.workspace = key.workspace;
    return k;
}

CreditEntryKey credit_key_of(const CreditKey& key) {
    CreditEntryKey k;
    std::memset(&k, 0, sizeof k);
    k.database = MyDatabaseId;
    k.generation = pools_generation;
    k.rule = key.rule;
    k.member = key.member;
    return k;
}

void on_shmem_request() {
    if (previous_request_hook) previous_request_hook();
    RequestAddinShmemSpace(add_size(add_size(hash_estimate_size(kMaxCapWindows, sizeof(CapEntry)),
                                             hash_estimate_size(kMaxCredits, sizeof(CreditEntry))),
                                    sizeof(pg_atomic_uint64)));
    RequestNamedLWLockTranche("lead_router distribution", 1);
}

void on_shmem_startup() {
    if (previous_startup_hook) previous_startup_hook();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    state_lock = &GetNamedLWLockTranche("lead_router distribution")->lock;
    bool found;
    change_count = static_cast<pg_atomic_uint64*>(
        ShmemInitStruct("lead_router distribution changes", sizeof(pg_atomic_uint64), &found));
    if (!found) pg_atomic_init_u64(change_count, 0);
    HASHCTL info;
    std::memset(&info, 0, sizeof info);
    info.keysize = sizeof(CapEntryKey);
    info.entrysize = sizeof(CapEntry);
    caps = ShmemInitHash("lead_router cap windows", kMaxCapWindows, kMaxCapWindows, &info, HASH_ELEM | HASH_BLOBS);
    std::memset(&info, 0, sizeof info);
    info.keysize = sizeof(CreditEntryKey);
    info.entrysize = sizeof(CreditEntry);
    credits = ShmemInitHash("lead_router pool credits", kMaxCredits, kMaxCredits, &info, HASH_ELEM | HASH_BLOBS);
    LWLockRelease(AddinShmemInitLock);
}

// Lock held exclusively.  Applies a delta; unknown entries are left alone (a window made
// room for, a credit of a pool evicted meanwhile).
void apply(const Delta& d, int64 sign) {
    bool found;
    pg_atomic_fetch_add_u64(change_count, 1);
    if (d.cap) {
        CapEntry* e = static_cast<CapEntry*>(hash_search(caps, &d.cap_key, HASH_FIND, &found));
        if (e != nullptr) e->used = static_cast<int32>(Max(0, e->used + sign * d.delta));
    } else {
        CreditEntry* e = static_cast<CreditEntry*>(hash_search(credits, &d.credit_key, HASH_FIND, &found));
        if (e != nullptr) e->credit += sign * d.delta;
    }
}

// Takes back the deltas made at `level` or deeper.
void undo_from(int level) {
    int kept = 0;
    bool locked = false;
    for (int i = 0; i < delta_count; ++i) {
        if (deltas[i].level < level) {
            deltas[kept++] = deltas[i];
            continue;
        }
        if (!locked) {
            LWLockAcquire(state_lock, LW_EXCLUSIVE);
            locked = true;
        }
        apply(deltas[i], -1);
    }
    if (locked) LWLockRelease(state_lock);
    delta_count = kept;
}

void on_transaction_end(XactEvent event, void*) {
    switch (event) {
        case XACT_EVENT_COMMIT:
        case XACT_EVENT_PARALLEL_COMMIT:
        case XACT_EVENT_PREPARE:
            delta_count = 0;
            break;
        case XACT_EVENT_ABORT:
        case XACT_EVENT_PARALLEL_ABORT:
            undo_from(0);
            break;
        case XACT_EVENT_PRE_PREPARE:
            // A prepared transaction may end in another backend, which has no log to undo
            // with; refused before anything is prepared, and the abort that follows undoes.
            if (delta_count > 0) {
                ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                                errmsg("cannot PREPARE a transaction that counted leads against a pool or a cap"),
                                errhint("Route leads in a transaction of their own, outside two-phase commit.")));
            }
            break;
        default:
            break;
    }
}

void on_subtransaction_end(SubXactEvent event, SubTransactionId, SubTransactionId, void*) {
    const int level = GetCurrentTransactionNestLevel();
    if (event == SUBXACT_EVENT_ABORT_SUB) {
        undo_from(level);
    } else if (event == SUBXACT_EVENT_COMMIT_SUB) {
        for (int i = 0; i < delta_count; ++i) {
            if (deltas[i].level >= level) deltas[i].level = level - 1;
        }
    }
}

void log_delta(const Delta& d) {
    Assert(delta_count < delta_room);
    deltas[delta_count++] = d;
}

// Lock held exclusively, `table` full: drops the entries stale for kStaleAfter.
void make_room(bool cap_table) {
    const TimestampTz cutoff = GetCurrentTimestamp() - kStaleAfter;
    HASH_SEQ_STATUS scan;
    if (cap_table) {
        hash_seq_init(&scan, caps);
        for (CapEntry* e; (e = static_cast<CapEntry*>(hash_seq_search(&scan))) != nullptr;) {
            if (e->window_end < cutoff) hash_search(caps, &e->key, HASH_REMOVE, nullptr);
        }
    } else {
        hash_seq_init(&scan, credits);
        for (CreditEntry* e; (e = static_cast<CreditEntry*>(hash_seq_search(&scan))) != nullptr;) {
            if (e->touched < cutoff) hash_search(credits, &e->key, HASH_REMOVE, nullptr);
        }
    }
}

}  // namespace

void request_shared_memory() {
    previous_request_hook = shmem_request_hook;
    shmem_request_hook = on_shmem_request;
    previous_startup_hook = shmem_startup_hook;
    shmem_startup_hook = on_shmem_startup;
}

bool available() { return caps != nullptr; }

uint64 changes() { return available() ? pg_atomic_read_u64(change_count) : 0; }

bool cap_known(const CapKey& key) {
    look_up_generations();
    const CapEntryKey k = cap_key_of(key);
    LWLockAcquire(state_lock, LW_SHARED);
    const bool known = hash_search(caps, &k, HASH_FIND, nullptr) != nullptr;
    LWLockRelease(state_lock);
    return known;
}

void install_cap(const CapKey& key, TimestampTz window_end, int32 used) {
    look_up_generations();
    const CapEntryKey k = cap_key_of(key);
    LWLockAcquire(state_lock, LW_EXCLUSIVE);
    if (hash_search(caps, &k, HASH_FIND, nullptr) == nullptr) {
        if (hash_get_num_entries(caps) >= kMaxCapWindows) make_room(true);
        if (hash_get_num_entries(caps) >= kMaxCapWindows) {
            LWLockRelease(state_lock);
            ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("lead_router's shared table of cap windows is full"),
                            errdetail("It holds %ld windows, none of which ended more than a day ago.", kMaxCapWindows),
                            errhint("Fewer partners with caps, or fewer caps per partner.")));
        }
        bool found;
        CapEntry* e = static_cast<CapEntry*>(hash_search(caps, &k, HASH_ENTER, &found));
        e->window_end = window_end;
        e->used = used;
    }
    LWLockRelease(state_lock);
}

bool pool_known(const pg_uuid_t& rule, const pg_uuid_t& member) {
    look_up_generations();
    const CreditEntryKey k = credit_key_of(CreditKey{rule, member});
    LWLockAcquire(state_lock, LW_SHARED);
    const bool known = hash_search(credits, &k, HASH_FIND, nullptr) != nullptr;
    LWLockRelease(state_lock);
    return known;
}

void install_pool(const pg_uuid_t& rule, const pg_uuid_t* members, const int64* saved, int n) {
    const TimestampTz now = GetCurrentTimestamp();
    look_up_generations();
    LWLockAcquire(state_lock, LW_EXCLUSIVE);
    for (int i = 0; i < n; ++i) {
        const CreditEntryKey k = credit_key_of(CreditKey{rule, members[i]});
        if (hash_search(credits, &k, HASH_FIND, nullptr) != nullptr) continue;
        if (hash_get_num_entries(credits) >= kMaxCredits) make_room(false);
        if (hash_get_num_entries(credits) >= kMaxCredits) {
            LWLockRelease(state_lock);
            ereport(ERROR,
                    (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("lead_router's shared table of pool credits is full"),
                     errdetail("It holds %ld pool members, all routed over within a day.", kMaxCredits),
                     errhint("Fewer pool members across the server's pools.")));
        }
        bool found;
        CreditEntry* e = static_cast<CreditEntry*>(hash_search(credits, &k, HASH_ENTER, &found));
        e->touched = now;
        e->credit = saved == nullptr ? 0 : saved[i];
    }
    LWLockRelease(state_lock);
}

void reserve(int n) {
    look_up_generations();
    if (!callbacks_registered) {
        RegisterXactCallback(on_transaction_end, nullptr);
        RegisterSubXactCallback(on_subtransaction_end, nullptr);
        callbacks_registered = true;
    }
    if (delta_count + n <= delta_room) return;
    const int room = Max(64, 2 * (delta_count + n));
    deltas = static_cast<Delta*>(deltas == nullptr ? MemoryContextAlloc(TopMemoryContext, sizeof(Delta) * room)
                                                   : repalloc(deltas, sizeof(Delta) * room));
    delta_room = room;
}

void lock(bool exclusive) {
    look_up_generations();
    LWLockAcquire(state_lock, exclusive ? LW_EXCLUSIVE : LW_SHARED);
}
void unlock() { LWLockRelease(state_lock); }

int32 cap_used(const CapKey& key) {
    const CapEntryKey k = cap_key_of(key);
    const CapEntry* e = static_cast<CapEntry*>(hash_search(caps, &k, HASH_FIND, nullptr));
    return e == nullptr ? 0 : e->used;
}

int64 credit(const CreditKey& key) {
    const CreditEntryKey k = credit_key_of(key);
    const CreditEntry* e = static_cast<CreditEntry*>(hash_search(credits, &k, HASH_FIND, nullptr));
    return e == nullptr ? 0 : e->credit;
}

void add_cap(const CapKey& key, int32 delta) {
    if (delta == 0) return;
    Delta d{};
    d.cap = true;
    d.cap_key = cap_key_of(key);
    d.delta = delta;
    d.level = GetCurrentTransactionNestLevel();
    apply(d, 1);
    log_delta(d);
}

void add_credit(const CreditKey& key, int64 delta) {
    Delta d{};
    d.cap = false;
    d.credit_key = credit_key_of(key);
    d.delta = delta;
    d.level = GetCurrentTransactionNestLevel();
    CreditEntry* e = static_cast<CreditEntry*>(hash_search(credits, &d.credit_key, HASH_FIND, nullptr));
    if (e != nullptr) e->touched = GetCurrentTransactionStartTimestamp();
    if (delta == 0) return;
    apply(d, 1);
    log_delta(d);
}

namespace {

// $1 rule of each member, $2 member, $3 credit, members of a rule together
Statement save_pools_stmt = {
    R"sql(
INSERT INTO lead_router.routing_pool_state AS s (rule_id, destinations, credits)
SELECT m.rule, m.destinations, m.credits
  FROM (SELECT u.rule, pg_catalog.array_agg(u.destination ORDER BY u.n) AS destinations,
               pg_catalog.array_agg(u.credit ORDER BY u.n) AS credits
          FROM unnest($1::uuid[], $2::uuid[], $3::int8[]) WITH ORDINALITY AS u(rule, destination, credit, n)
         GROUP BY u.rule) m
  JOIN lead_router.routing_rules r ON r.id = m.rule
 ORDER BY m.rule
    ON CONFLICT (rule_id) DO UPDATE
   SET destinations = excluded.destinations, credits = excluded.credits, updated_at = pg_catalog.now()
 WHERE (s.destinations, s.credits) IS DISTINCT FROM (excluded.destinations, excluded.credits))sql",
    3,
    {UUIDARRAYOID, UUIDARRAYOID, INT8ARRAYOID}};
// the latest window of each cap that still exists
Statement save_caps_stmt = {
    R"sql(
INSERT INTO lead_router.partner_cap_usage AS c (workspace_id, period, window_start, used)
SELECT DISTINCT ON (u.workspace_id, u.period) u.workspace_id, u.period, u.window_start, u.used
  FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::int4[]) AS u(workspace_id, period, window_start, used)
  JOIN lead_router.partner_caps p ON p.workspace_id = u.workspace_id AND p.period = u.period
 ORDER BY u.workspace_id, u.period, u.window_start DESC
    ON CONFLICT (workspace_id, period) DO UPDATE SET window_start = excluded.window_start, used = excluded.used
 WHERE (c.window_start, c.used) IS DISTINCT FROM (excluded.window_start, excluded.used))sql",
    4,
    {UUIDARRAYOID, TEXTARRAYOID, TIMESTAMPTZARRAYOID, INT4ARRAYOID}};

}  // namespace

void save() {
    if (!available()) return;
    // Room first (nothing is allocated under the lock), then copies, then the statements
    // after the lock is released; an entry made in between is in the next checkpoint.
    lock(false);
    const long room_caps = hash_get_num_entries(caps);
    const long room_credits = hash_get_num_entries(credits);
    unlock();
    CapEntry* windows = static_cast<CapEntry*>(palloc(sizeof(CapEntry) * (room_caps + 1)));
    CreditEntry* saved = static_cast<CreditEntry*>(palloc(sizeof(CreditEntry) * (room_credits + 1)));
    int nc = 0, np = 0;
    lock(false);
    HASH_SEQ_STATUS scan;
    hash_seq_init(&scan, caps);
    for (CapEntry* e; (e = static_cast<CapEntry*>(hash_seq_search(&scan))) != nullptr;) {
        const bool ours = e->key.database == MyDatabaseId && e->key.generation == leads_generation;
        if (ours && nc < room_caps) windows[nc++] = *e;
    }
    hash_seq_init(&scan, credits);
    for (CreditEntry* e; (e = static_cast<CreditEntry*>(hash_seq_search(&scan))) != nullptr;) {
        const bool ours = e->key.database == MyDatabaseId && e->key.generation == pools_generation;
        if (ours && np < room_credits) saved[np++] = *e;
    }
    unlock();

    if (nc > 0) {
        Datum* workspace = static_cast<Datum*>(palloc(sizeof(Datum) * nc));
        Datum* period = static_cast<Datum*>(palloc(sizeof(Datum) * nc));
        Datum* start = static_cast<Datum*>(palloc(sizeof(Datum) * nc));
        Datum* used = static_cast<Datum*>(palloc(sizeof(Datum) * nc));
        for (int i = 0; i < nc; ++i) {
            workspace[i] = UUIDPGetDatum(&windows[i].key.workspace);
            period[i] = CStringGetTextDatum(core::cap_period_name(static_cast<core::CapPeriod>(windows[i].key.period)));
            start[i] = TimestampTzGetDatum(windows[i].key.window_start);
            used[i] = Int32GetDatum(windows[i].used);
        }
        const Datum values[] = {make_array(workspace, nullptr, nc, UUIDOID), make_array(period, nullptr, nc, TEXTOID),
                                make_array(start, nullptr, nc, TIMESTAMPTZOID), make_array(used, nullptr, nc, INT4OID)};
        execute(save_caps_stmt, values, nullptr, false);
    }
    if (np > 0) {
        // members of a rule together, in member order (the order explain and the tests read)
        qsort(saved, static_cast<size_t>(np), sizeof(CreditEntry), [](const void* a, const void* b) {
            return std::memcmp(&static_cast<const CreditEntry*>(a)->key.rule,
                               &static_cast<const CreditEntry*>(b)->key.rule, 2 * UUID_LEN);
        });
        Datum* rule = static_cast<Datum*>(palloc(sizeof(Datum) * np));
        Datum* member = static_cast<Datum*>(palloc(sizeof(Datum) * np));
        Datum* credit_values = static_cast<Datum*>(palloc(sizeof(Datum) * np));
        for (int i = 0; i < np; ++i) {
            rule[i] = UUIDPGetDatum(&saved[i].key.rule);
            member[i] = UUIDPGetDatum(&saved[i].key.member);
            credit_values[i] = Int64GetDatum(saved[i].credit);
        }
        const Datum values[] = {make_array(rule, nullptr, np, UUIDOID), make_array(member, nullptr, np, UUIDOID),
                                make_array(credit_values, nullptr, np, INT8OID)};
        execute(save_pools_stmt, values, nullptr, false);
    }
}

}  // namespace lead_router::pg::distribution_memory
