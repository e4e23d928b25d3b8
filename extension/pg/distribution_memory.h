// Pool credits and cap counts in shared memory, when the library is preloaded.  A routing
// decides and counts under one short LWLock instead of row locks held to its commit, so
// routings over the same pool or partner no longer queue behind each other's WAL flush.
//
// Every change is a delta (credits of one SWRR step, +1 on a cap) that commutes with the
// others, so it can be taken back out of order: each backend logs its deltas, and a
// (sub)transaction that aborts subtracts its own.  A count reserved by a routing that has
// not committed yet counts for everyone at once -- a cap is never exceeded; a rollback frees
// the unit for the next routing.  PREPARE TRANSACTION is refused while a routing holds some.
//
// Nothing here survives a restart.  A cap window's count starts at the routed originals the
// partner already has in that window (counted by the caller with the latest snapshot: no
// routing of that window can have committed without the entry); a pool's credits start from
// routing_pool_state, the checkpoint save() writes.
#pragma once

#include "pg/postgres_headers.h"

#include "core/capacity_window.h"

namespace lead_router::pg::distribution_memory {

// _PG_init, while preloading.
void request_shared_memory();
// Whether this server has the shared state (the library was preloaded).
bool available();
// How many changes the counts and credits have had since the server started (0 when not
// available): equal values, no change in between.
uint64 changes();

struct CapKey {
    pg_uuid_t workspace;
    core::CapPeriod period;
    TimestampTz window_start;
};
struct CreditKey {
    pg_uuid_t rule;
    pg_uuid_t member;
};

// Without the lock.  Whether a cap window is known; installs a window's first count (no
// effect when another backend installed it first).  ERROR 53200 when the table is full of
// current windows.
bool cap_known(const CapKey& key);
void install_cap(const CapKey& key, TimestampTz window_end, int32 used);
// Whether a pool's credits are known (by one of its members); installs a pool's saved credits
// (nullptr: 0 each) for the members not known yet.
bool pool_known(const pg_uuid_t& rule, const pg_uuid_t& member);
void install_pool(const pg_uuid_t& rule, const pg_uuid_t* members, const int64* credits, int n);

// The decision: lock(exclusive), read, add, unlock.  reserve(n) first, outside the lock: room
// for n logged deltas, so that adding never allocates.
void reserve(int deltas);
void lock(bool exclusive);
void unlock();
int32 cap_used(const CapKey& key);   // 0 when unknown
int64 credit(const CreditKey& key);  // 0 when unknown
void add_cap(const CapKey& key, int32 delta);
void add_credit(const CreditKey& key, int64 delta);

// Copies every known state of this database into routing_pool_state and partner_cap_usage
// (the latest window of each cap).  Requires SPI_connect.
void save();

}  // namespace lead_router::pg::distribution_memory
