// A small map from workspace id to its settings.  Entries are plain data (no destructor
// runs into PostgreSQL), kept in one std::unordered_map allocated on first use.
#include "pg/workspace_cache.h"

#include <cstring>
#include <unordered_map>

#include "pg/cache_generation.h"
#include "pg/spi_statement.h"
#include "pg/uuid_key.h"

namespace lead_router::pg::workspace_cache {
namespace {

struct Settings {
    uint64 generation;
    char phone_region[3];
};

std::unordered_map<UuidKey, Settings, UuidKeyHash>* cache = nullptr;  // no static constructors

Statement settings_stmt = {"SELECT coalesce(phone_region, '') FROM lead_router.workspaces WHERE id = $1", 1, {UUIDOID}};

Settings load(Datum workspace_id) {
    Settings s{cache_generation::current(), ""};
    cache_generation::remember_relations();
    connect();
    const Datum values[] = {workspace_id};
    if (execute(settings_stmt, values, nullptr, true) == 1) {
        bool isnull;
        const Datum region = column(0, 1, &isnull);
        if (!isnull) strlcpy(s.phone_region, TextDatumGetCString(region), sizeof s.phone_region);
    }
    finish();
    return s;
}

}  // namespace

const char* phone_region(Datum workspace_id) {
    if (cache == nullptr) cache = new std::unordered_map<UuidKey, Settings, UuidKeyHash>();
    UuidKey key;
    std::memcpy(key.bytes, DatumGetUUIDP(workspace_id)->data, UUID_LEN);
    auto found = cache->find(key);
    if (found != cache->end() && found->second.generation == cache_generation::current()) {
        return found->second.phone_region;
    }
    const Settings loaded = load(workspace_id);
    if (cache->size() > 10000) cache->clear();  // bound memory when a backend sees many workspaces
    Settings& slot = (*cache)[key];
    slot = loaded;
    return slot.phone_region;
}

}  // namespace lead_router::pg::workspace_cache
