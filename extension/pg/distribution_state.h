// The rows that make distribution exact under concurrency on a server that does not preload
// the library (with it, they are the checkpoint of distribution_memory.h): each pool's
// round-robin credits (routing_pool_state) and each cap's count in its current window
// (partner_cap_usage).  A routing transaction locks the rows it needs once per batch -- pools by rule id, then caps
// by partner and period, always in that order, so that routings never deadlock on them --
// decides with them, and writes them back before it commits.  Missing rows are created on
// first use.  Requires SPI_connect.
#pragma once

#include "pg/postgres_headers.h"

#include "core/zone_clock.h"

namespace lead_router::pg::distribution_state {

// PostgreSQL timestamps and the core's instants.
core::Micros micros_of(TimestampTz t);
TimestampTz timestamp_of(core::Micros t);

struct PoolCredits {
    pg_uuid_t rule;
    int members;
    pg_uuid_t* destination;
    int64* credit;
};
// Locks the pool state of `rules` (sorted, distinct); out[i] for rules[i].
void lock_pools(const pg_uuid_t* rules, int n, PoolCredits* out);
// Writes the credits back (the same rules, in any order).
void write_pools(const PoolCredits* pools, int n);

struct CapCount {
    pg_uuid_t workspace;
    char period[8];
    TimestampTz window_start;  // of the window the count is for
    int32 used;
};
// Locks the cap counts of `partners` (sorted, distinct): every cap of theirs, in `*out`
// (palloc'd, *count rows, ordered by partner and period).  `expected`: how many caps they
// have; fewer rows means some are counted for the first time, and their rows are created.
void lock_caps(const pg_uuid_t* partners, int n, int expected, CapCount** out, int* count);
void write_caps(const CapCount* counts, int n);

// Reads without locking (explain_route, partner_capacity): the credits of one pool and the
// counts of one partner.
PoolCredits read_pool(const pg_uuid_t& rule);
void read_caps(const pg_uuid_t& partner, CapCount** out, int* count);

}  // namespace lead_router::pg::distribution_state
