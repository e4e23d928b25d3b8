// Hash indexes over a batch's rows, on PostgreSQL's lib/simplehash.h (palloc'd in the
// current memory context, gone with it): from a lead id, and from an identity key, to the
// first row that has it.
#pragma once

#include "pg/postgres_headers.h"

#include "core/routing_decision.h"

namespace lead_router::pg::lead_index {

struct ByIdEntry {
    pg_uuid_t key;
    int row;
    char status;
};

// An identity key: its kind and its 64 hex digits (pointing into the rows, not copied).
struct IdentityKey {
    core::DuplicateKey kind;
    const char* hex;
};
struct ByKeyEntry {
    IdentityKey key;
    int row;
    char status;
};

}  // namespace lead_router::pg::lead_index

#define SH_PREFIX lead_by_id
#define SH_ELEMENT_TYPE lead_router::pg::lead_index::ByIdEntry
#define SH_KEY_TYPE pg_uuid_t
#define SH_SCOPE extern
#define SH_DECLARE
#include "lib/simplehash.h"

#define SH_PREFIX lead_by_key
#define SH_ELEMENT_TYPE lead_router::pg::lead_index::ByKeyEntry
#define SH_KEY_TYPE lead_router::pg::lead_index::IdentityKey
#define SH_SCOPE extern
#define SH_DECLARE
#include "lib/simplehash.h"

namespace lead_router::pg::lead_index {

// Tables sized for `expected` entries.
lead_by_id_hash* by_id(int expected);
lead_by_key_hash* by_key(int expected);

// The row recorded for the key, or -1; add() keeps the first row recorded.
int find(lead_by_id_hash* index, const pg_uuid_t& id);
int find(lead_by_key_hash* index, core::DuplicateKey kind, const char* hex);
void add(lead_by_id_hash* index, const pg_uuid_t& id, int row);
void add(lead_by_key_hash* index, core::DuplicateKey kind, const char* hex, int row);

}  // namespace lead_router::pg::lead_index
