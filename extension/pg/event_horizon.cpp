// The floors of event_horizon.h: one pg_atomic_uint64 per backend (MaxBackends slots,
// indexed by MyBackendId), 0 when the backend's transaction holds none.  A slot is written
// only by its backend, read by anyone without a lock; the barriers named in the header's
// argument are the pg_memory_barrier() calls below.
#include "pg/event_horizon.h"

extern "C" {
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_sequence.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/fmgrprotos.h"
#include "utils/inval.h"
#include "utils/syscache.h"
}

namespace lead_router::pg::event_horizon {
namespace {

struct Shared {
    int slots;
    pg_atomic_uint64 floors[FLEXIBLE_ARRAY_MEMBER];
};

Shared* shared = nullptr;
pg_atomic_uint64* my_floor = nullptr;  // set once this backend has a slot
bool holding = false;                  // this transaction registered a floor
shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;

// routing_logs and its id sequence, looked up once per backend and forgotten when either
// relation's cache entry is invalidated (DROP / CREATE EXTENSION give them new oids).
Oid cached_relation = InvalidOid;
Oid cached_sequence = InvalidOid;

Size shared_size() { return add_size(offsetof(Shared, floors), mul_size(sizeof(pg_atomic_uint64), MaxBackends)); }

void on_shmem_request() {
    if (previous_request_hook) previous_request_hook();
    RequestAddinShmemSpace(MAXALIGN(shared_size()));
}

void on_shmem_startup() {
    if (previous_startup_hook) previous_startup_hook();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found;
    shared = static_cast<Shared*>(ShmemInitStruct("lead_router event horizon", shared_size(), &found));
    if (!found) {
        shared->slots = MaxBackends;
        for (int i = 0; i < MaxBackends; ++i) pg_atomic_init_u64(&shared->floors[i], 0);
    }
    LWLockRelease(AddinShmemInitLock);
}

void clear_floor() {
    if (!holding) return;
    // Everything this transaction did (its commit in the proc array included) before the
    // slot reads empty.
    pg_memory_barrier();
    pg_atomic_write_u64(my_floor, 0);
    holding = false;
}

void on_transaction_end(XactEvent event, void*) {
    switch (event) {
        case XACT_EVENT_COMMIT:
        case XACT_EVENT_PARALLEL_COMMIT:
        case XACT_EVENT_ABORT:
        case XACT_EVENT_PARALLEL_ABORT:
            clear_floor();
            break;
        case XACT_EVENT_PRE_PREPARE:
            // A prepared transaction's audit rows become visible at COMMIT PREPARED, maybe in
            // another backend, after this slot is gone: the feed could pass them.  Refused
            // here, before anything is prepared; the abort that follows clears the slot.
            if (holding) {
                ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                                errmsg("cannot PREPARE a transaction that wrote lead_router audit rows"),
                                errdetail("routing_events() reads audit rows gap-free only from "
                                          "transactions that commit directly."),
                                errhint("Route leads in a transaction of their own, outside two-phase "
                                        "commit.")));
            }
            break;
        default:
            break;
    }
}

void on_backend_exit(int, Datum) {
    if (my_floor != nullptr) pg_atomic_write_u64(my_floor, 0);
    holding = false;
}

void on_relcache_invalidation(Datum, Oid relid) {
    if (relid == InvalidOid || relid == cached_relation || relid == cached_sequence) {
        cached_relation = InvalidOid;
        cached_sequence = InvalidOid;
    }
}

// The identity sequence behind routing_logs.id.
Oid id_sequence(Oid routing_logs) {
    if (routing_logs == cached_relation && OidIsValid(cached_sequence)) return cached_sequence;
    const AttrNumber id = get_attnum(routing_logs, "id");
    const Oid sequence = id == InvalidAttrNumber ? InvalidOid : getIdentitySequence(routing_logs, id, true);
    if (!OidIsValid(sequence)) {
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("lead_router.routing_logs.id is not an identity column"),
                        errhint("The audit log's ids must come from its identity sequence.")));
    }
    cached_relation = routing_logs;
    cached_sequence = sequence;
    return sequence;
}

int64 sequence_min(Oid sequence) {
    HeapTuple tuple = SearchSysCache1(SEQRELID, ObjectIdGetDatum(sequence));
    if (!HeapTupleIsValid(tuple)) return 1;
    const int64 min = reinterpret_cast<Form_pg_sequence>(GETSTRUCT(tuple))->seqmin;
    ReleaseSysCache(tuple);
    return min;
}

Oid relation_owner(Oid relid) {
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(tuple)) {
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("relation %u of lead_router does not exist", relid)));
    }
    const Oid owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relowner;
    ReleaseSysCache(tuple);
    return owner;
}

