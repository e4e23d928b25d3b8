// The relcache callback only bumps a counter: nothing else may run inside it.
#include "pg/cache_generation.h"

extern "C" {
#include "catalog/namespace.h"
#include "utils/inval.h"
}

namespace lead_router::pg::cache_generation {
namespace {

// The tables the caches are built from.
constexpr const char* kWatched[] = {"routing_rules", "workspaces", "routing_rule_destinations", "partner_caps",
                                    "partner_hours"};
constexpr int kWatchedCount = sizeof(kWatched) / sizeof(kWatched[0]);

uint64 generation = 1;
Oid watched[kWatchedCount] = {};

void on_relcache_invalidation(Datum, Oid relid) {
    if (relid == InvalidOid) {
        ++generation;
        return;
    }
    for (const Oid oid : watched) {
        if (relid == oid) {
            ++generation;
            return;
        }
    }
}

}  // namespace

void register_callback() { CacheRegisterRelcacheCallback(on_relcache_invalidation, (Datum)0); }

uint64 current() { return generation; }

void remember_relations() {
    const Oid schema = get_namespace_oid("lead_router", false);
    for (int i = 0; i < kWatchedCount; ++i) watched[i] = get_relname_relid(kWatched[i], schema);
}

}  // namespace lead_router::pg::cache_generation
