// Routing statistics in shared memory (the pg_stat_statements pattern: request in
// shmem_request_hook, attach in shmem_startup_hook).  Counters are atomics, cheap to bump
// from every backend; the per-minute lock ring is guarded by a spinlock held for a few
// instructions.
#include "pg/routing_stats.h"

extern "C" {
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
}

namespace lead_router::pg::routing_stats {
namespace {

struct MinuteSlot {
    int64 minute;  // minutes since the epoch this slot counts; older slots are stale
    uint64 attempts;
    uint64 acquired;
};

struct SharedStats {
    pg_atomic_uint64 outcomes[kOutcomes];
    pg_atomic_uint64 latency[core::kLatencyBuckets];
    slock_t mutex;  // guards `since` and `minutes`
    TimestampTz since;
    MinuteSlot minutes[kWindowMinutes];
};

// Counters of this session when the library was not preloaded.
struct LocalStats {
    uint64 outcomes[kOutcomes];
    uint64 latency[core::kLatencyBuckets];
    TimestampTz since;
    MinuteSlot minutes[kWindowMinutes];
};

SharedStats* shared = nullptr;
LocalStats local;  // zero-initialised POD
shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;

void on_shmem_request() {
    if (previous_request_hook) previous_request_hook();
    RequestAddinShmemSpace(MAXALIGN(sizeof(SharedStats)));
}

void on_shmem_startup() {
    if (previous_startup_hook) previous_startup_hook();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found;
    shared = static_cast<SharedStats*>(ShmemInitStruct("lead_router routing stats",
                                                       sizeof(SharedStats), &found));
    if (!found) {
        for (auto& c : shared->outcomes) pg_atomic_init_u64(&c, 0);
        for (auto& c : shared->latency) pg_atomic_init_u64(&c, 0);
        SpinLockInit(&shared->mutex);
        shared->since = GetCurrentTimestamp();
        memset(shared->minutes, 0, sizeof(shared->minutes));
    }
    LWLockRelease(AddinShmemInitLock);
}

int64 current_minute() { return GetCurrentTimestamp() / (60 * USECS_PER_SEC); }

void count_lock(MinuteSlot* minutes, bool acquired) {
    const int64 minute = current_minute();
    MinuteSlot& slot = minutes[minute % kWindowMinutes];
    if (slot.minute != minute) slot = MinuteSlot{minute, 0, 0};
    ++slot.attempts;
    if (acquired) ++slot.acquired;
}

// Sums the slots of the last `window_minutes` minutes (only those: this runs under the
// spinlock).
void lock_counts(const MinuteSlot* minutes, int window_minutes, uint64* attempts,
                 uint64* acquired) {
    const int64 now = current_minute();
    *attempts = *acquired = 0;
    for (int64 minute = now - window_minutes + 1; minute <= now; ++minute) {
        const MinuteSlot& slot = minutes[minute % kWindowMinutes];
        if (slot.minute == minute) {
            *attempts += slot.attempts;
            *acquired += slot.acquired;
        }
    }
}

void count_lock_attempt(bool acquired) {
    if (shared == nullptr) {
        count_lock(local.minutes, acquired);
        return;
    }
    SpinLockAcquire(&shared->mutex);
    count_lock(shared->minutes, acquired);
    SpinLockRelease(&shared->mutex);
}

}  // namespace

void request_shared_memory() {
    previous_request_hook = shmem_request_hook;
    shmem_request_hook = on_shmem_request;
    previous_startup_hook = shmem_startup_hook;
    shmem_startup_hook = on_shmem_startup;
}

void record(Outcome outcome, int64 micros) {
    const int o = static_cast<int>(outcome);
    const int bucket = core::latency_bucket(micros);
    if (shared != nullptr) {
        pg_atomic_fetch_add_u64(&shared->outcomes[o], 1);
        pg_atomic_fetch_add_u64(&shared->latency[bucket], 1);
    } else {
        ++local.outcomes[o];
        ++local.latency[bucket];
    }
    count_lock_attempt(outcome != Outcome::locked);
}

void record_lock_attempt(bool acquired) { count_lock_attempt(acquired); }

Snapshot read(int window_minutes) {
    Snapshot s{};
    window_minutes = Max(1, Min(window_minutes, kWindowMinutes));
    if (shared == nullptr) {
        s.cluster_wide = false;
        s.since = local.since;
        memcpy(s.outcomes, local.outcomes, sizeof s.outcomes);
        memcpy(s.latency, local.latency, sizeof s.latency);
        lock_counts(local.minutes, window_minutes, &s.lock_attempts, &s.lock_acquired);
        return s;
    }
    s.cluster_wide = true;
    for (int i = 0; i < kOutcomes; ++i) s.outcomes[i] = pg_atomic_read_u64(&shared->outcomes[i]);
    for (int i = 0; i < core::kLatencyBuckets; ++i) {
        s.latency[i] = pg_atomic_read_u64(&shared->latency[i]);
    }
    SpinLockAcquire(&shared->mutex);
    s.since = shared->since;
    lock_counts(shared->minutes, window_minutes, &s.lock_attempts, &s.lock_acquired);
    SpinLockRelease(&shared->mutex);
    return s;
}

void reset() {
    const TimestampTz now = GetCurrentTimestamp();
    if (shared == nullptr) {
        local = LocalStats{};
        local.since = now;
        return;
    }
    for (auto& c : shared->outcomes) pg_atomic_write_u64(&c, 0);
    for (auto& c : shared->latency) pg_atomic_write_u64(&c, 0);
    SpinLockAcquire(&shared->mutex);
    shared->since = now;
    memset(shared->minutes, 0, sizeof(shared->minutes));
    SpinLockRelease(&shared->mutex);
}

}  // namespace lead_router::pg::routing_stats
