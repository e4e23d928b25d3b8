// The routed originals a duplicate check reads: leads owned by partner workspaces, routed
// within lead_router.duplicate_window, whose key of a kind lead_router.duplicate_keys lists
// is one of the keys asked about.  Served by the partial indexes on routed originals.
#pragma once

#include "pg/postgres_headers.h"

#include "core/routing_decision.h"

namespace lead_router::pg::identity_owners {

struct Row {
    core::DuplicateKey kind;
    const char* key;  // 64 hex digits, NUL-terminated (palloc'd)
    pg_uuid_t lead;
    pg_uuid_t owner;
    TimestampTz routed_at;  // DT_NOBEGIN when it was routed before routed_at was recorded
};

struct Rows {
    int count;
    Row* rows;  // ordered by kind, key, routed_at, id
};

// `keys[kind]`: the keys (texts) of that kind to look up, `counts[kind]` of them; a kind the
// settings do not list is not looked up.  Reads with the latest snapshot, so that an
// original committed by a concurrent routing (after it released the identity locks this
// transaction now holds) is seen at every isolation level.  Requires SPI.
Rows find(Datum* const keys[core::kDuplicateKeys], const int counts[core::kDuplicateKeys]);

// The same for one lead's keys (hex or nullptr), for find_lead_duplicates().
Rows find_for(const char* const keys[core::kDuplicateKeys]);

}  // namespace lead_router::pg::identity_owners
