// Worker slots in shared memory.  A slot is written only by the worker that owns it, under
// its spinlock, and read by copying it under the same spinlock: nothing is computed while
// one is held.
#include "pg/worker_status.h"

extern "C" {
#include "storage/ipc.h"
#include "storage/lwlock.h"
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
};

struct Shared {
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
        for (Slot& slot : shared->slots) {
            SpinLockInit(&slot.mutex);
            slot.database = InvalidOid;
            slot.pid = 0;
            slot.enabled = false;
            slot.last_round = 0;
        }
    }
    LWLockRelease(AddinShmemInitLock);
}

void release_slot(int, Datum) {
    if (mine == nullptr) return;
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

DatabaseWorkers for_database(Oid database) {
    DatabaseWorkers result{};
    if (shared == nullptr) return result;
    result.preloaded = true;
    for (Slot& slot : shared->slots) {
        SpinLockAcquire(&slot.mutex);
        const Slot copy = slot;
        SpinLockRelease(&slot.mutex);
        if (copy.database != database || copy.pid == 0) continue;
        ++result.running;
        if (copy.enabled) ++result.enabled;
        result.last_round = Max(result.last_round, copy.last_round);
    }
    return result;
}

}  // namespace lead_router::pg::worker_status
