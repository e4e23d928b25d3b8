// The simplehash instantiations.  Ids and identity keys are uniformly random already (uuids,
// SHA-256): their first bytes are the hash.
#include "pg/lead_index.h"

#include <cstring>

namespace {

inline uint32 id_hash(const pg_uuid_t& id) {
    uint32 h;
    std::memcpy(&h, id.data, sizeof h);
    return h;
}

inline uint32 hex_hash(const char* hex, lead_router::core::DuplicateKey kind) {
    uint32 h = 0;
    for (int i = 0; i < 8; ++i) {
        const char c = hex[i];
        h = h * 16 + static_cast<uint32>(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    return h ^ static_cast<uint32>(kind);
}

}  // namespace

#define SH_PREFIX lead_by_id
#define SH_ELEMENT_TYPE lead_router::pg::lead_index::ByIdEntry
#define SH_KEY_TYPE pg_uuid_t
#define SH_KEY key
#define SH_HASH_KEY(tb, k) id_hash(k)
#define SH_EQUAL(tb, a, b) (std::memcmp((a).data, (b).data, UUID_LEN) == 0)
#define SH_SCOPE extern
#define SH_DEFINE
#include "lib/simplehash.h"

#define SH_PREFIX lead_by_key
#define SH_ELEMENT_TYPE lead_router::pg::lead_index::ByKeyEntry
#define SH_KEY_TYPE lead_router::pg::lead_index::IdentityKey
#define SH_KEY key
#define SH_HASH_KEY(tb, k) hex_hash((k).hex, (k).kind)
#define SH_EQUAL(tb, a, b) ((a).kind == (b).kind && std::memcmp((a).hex, (b).hex, 64) == 0)
#define SH_SCOPE extern
#define SH_DEFINE
#include "lib/simplehash.h"

namespace lead_router::pg::lead_index {

lead_by_id_hash* by_id(int expected) {
    return lead_by_id_create(CurrentMemoryContext, static_cast<uint32>(Max(expected, 8)), nullptr);
}

lead_by_key_hash* by_key(int expected) {
    return lead_by_key_create(CurrentMemoryContext, static_cast<uint32>(Max(expected, 8)), nullptr);
}

int find(lead_by_id_hash* index, const pg_uuid_t& id) {
    const ByIdEntry* e = lead_by_id_lookup(index, id);
    return e == nullptr ? -1 : e->row;
}

int find(lead_by_key_hash* index, core::DuplicateKey kind, const char* hex) {
    const ByKeyEntry* e = lead_by_key_lookup(index, IdentityKey{kind, hex});
    return e == nullptr ? -1 : e->row;
}

void add(lead_by_id_hash* index, const pg_uuid_t& id, int row) {
    bool found;
    ByIdEntry* e = lead_by_id_insert(index, id, &found);
    if (!found) e->row = row;
}

void add(lead_by_key_hash* index, core::DuplicateKey kind, const char* hex, int row) {
    bool found;
    ByKeyEntry* e = lead_by_key_insert(index, IdentityKey{kind, hex}, &found);
    if (!found) e->row = row;
}

}  // namespace lead_router::pg::lead_index
