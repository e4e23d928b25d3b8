// Routing counters in shared memory (the pg_stat_statements pattern: request in
// shmem_request_hook, attach in shmem_startup_hook), without a lock:
//  * outcome and latency counters are atomics, bumped with fetch-add;
//  * each per-minute slot of lock counts is one 64-bit atomic per counter whose high 32 bits
//    say which minute it counts and whose low 32 bits are the count, so moving a slot to a
//    new minute and counting in it is one compare-and-swap, and a reader can tell a stale
//    slot from a current one without locking anything;
//  * the clock is read once per call, before touching shared memory.
// Without preloading the same structure lives in this backend's memory.
#include "pg/routing_counters.h"

extern "C" {
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
}

namespace lead_router::pg::routing_counters {
namespace {

struct MinuteSlot {
    pg_atomic_uint64 attempts;  // (minute << 32) | count
    pg_atomic_uint64 acquired;
};

struct Counters {
    pg_atomic_uint64 outcomes[kOutcomes];
    pg_atomic_uint64 latency[core::kLatencyBuckets];
    pg_atomic_uint64 since;  // TimestampTz of the last reset
    MinuteSlot minutes[kWindowMinutes];
};

Counters* shared = nullptr;
Counters* local = nullptr;  // this session's, when the library was not preloaded
shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;

void initialize(Counters* c) {
    for (auto& o : c->outcomes) pg_atomic_init_u64(&o, 0);
    for (auto& l : c->latency) pg_atomic_init_u64(&l, 0);
    pg_atomic_init_u64(&c->since, static_cast<uint64>(GetCurrentTimestamp()));
    for (MinuteSlot& slot : c->minutes) {
        pg_atomic_init_u64(&slot.attempts, 0);
        pg_atomic_init_u64(&slot.acquired, 0);
    }
}

void on_shmem_request() {
    if (previous_request_hook) previous_request_hook();
    RequestAddinShmemSpace(MAXALIGN(sizeof(Counters)));
}

void on_shmem_startup() {
    if (previous_startup_hook) previous_startup_hook();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found;
    shared = static_cast<Counters*>(ShmemInitStruct("lead_router routing counters", sizeof(Counters), &found));
    if (!found) initialize(shared);
    LWLockRelease(AddinShmemInitLock);
}

Counters* counters() {
    if (shared != nullptr) return shared;
    if (local == nullptr) {
        local = static_cast<Counters*>(MemoryContextAlloc(TopMemoryContext, sizeof(Counters)));
        initialize(local);
    }
    return local;
}

uint64 minute_tag(int64 minute) { return static_cast<uint64>(minute) << 32; }

// Counts one in `cell` for `minute`, restarting the count when the cell still holds an older
// minute's.
void count_in(pg_atomic_uint64* cell, int64 minute) {
    const uint64 tag = minute_tag(minute);
    uint64 seen = pg_atomic_read_u64(cell);
    for (;;) {
        const uint64 next = (seen & ~uint64(0xFFFFFFFF)) == tag ? seen + 1 : tag | 1;
        if (pg_atomic_compare_exchange_u64(cell, &seen, next)) return;
    }
}

// The count `cell` holds for `minute`, or 0 when it holds another minute's.
uint64 count_of(pg_atomic_uint64* cell, int64 minute) {
    const uint64 value = pg_atomic_read_u64(cell);
    return (value & ~uint64(0xFFFFFFFF)) == minute_tag(minute) ? (value & 0xFFFFFFFF) : 0;
}

int64 current_minute() { return GetCurrentTimestamp() / (60 * USECS_PER_SEC); }

void count_lock(bool acquired) {
    const int64 minute = current_minute();
    MinuteSlot& slot = counters()->minutes[minute % kWindowMinutes];
    count_in(&slot.attempts, minute);
    if (acquired) count_in(&slot.acquired, minute);
}

}  // namespace

void request_shared_memory() {
    previous_request_hook = shmem_request_hook;
    shmem_request_hook = on_shmem_request;
    previous_startup_hook = shmem_startup_hook;
    shmem_startup_hook = on_shmem_startup;
}

void record(Outcome outcome, int64 micros) {
    Counters* c = counters();
    pg_atomic_fetch_add_u64(&c->outcomes[static_cast<int>(outcome)], 1);
    pg_atomic_fetch_add_u64(&c->latency[core::latency_bucket(micros)], 1);
    count_lock(outcome != Outcome::locked);
}

void record_lock_attempt(bool acquired) { count_lock(acquired); }

Snapshot read(int window_minutes) {
    Counters* c = counters();
    Snapshot s{};
    s.cluster_wide = shared != nullptr;
    s.since = static_cast<TimestampTz>(pg_atomic_read_u64(&c->since));
    for (int i = 0; i < kOutcomes; ++i) s.outcomes[i] = pg_atomic_read_u64(&c->outcomes[i]);
    for (int i = 0; i < core::kLatencyBuckets; ++i) s.latency[i] = pg_atomic_read_u64(&c->latency[i]);
    window_minutes = Max(1, Min(window_minutes, kWindowMinutes));
    const int64 now = current_minute();
    for (int64 minute = now - window_minutes + 1; minute <= now; ++minute) {
        MinuteSlot& slot = c->minutes[minute % kWindowMinutes];
        s.lock_attempts += count_of(&slot.attempts, minute);
        s.lock_acquired += count_of(&slot.acquired, minute);
    }
    return s;
}

void reset() {
    Counters* c = counters();
    for (auto& o : c->outcomes) pg_atomic_write_u64(&o, 0);
    for (auto& l : c->latency) pg_atomic_write_u64(&l, 0);
    for (MinuteSlot& slot : c->minutes) {
        pg_atomic_write_u64(&slot.attempts, 0);
        pg_atomic_write_u64(&slot.acquired, 0);
    }
    pg_atomic_write_u64(&c->since, static_cast<uint64>(GetCurrentTimestamp()));
}

}  // namespace lead_router::pg::routing_counters
