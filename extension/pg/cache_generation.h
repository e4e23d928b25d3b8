// When the backend-local caches (compiled rules, workspace settings) must be rebuilt: a
// generation number bumped by PostgreSQL's relcache invalidation of the tables they are
// built from, delivered to every backend when a change commits (and to this one at once).
#pragma once

#include "pg/postgres_headers.h"

namespace lead_router::pg::cache_generation {

// Registers the invalidation callback; called once from _PG_init.
void register_callback();

// The current generation: a cache entry built under an older one is stale.
uint64 current();

// Looks the watched tables up again (DROP and CREATE EXTENSION give them new oids); call
// before building an entry.  Requires a transaction.
void remember_relations();

}  // namespace lead_router::pg::cache_generation
