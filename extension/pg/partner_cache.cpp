// Entries hold C++ containers: built in a C++ phase from plain data the PostgreSQL phase
// copied out, replaced whole when stale, never destroyed while PostgreSQL code runs.
#include "pg/partner_cache.h"

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "pg/cache_generation.h"
#include "pg/spi_statement.h"
#include "pg/uuid_key.h"

extern "C" {
#include "utils/date.h"
}

namespace lead_router::pg::partner_cache {
namespace {

std::unordered_map<UuidKey, Partner, UuidKeyHash>* cache = nullptr;  // no static constructors
std::map<std::string, std::unique_ptr<core::ZoneClock>>* zones = nullptr;

Statement workspace_stmt = {"SELECT is_active, time_zone FROM lead_router.workspaces WHERE id = $1", 1, {UUIDOID}};
Statement hours_stmt = {
    "SELECT iso_weekday, opens, closes FROM lead_router.partner_hours WHERE workspace_id = $1", 1, {UUIDOID}};
Statement caps_stmt = {
    "SELECT period, max_leads FROM lead_router.partner_caps WHERE workspace_id = $1 ORDER BY period", 1, {UUIDOID}};

// The rows of one partner, as plain data.
struct Raw {
    bool found;
    bool active;
    char* time_zone;
    int spans;
    core::OpeningSpan* span;
    int caps;
    char** period;
    int32* max_leads;
};

Raw read(const pg_uuid_t& id) {
    Raw raw{};
    const Datum values[] = {UUIDPGetDatum(const_cast<pg_uuid_t*>(&id))};
    bool isnull;
    if (execute(workspace_stmt, values, nullptr, true) != 1) return raw;
    raw.found = true;
    raw.active = column_bool(0, 1);
    raw.time_zone = TextDatumGetCString(column(0, 2, &isnull));
    const uint64 spans = execute(hours_stmt, values, nullptr, true);
    raw.span = static_cast<core::OpeningSpan*>(palloc(sizeof(core::OpeningSpan) * (spans + 1)));
    for (uint64 i = 0; i < spans; ++i) {
        raw.span[i].iso_weekday = DatumGetInt16(column(i, 1, &isnull));
        raw.span[i].opens = DatumGetTimeADT(column(i, 2, &isnull));  // microseconds since midnight
        raw.span[i].closes = DatumGetTimeADT(column(i, 3, &isnull));
    }
    raw.spans = static_cast<int>(spans);
    const uint64 caps = execute(caps_stmt, values, nullptr, true);
    raw.period = static_cast<char**>(palloc(sizeof(char*) * (caps + 1)));
    raw.max_leads = static_cast<int32*>(palloc(sizeof(int32) * (caps + 1)));
    for (uint64 i = 0; i < caps; ++i) {
        raw.period[i] = TextDatumGetCString(column(i, 1, &isnull));
        raw.max_leads[i] = DatumGetInt32(column(i, 2, &isnull));
    }
    raw.caps = static_cast<int>(caps);
    return raw;
}

// C++ phase: calls no PostgreSQL function.
Partner build(const Raw& raw, uint64 generation) {
    Partner p;
    p.generation = generation;
    if (!raw.found) return p;
    p.found = true;
    p.active = raw.active;
    p.zone = zone(raw.time_zone);
    if (p.zone == nullptr) p.zone = zone("UTC");  // validated on write; a replicated row may not be
    p.hours = core::AcceptingHours(std::vector<core::OpeningSpan>(raw.span, raw.span + raw.spans));
    for (int i = 0; i < raw.caps; ++i) {
        if (const auto period = core::cap_period(raw.period[i])) p.caps.push_back({*period, raw.max_leads[i]});
    }
    return p;
}

}  // namespace

const core::ZoneClock* zone(const char* name) {
    if (zones == nullptr) zones = new std::map<std::string, std::unique_ptr<core::ZoneClock>>();
    const auto found = zones->find(name);
    if (found != zones->end()) return found->second.get();
    std::unique_ptr<core::ZoneClock> loaded = core::ZoneClock::load(name);
    if (!loaded) return nullptr;
    return zones->emplace(name, std::move(loaded)).first->second.get();
}

const Partner& get(const pg_uuid_t& workspace_id) {
    if (cache == nullptr) cache = new std::unordered_map<UuidKey, Partner, UuidKeyHash>();
    UuidKey key;
    std::memcpy(key.bytes, workspace_id.data, UUID_LEN);
    const auto found = cache->find(key);
    if (found != cache->end() && found->second.generation == cache_generation::current()) return found->second;
    const uint64 generation = cache_generation::current();  // an invalidation during the load wins
    cache_generation::remember_relations();
    const Raw raw = read(workspace_id);
    if (cache->size() > 10000) cache->clear();  // bound memory when a backend sees many partners
    return cache->insert_or_assign(key, build(raw, generation)).first->second;
}

}  // namespace lead_router::pg::partner_cache
