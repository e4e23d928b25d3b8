// The rule cache.  Entries are built from one SPI query and compiled by core::RuleSet.
// Freshness: triggers on routing_rules and workspaces register a relcache invalidation,
// which PostgreSQL delivers to every backend at its next transaction start (route_lead also
// polls with AcceptInvalidationMessages); pg/cache_generation.h turns it into a generation,
// and stale entries are dropped on the next lookup.
#include "pg/rule_cache.h"

#include <cstring>
#include <unordered_map>

#include "core/destination_rules.h"
#include "pg/cache_generation.h"
#include "pg/jsonb_document.h"
#include "pg/spi_statement.h"

extern "C" {
#include "storage/proc.h"
}

namespace lead_router::pg::rule_cache {
namespace {

struct UuidHash {
    std::size_t operator()(const core::Uuid& u) const noexcept {
        std::size_t h;
        std::memcpy(&h, u.data(), sizeof h);  // uuids are random enough already
        return h;
    }
};

struct Entry {
    core::RuleSet rules;
    uint64 generation;
    // Built under a transaction-wide snapshot (REPEATABLE READ / SERIALIZABLE): it may not
    // show rules committed later, so it is only good for that transaction.
    bool transaction_local;
    LocalTransactionId built_in;
};

using Cache = std::unordered_map<core::Uuid, Entry, UuidHash>;

Cache* cache = nullptr;  // allocated on first use: no static constructors at library load

// Rules of one workspace with what the compiler needs: one row per rule with a single
// destination, one per member for a pool (destination NULL), each with its destination's
// state.  A pool rule whose members are not all written yet has no row.
Statement load_rules_stmt = {
    R"sql(
SELECT r.id, r.name, r.priority, r.created_at, d.id,
       d.is_active, d.workspace_type = 'partner', d.id = r.workspace_id, r.conditions, p.weight
  FROM lead_router.routing_rules r
  LEFT JOIN lead_router.routing_rule_destinations p
         ON r.destination_workspace_id IS NULL AND p.rule_id = r.id
  JOIN lead_router.workspaces d ON d.id = coalesce(r.destination_workspace_id, p.destination_workspace_id)
 WHERE r.workspace_id = $1 AND r.is_active
 ORDER BY r.id, d.id)sql",
    1,
    {UUIDOID}};

// One loaded rule, copied out of SPI memory into plain C data before any C++ object exists.
struct RawMember {
    core::Uuid destination;
    int32 weight;
    bool usable;  // a partner other than the source
    bool active;
};
struct RawRule {
    core::Uuid id;
    const char* name;
    int32 priority;
    int64 created_at;
    bool pool;
    int members;
    RawMember* member;  // members rows (one for a single destination)
    jsonb_document::Tokens conditions;
};

void copy_uuid(core::Uuid& out, Datum value) { std::memcpy(out.data(), DatumGetUUIDP(value)->data, UUID_LEN); }

// PostgreSQL phase: run the query, copy each rule with its members.  Only trivially
// destructible locals.
RawRule* load_raw_rules(Datum source, uint64* count) {
    const Datum values[] = {source};
    const uint64 rows = execute(load_rules_stmt, values, nullptr, true);
    RawRule* raw = static_cast<RawRule*>(palloc0(sizeof(RawRule) * (rows + 1)));
    RawMember* members = static_cast<RawMember*>(palloc0(sizeof(RawMember) * (rows + 1)));
    uint64 n = 0;
    for (uint64 i = 0; i < rows; ++i) {
        bool isnull;
        core::Uuid id;
        copy_uuid(id, column(i, 1, &isnull));
        if (n == 0 || raw[n - 1].id != id) {
            RawRule& rule = raw[n++];
            rule.id = id;
            rule.name = TextDatumGetCString(column(i, 2, &isnull));
            rule.priority = DatumGetInt32(column(i, 3, &isnull));
            rule.created_at = DatumGetTimestampTz(column(i, 4, &isnull));
            rule.conditions = jsonb_document::read(DatumGetJsonbP(column(i, 9, &isnull)));
            rule.member = &members[i];
            bool single;  // no weight: the row of a single destination
            column(i, 10, &single);
            rule.pool = !single;
        }
        RawMember& m = raw[n - 1].member[raw[n - 1].members++];
        copy_uuid(m.destination, column(i, 5, &isnull));
        const Datum weight = column(i, 10, &isnull);
        m.weight = isnull ? 1 : DatumGetInt32(weight);
        m.active = column_bool(i, 6);
        const core::DestinationState state{true, true, column_bool(i, 7), column_bool(i, 8)};
        m.usable = core::destination_problem(state) == core::DestinationProblem::none;
    }
    *count = n;
    return raw;
}

// C++ phase: compile.  Calls no PostgreSQL function.
core::RuleSet compile(const RawRule* raw, uint64 count) {
    std::vector<std::pair<core::RuleSpec, core::Json>> specs;
    specs.reserve(count);
    for (uint64 i = 0; i < count; ++i) {
        core::RuleSpec spec;
        spec.id = raw[i].id;
        spec.name = raw[i].name;
        spec.priority = raw[i].priority;
        spec.created_at_us = raw[i].created_at;
        spec.destination = raw[i].member[0].destination;
        spec.destination_usable = false;
        for (int m = 0; m < raw[i].members; ++m) {
            const RawMember& member = raw[i].member[m];
            if (raw[i].pool) spec.pool.push_back({member.destination, member.weight, member.usable});
            if (member.usable && member.active) spec.destination_usable = true;
        }
        specs.emplace_back(std::move(spec), jsonb_document::build(raw[i].conditions));
    }
    return core::RuleSet(std::move(specs));
}

}  // namespace

const core::RuleSet& rules_for(Datum source_workspace_id) {
    if (cache == nullptr) cache = new Cache();

    core::Uuid key;
    copy_uuid(key, source_workspace_id);
    const auto found = cache->find(key);
    if (found != cache->end()) {
        const Entry& entry = found->second;
        const bool fresh = entry.generation == cache_generation::current() &&
                           (!entry.transaction_local || entry.built_in == MyProc->lxid);
        if (fresh) return entry.rules;
        cache->erase(found);
    }
    if (cache->size() > 1000) cache->clear();  // bound memory when a backend sees many workspaces

    uint64 count;
    const uint64 built_generation = cache_generation::current();  // an invalidation during the load wins
    cache_generation::remember_relations();
    const RawRule* raw = load_raw_rules(source_workspace_id, &count);
    Entry entry{compile(raw, count), built_generation, IsolationUsesXactSnapshot(), MyProc->lxid};
    return cache->insert_or_assign(key, std::move(entry)).first->second.rules;
}

}  // namespace lead_router::pg::rule_cache
