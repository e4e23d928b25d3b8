// Worker slots in shared memory.  Two parts per slot:
//  * the status (database, pid, enabled, last round), written only by the worker that owns
//    the slot, under the slot's spinlock, and read by copying it under the same spinlock:
//    nothing is computed while one is held;
//  * the wake-up part, lock-free because committing backends read it in a transaction
//    callback, where nothing may block or raise: the worker writes its pgprocno, then (after
//    a write barrier) publishes its database in wake_database; a reader that sees the
//    database reads the pgprocno after a read barrier.  `sleeping` and `wakeups` are plain
//    atomics.  A worker that exits clears wake_database first; a waker that read the slot
//    just before may set the latch of a process that has since taken the PGPROC, which is
//    harmless (latches tolerate spurious sets).
#include "pg/worker_status.h"

#include "core/arrival_pacing.h"

extern "C" {
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
}

namespace lead_router::pg::worker_status {
namespace {

struct Slot {
    slock_t mutex;
    Oid database;  // InvalidOid: free
    int pid;
    bool enabled;
    TimestampTz last_round;

    pg_atomic_uint32 wake_database;  // the database served, 0 when free
    pg_atomic_uint32 sleeping;       // 1 while the worker waits on its latch
    pg_atomic_uint64 wakeups;        // latch sets by committing backends
    int pgprocno;                    // valid while wake_database is set
};

struct Shared {
    pg_atomic_uint32 rotation;  // spreads single wake-ups over a database's sleeping workers
    Slot slots[kMaxWorkers];
};

Shared* shared = nullptr;
Slot* mine = nullptr;
shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;

void on_shmem_request() {
    if (previous_request_hook) previous_request_hook();
    RequestAddinShmemSpace(MAXALIGN(sizeof(Shared)));
}

void on_shmem_startup() {
    if (previous_startup_hook) previous_startup_hook();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found;
    shared = static_cast<Shared*>(ShmemInitStruct("lead_router worker status", sizeof(Shared), &found));
    if (!found) {
        pg_atomic_init_u32(&shared->rotation, 0);
        for (Slot& slot : shared->slots) {
            SpinLockInit(&slot.mutex);
            slot.database = InvalidOid;
            slot.pid = 0;
            slot.enabled = false;
            slot.last_round = 0;
            pg_atomic_init_u32(&slot.wake_database, InvalidOid);
            pg_atomic_init_u32(&slot.sleeping, 0);
            pg_atomic_init_u64(&slot.wakeups, 0);
            slot.pgprocno = -1;
        }
    }
    LWLockRelease(AddinShmemInitLock);
}

void release_slot(int, Datum) {
    if (mine == nullptr) return;
    pg_atomic_write_u32(&mine->wake_database, InvalidOid);
    pg_atomic_write_u32(&mine->sleeping, 0);
    SpinLockAcquire(&mine->mutex);
    mine->database = InvalidOid;
    mine->pid = 0;
    SpinLockRelease(&mine->mutex);
    mine = nullptr;
}

}  // namespace

void request_shared_memory() {
    previous_request_hook = shmem_request_hook;
    shmem_request_hook = on_shmem_request;
    previous_startup_hook = shmem_startup_hook;
    shmem_startup_hook = on_shmem_startup;
}

void attach(int slot, Oid database) {
    if (shared == nullptr || slot < 0 || slot >= kMaxWorkers) return;
    mine = &shared->slots[slot];
    const int pid = MyProcPid;
    SpinLockAcquire(&mine->mutex);
    mine->database = database;
    mine->pid = pid;
    mine->enabled = false;
    mine->last_round = 0;
    SpinLockRelease(&mine->mutex);
    mine->pgprocno = MyProc->pgprocno;
    pg_atomic_write_u32(&mine->sleeping, 0);
    pg_atomic_write_u64(&mine->wakeups, 0);
    pg_write_barrier();  // the pgprocno before the database that makes it visible
    pg_atomic_write_u32(&mine->wake_database, database);
    on_shmem_exit(release_slot, (Datum)0);
}

void stamp(bool enabled) {
    if (mine == nullptr) return;
    const TimestampTz now = GetCurrentTimestamp();
    SpinLockAcquire(&mine->mutex);
    mine->enabled = enabled;
    mine->last_round = now;
    SpinLockRelease(&mine->mutex);
}

void set_sleeping(bool sleeping) {
    if (mine == nullptr) return;
    pg_atomic_write_u32(&mine->sleeping, sleeping ? 1 : 0);
    // Published before the worker checks its latch (WaitLatch), or before it reads work.
    pg_memory_barrier();
}

uint64 wakeups() { return mine == nullptr ? 0 : pg_atomic_read_u64(&mine->wakeups); }

void wake(Oid database) {
    if (shared == nullptr || !OidIsValid(database)) return;
    int procs[kMaxWorkers];
    Slot* slots[kMaxWorkers];
    bool sleeping[kMaxWorkers];
    int n = 0;
    for (Slot& slot : shared->slots) {
        if (pg_atomic_read_u32(&slot.wake_database) != database) continue;
        pg_read_barrier();
        const int procno = slot.pgprocno;
        if (procno < 0 || (MyProc != nullptr && procno == MyProc->pgprocno)) continue;
        procs[n] = procno;
        slots[n] = &slot;
        sleeping[n] = pg_atomic_read_u32(&slot.sleeping) != 0;
        ++n;
    }
    if (n == 0) return;
    const uint64 chosen = core::workers_to_wake(sleeping, n, pg_atomic_fetch_add_u32(&shared->rotation, 1));
    for (int i = 0; i < n; ++i) {
        if ((chosen & (uint64{1} << i)) == 0) continue;
        pg_atomic_fetch_add_u64(&slots[i]->wakeups, 1);
        SetLatch(&ProcGlobal->allProcs[procs[i]].procLatch);
    }
}

DatabaseWorkers for_database(Oid database) {
    DatabaseWorkers result{};
    if (shared == nullptr) return result;
    result.preloaded = true;
    for (Slot& slot : shared->slots) {
        SpinLockAcquire(&slot.mutex);
        const Oid slot_database = slot.database;
        const int pid = slot.pid;
        const bool enabled = slot.enabled;
        const TimestampTz last_round = slot.last_round;
        SpinLockRelease(&slot.mutex);
        if (slot_database != database || pid == 0) continue;
        ++result.running;
        if (enabled) ++result.enabled;
        result.last_round = Max(result.last_round, last_round);
    }
    return result;
}

}  // namespace lead_router::pg::worker_status