// The next id the sequence can hand out at the earliest: its last value + 1, or its minimum
// while no id was drawn (then nothing larger is known, and nothing lower can come).  Read
// with pg_sequence_last_value() as the sequence's owner: the caller (a consumer of the feed,
// the service role writing audit rows) may have no SELECT on the sequence.  Takes the
// sequence's buffer lock, which orders this read with every nextval.
int64 next_possible_id(Oid sequence) {
    Oid saved_user;
    int saved_context;
    GetUserIdAndSecContext(&saved_user, &saved_context);
    SetUserIdAndSecContext(relation_owner(sequence), saved_context | SECURITY_LOCAL_USERID_CHANGE);
    LOCAL_FCINFO(call, 1);
    InitFunctionCallInfoData(*call, nullptr, 1, InvalidOid, nullptr, nullptr);
    call->args[0].value = ObjectIdGetDatum(sequence);
    call->args[0].isnull = false;
    Datum last = (Datum)0;
    PG_TRY();
    { last = pg_sequence_last_value(call); }
    PG_FINALLY();
    { SetUserIdAndSecContext(saved_user, saved_context); }
    PG_END_TRY();
    const int64 next = call->isnull ? sequence_min(sequence) : DatumGetInt64(last) + 1;
    return Max(next, int64{1});  // 0 marks an empty slot
}

}  // namespace

void request_shared_memory() {
    previous_request_hook = shmem_request_hook;
    shmem_request_hook = on_shmem_request;
    previous_startup_hook = shmem_startup_hook;
    shmem_startup_hook = on_shmem_startup;
    RegisterXactCallback(on_transaction_end, nullptr);
    CacheRegisterRelcacheCallback(on_relcache_invalidation, (Datum)0);
}

bool available() { return shared != nullptr; }

Oid audit_relation() {
    const Oid schema = get_namespace_oid("lead_router", true);
    return OidIsValid(schema) ? get_relname_relid("routing_logs", schema) : InvalidOid;
}

void register_floor(Oid routing_logs) {
    if (shared == nullptr || holding) return;
    if (my_floor == nullptr) {
        if (MyBackendId < 1 || MyBackendId > shared->slots) {
            ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                            errmsg("lead_router: backend id %d has no event horizon slot", MyBackendId)));
        }
        my_floor = &shared->floors[MyBackendId - 1];
        on_shmem_exit(on_backend_exit, (Datum)0);
    }
    const int64 floor = next_possible_id(id_sequence(routing_logs));
    pg_atomic_write_u64(my_floor, static_cast<uint64>(floor));
    holding = true;
    // The floor is visible before this statement draws its first id.
    pg_memory_barrier();
}

bool holding_floor() { return holding; }

void require_gap_free_sequence(Oid routing_logs) {
    const Oid sequence = id_sequence(routing_logs);
    HeapTuple tuple = SearchSysCache1(SEQRELID, ObjectIdGetDatum(sequence));
    if (!HeapTupleIsValid(tuple)) {
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
                        errmsg("the id sequence of lead_router.routing_logs does not exist")));
    }
    const Form_pg_sequence s = reinterpret_cast<Form_pg_sequence>(GETSTRUCT(tuple));
    const int64 cache = s->seqcache;
    const int64 increment = s->seqincrement;
    const bool cycle = s->seqcycle;
    ReleaseSysCache(tuple);
    if (cache != 1 || increment <= 0 || cycle) {
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("routing_events() needs the audit id sequence to hand out ids one at a time"),
                        errdetail("%s has CACHE " INT64_FORMAT ", INCREMENT " INT64_FORMAT "%s; the feed "
                                  "needs CACHE 1, a positive INCREMENT and NO CYCLE.",
                                  get_rel_name(sequence), cache, increment, cycle ? ", CYCLE" : ""),
                        errhint("ALTER SEQUENCE lead_router.%s CACHE 1 NO CYCLE, then restart the "
                                "server so that no session keeps ids it cached.",
                                get_rel_name(sequence))));
    }
}

int64 horizon(Oid routing_logs) {
    int64 h = next_possible_id(id_sequence(routing_logs));
    pg_memory_barrier();  // the last value before the floors
    for (int i = 0; i < shared->slots; ++i) {
        const int64 floor = static_cast<int64>(pg_atomic_read_u64(&shared->floors[i]));
        if (floor != 0 && floor < h) h = floor;
    }
    pg_memory_barrier();  // the floors before the caller's snapshot
    return h;
}

int64 last_drawn(Oid routing_logs) { return next_possible_id(id_sequence(routing_logs)) - 1; }

}  // namespace lead_router::pg::event_horizon
