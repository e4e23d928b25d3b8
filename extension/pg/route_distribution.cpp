// Phases, as everywhere at the boundary: PostgreSQL calls (partner settings, row locks or
// shared-memory reads, uuid texts) copy into plain palloc'd data; the C++ phase decides with a
// context-owned Distributor and reaches PostgreSQL only through pg::call.
#include "pg/route_distribution.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/distribution.h"
#include "pg/boundary.h"
#include "pg/context_owned.h"
#include "pg/datum_convert.h"
#include "pg/distribution_memory.h"
#include "pg/distribution_state.h"
#include "pg/partner_cache.h"
#include "pg/spi_statement.h"

namespace lead_router::pg::route_distribution {
namespace {

// The destinations active now, with the latest snapshot: a routing that waited for a pool or
// counter row decides with the partners' state after the wait, as the write checks it.
Statement active_destinations_stmt = {
    "SELECT id FROM lead_router.workspaces WHERE id = ANY ($1) AND is_active", 1, {UUIDARRAYOID}};

namespace ds = distribution_state;
namespace dm = distribution_memory;

// A counter that has never counted (its cap is new, or was deleted and made again) starts
// at the leads the partner already received in the current window: a cap added at noon
// limits the whole day.
Statement routed_in_window_stmt = {
    "SELECT count(*)::int4 FROM lead_router.leads"
    " WHERE workspace_id = $1 AND routing_status = 'routed' AND duplicate_of IS NULL AND routed_at >= $2",
    2,
    {UUIDOID, TIMESTAMPTZOID}};

// What the partner received in the window from `start` on, with the latest snapshot.
int32 routed_in_window(const pg_uuid_t& workspace, TimestampTz start) {
    pg_uuid_t id = workspace;
    const Datum args[] = {UUIDPGetDatum(&id), TimestampTzGetDatum(start)};
    bool isnull;
    return execute_latest(routed_in_window_stmt, args, nullptr) == 1 ? DatumGetInt32(column(0, 1, &isnull)) : 0;
}

int compare_uuid(const void* a, const void* b) { return std::memcmp(a, b, UUID_LEN); }

// Sorts and deduplicates `ids` in place; returns the count left.
int sort_distinct(pg_uuid_t* ids, int n) {
    if (n == 0) return 0;
    qsort(ids, static_cast<size_t>(n), sizeof(pg_uuid_t), compare_uuid);
    int kept = 1;
    for (int i = 1; i < n; ++i) {
        if (compare_uuid(&ids[i], &ids[kept - 1]) != 0) ids[kept++] = ids[i];
    }
    return kept;
}

int find(const pg_uuid_t* sorted, int n, const pg_uuid_t& id) {
    const void* hit = bsearch(&id, sorted, static_cast<size_t>(n), sizeof(pg_uuid_t), compare_uuid);
    return hit == nullptr ? -1 : static_cast<int>(static_cast<const pg_uuid_t*>(hit) - sorted);
}

// A partner's settings, copied out of the cache.
struct PlainPartner {
    bool active;
    const core::ZoneClock* zone;
    int spans;
    core::OpeningSpan* span;
    int caps;
    partner_cache::CapLimit* cap;
    const char* id_text;
};

PlainPartner plain_partner(const pg_uuid_t& id) {
    const partner_cache::Partner& p = partner_cache::get(id);
    PlainPartner out{};
    out.active = p.found && p.active;
    out.zone = p.found ? p.zone : partner_cache::zone("UTC");
    const std::vector<core::OpeningSpan>& spans = p.hours.spans();
    out.spans = static_cast<int>(spans.size());
    out.span = static_cast<core::OpeningSpan*>(palloc(sizeof(core::OpeningSpan) * (spans.size() + 1)));
    std::copy(spans.begin(), spans.end(), out.span);
    out.caps = static_cast<int>(p.caps.size());
    out.cap = static_cast<partner_cache::CapLimit*>(palloc(sizeof(partner_cache::CapLimit) * (p.caps.size() + 1)));
    std::copy(p.caps.begin(), p.caps.end(), out.cap);
    out.id_text = uuid_to_cstring(UUIDPGetDatum(const_cast<pg_uuid_t*>(&id)));
    return out;
}

// Everything the PostgreSQL phase read for a batch (or an explanation).
struct Inputs {
    core::Micros now;
    int destinations;
    pg_uuid_t* destination;  // sorted
    PlainPartner* partner;
    int counts;
    ds::CapCount* count;
    int pools;
    pg_uuid_t* pool_rule;  // sorted
    ds::PoolCredits* credits;
    const MatchedRule** pool_spec;  // a matched copy of each pool rule
};

// Counters created since the last routing carry window_start -infinity: give each the
// current window and what the partner received in it so far.
void start_new_counters(Inputs& in) {
    for (int k = 0; k < in.counts; ++k) {
        ds::CapCount& row = in.count[k];
        if (row.window_start != DT_NOBEGIN) continue;
        const int i = find(in.destination, in.destinations, row.workspace);
        const auto period = core::cap_period(row.period);
        if (i < 0 || !period) continue;
        const core::Window window = core::window_at(*in.partner[i].zone, *period, in.now);
        row.window_start = ds::timestamp_of(window.start);
        row.used = routed_in_window(row.workspace, row.window_start);
    }
}

// Shared memory: the pools' credits, known from the checkpoint when a pool is new to this
// server; in.credits[i] lists the members of pool_spec[i] in its order (credits read later,
// under the lock).
void know_pools(Inputs& in) {
    for (int i = 0; i < in.pools; ++i) {
        const MatchedRule& spec = *in.pool_spec[i];
        ds::PoolCredits& p = in.credits[i];
        p.rule = in.pool_rule[i];
        p.members = spec.members;
        p.destination = static_cast<pg_uuid_t*>(palloc(sizeof(pg_uuid_t) * (spec.members + 1)));
        p.credit = static_cast<int64*>(palloc0(sizeof(int64) * (spec.members + 1)));
        std::copy(spec.destination, spec.destination + spec.members, p.destination);
        if (spec.members == 0 || dm::pool_known(p.rule, p.destination[0])) continue;
        const ds::PoolCredits saved = ds::read_pool(p.rule);
        for (int m = 0; m < p.members; ++m) {
            for (int k = 0; k < saved.members; ++k) {
                if (compare_uuid(&saved.destination[k], &p.destination[m]) == 0) p.credit[m] = saved.credit[k];
            }
        }
        dm::install_pool(p.rule, p.destination, p.credit, p.members);
    }
}

void know_window(const dm::CapKey& key, TimestampTz window_end) {
    if (!dm::cap_known(key)) dm::install_cap(key, window_end, routed_in_window(key.workspace, key.window_start));
}

// Shared memory: one count per cap of every destination, in the window containing now; a
// window new to this server starts at what the partner received in it so far, counted with
// the latest snapshot (a routing counted in the window cannot have committed without it).
void know_windows(Inputs& in, int expected) {
    in.count = static_cast<ds::CapCount*>(palloc(sizeof(ds::CapCount) * (expected + 1)));
    in.counts = 0;
    for (int i = 0; i < in.destinations; ++i) {
        const PlainPartner& p = in.partner[i];
        for (int c = 0; c < p.caps; ++c) {
            const core::Window window = core::window_at(*p.zone, p.cap[c].period, in.now);
            ds::CapCount& row = in.count[in.counts++];
            row.workspace = in.destination[i];
            strlcpy(row.period, core::cap_period_name(p.cap[c].period), sizeof row.period);
            row.window_start = ds::timestamp_of(window.start);
            row.used = 0;
            know_window(dm::CapKey{row.workspace, p.cap[c].period, row.window_start}, ds::timestamp_of(window.end));
        }
    }
}

// Shared memory, lock held: the current counts and credits into `in`.
void read_shared(Inputs& in) {
    for (int k = 0; k < in.counts; ++k) {
        ds::CapCount& row = in.count[k];
        row.used = dm::cap_used(dm::CapKey{row.workspace, *core::cap_period(row.period), row.window_start});
    }
    for (int i = 0; i < in.pools; ++i) {
        ds::PoolCredits& p = in.credits[i];
        for (int m = 0; m < p.members; ++m) p.credit[m] = dm::credit(dm::CreditKey{p.rule, p.destination[m]});
    }
}

// A partner deactivated or deleted since the statement's snapshot (with which the partner
// cache was read), or while this routing waited for a lock, is not a candidate.
void drop_inactive(Inputs& in) {
    if (in.destinations == 0) return;
    Datum* ids = static_cast<Datum*>(palloc(sizeof(Datum) * in.destinations));
    for (int i = 0; i < in.destinations; ++i) ids[i] = UUIDPGetDatum(&in.destination[i]);
    const Datum args[] = {make_array(ids, nullptr, in.destinations, UUIDOID)};
    const uint64 rows = execute_latest(active_destinations_stmt, args, nullptr);
    bool* active = static_cast<bool*>(palloc0(sizeof(bool) * in.destinations));
    for (uint64 r = 0; r < rows; ++r) {
        bool isnull;
        const int k = find(in.destination, in.destinations, *DatumGetUUIDP(column(r, 1, &isnull)));
        if (k >= 0) active[k] = true;
    }
    for (int i = 0; i < in.destinations; ++i) in.partner[i].active = in.partner[i].active && active[i];
}

Inputs gather(const MatchedRule* const* rules, const int* rule_counts, int requests, bool lock) {
    Inputs in{};
    in.now = ds::micros_of(GetCurrentTransactionStartTimestamp());
    int members = 0, pools = 0;
    for (int r = 0; r < requests; ++r) {
        for (int k = 0; k < rule_counts[r]; ++k) {
            members += rules[r][k].members;
            pools += rules[r][k].pool ? 1 : 0;
        }
    }
    in.destination = static_cast<pg_uuid_t*>(palloc(sizeof(pg_uuid_t) * (members + 1)));
    in.pool_rule = static_cast<pg_uuid_t*>(palloc(sizeof(pg_uuid_t) * (pools + 1)));
    int d = 0, p = 0;
    for (int r = 0; r < requests; ++r) {
        for (int k = 0; k < rule_counts[r]; ++k) {
            const MatchedRule& rule = rules[r][k];
            for (int m = 0; m < rule.members; ++m) in.destination[d++] = rule.destination[m];
            if (rule.pool) in.pool_rule[p++] = rule.rule;
        }
    }
    in.destinations = sort_distinct(in.destination, d);
    in.pools = sort_distinct(in.pool_rule, p);

    // pools first, then caps: the one lock order of every routing
    in.credits = static_cast<ds::PoolCredits*>(palloc(sizeof(ds::PoolCredits) * (in.pools + 1)));
    in.pool_spec = static_cast<const MatchedRule**>(palloc(sizeof(MatchedRule*) * (in.pools + 1)));
    for (int r = 0; r < requests; ++r) {
        for (int k = 0; k < rule_counts[r]; ++k) {
            if (rules[r][k].pool) in.pool_spec[find(in.pool_rule, in.pools, rules[r][k].rule)] = &rules[r][k];
        }
    }
    const bool shared = dm::available();
    if (shared) {
        know_pools(in);
    } else if (lock) {
        ds::lock_pools(in.pool_rule, in.pools, in.credits);
    } else {
        for (int i = 0; i < in.pools; ++i) in.credits[i] = ds::read_pool(in.pool_rule[i]);
    }

    in.partner = static_cast<PlainPartner*>(palloc(sizeof(PlainPartner) * (in.destinations + 1)));
    pg_uuid_t* capped = static_cast<pg_uuid_t*>(palloc(sizeof(pg_uuid_t) * (in.destinations + 1)));
    int ncapped = 0, expected = 0;
    for (int i = 0; i < in.destinations; ++i) {
        in.partner[i] = plain_partner(in.destination[i]);
        if (in.partner[i].caps > 0) {
            capped[ncapped++] = in.destination[i];
            expected += in.partner[i].caps;
        }
    }
    if (shared) {
        know_windows(in, expected);
    } else {
        if (lock) {
            ds::lock_caps(capped, ncapped, expected, &in.count, &in.counts);
        } else {
            in.count = static_cast<ds::CapCount*>(palloc(sizeof(ds::CapCount) * (expected + 1)));
            for (int i = 0; i < ncapped; ++i) {
                ds::CapCount* rows;
                int n;
                ds::read_caps(capped[i], &rows, &n);
                for (int k = 0; k < n && in.counts < expected; ++k) in.count[in.counts++] = rows[k];
            }
        }
        start_new_counters(in);
    }
    if (lock) drop_inactive(in);
    return in;
}

// C++ phase: the Distributor over what was read.
struct Model {
    explicit Model(const Inputs& in) : distributor(in.now) {
        for (int i = 0; i < in.destinations; ++i) {
            const PlainPartner& p = in.partner[i];
            core::DestinationLoad load;
            load.active = p.active;
            load.zone = p.zone;
            load.hours = core::AcceptingHours(std::vector<core::OpeningSpan>(p.span, p.span + p.spans));
            for (int c = 0; c < p.caps; ++c) {
                const core::Window window = core::window_at(*p.zone, p.cap[c].period, in.now);
                int32 used = 0;
                for (int k = 0; k < in.counts; ++k) {
                    const ds::CapCount& row = in.count[k];
                    if (compare_uuid(&row.workspace, &in.destination[i]) == 0 &&
                        core::cap_period(row.period) == p.cap[c].period &&
                        row.window_start == ds::timestamp_of(window.start)) {
                        used = row.used;
                    }
                }
                load.caps.push_back({p.cap[c].period, p.cap[c].max_leads, used, window});
            }
            distributor.add_destination(std::move(load));
        }
        for (int i = 0; i < in.pools; ++i) {
            const MatchedRule& spec = *in.pool_spec[i];
            std::vector<core::Distributor::Member> members;
            for (int m = 0; m < spec.members; ++m) {
                std::int64_t credit = 0;
                for (int k = 0; k < in.credits[i].members; ++k) {
                    if (compare_uuid(&in.credits[i].destination[k], &spec.destination[m]) == 0) {
                        credit = in.credits[i].credit[k];
                    }
                }
                members.push_back({find(in.destination, in.destinations, spec.destination[m]), spec.weight[m], credit});
            }
            distributor.add_pool(std::move(members));
        }
    }

    std::vector<core::Distributor::Target> targets(const Inputs& in, const MatchedRule* rules, int n) const {
        std::vector<core::Distributor::Target> out;
        for (int k = 0; k < n; ++k) {
            out.push_back(rules[k].pool ? core::Distributor::Target{true, find(in.pool_rule, in.pools, rules[k].rule)}
                                        : core::Distributor::Target{
                                              false, find(in.destination, in.destinations, rules[k].destination[0])});
        }
        return out;
    }

    core::Distributor distributor;
};

// The audit document of the destinations passed over.
std::string skipped_document(const Inputs& in, const char* const* rule_text,
                             const core::Distributor::Decision& decision, const core::Distributor& d) {
    nlohmann::json out = nlohmann::json::array();
    for (const core::Distributor::Skip& skip : decision.skipped) {
        out.push_back({{"workspace_id", in.partner[skip.destination].id_text},
                       {"rule_id", rule_text[skip.target]},
                       {"reason", core::describe(skip.why, *d.destination(skip.destination).zone)}});
    }
    return out.dump();
}

Datum jsonb_of(const std::string& text) {
    Datum out = (Datum)0;
    pg::call([&]() noexcept { out = DirectFunctionCall1(jsonb_in, CStringGetDatum(text.c_str())); });
    return out;
}

Datum text_of(const char* text) {
    Datum out = (Datum)0;
    pg::call([&]() noexcept { out = CStringGetTextDatum(text); });
    return out;
}

}  // namespace

struct Session {
    Inputs in;
    Model model;
    std::vector<core::Distributor::Decision> decisions;  // one per request
    explicit Session(const Inputs& inputs) : in(inputs), model(inputs) {}
};

namespace {

// Shared memory, lock held: what the batch's decisions counted (every cap of a destination
// once per lead routed to it) and how they moved the pools' credits.
void count_shared(const Session& session) {
    const Inputs& in = session.in;
    const core::Distributor& d = session.model.distributor;
    int32* routed = static_cast<int32*>(palloc0(sizeof(int32) * (in.destinations + 1)));
    for (const core::Distributor::Decision& decision : session.decisions) {
        if (decision.kind == core::Distributor::Decision::Kind::routed) ++routed[decision.destination];
    }
    for (int i = 0; i < in.destinations; ++i) {
        if (routed[i] == 0) continue;
        for (const core::CapUse& cap : d.destination(i).caps) {
            dm::add_cap(dm::CapKey{in.destination[i], cap.period, ds::timestamp_of(cap.window.start)}, routed[i]);
        }
    }
    for (int i = 0; i < in.pools; ++i) {
        const std::vector<core::Distributor::Member>& members = d.pool(i);
        for (int m = 0; m < in.credits[i].members && m < static_cast<int>(members.size()); ++m) {
            dm::add_credit(dm::CreditKey{in.pool_rule[i], in.credits[i].destination[m]},
                           members[static_cast<std::size_t>(m)].credit - in.credits[i].credit[m]);
        }
    }
}

// Shared memory: a lead routed by the decision but not moved after all gives its counts
// back; pools keep the pick (as with rows).
void give_back_shared(const Session& session, const Result* results, const bool* moved, int n) {
    const Inputs& in = session.in;
    const core::Distributor& d = session.model.distributor;
    int deltas = 0;
    for (int r = 0; r < n; ++r) {
        if (results[r].kind != Result::Kind::routed || moved[r]) continue;
        deltas +=
            static_cast<int>(d.destination(find(in.destination, in.destinations, results[r].destination)).caps.size());
    }
    if (deltas == 0) return;
    dm::reserve(deltas);
    dm::lock(true);
    for (int r = 0; r < n; ++r) {
        if (results[r].kind != Result::Kind::routed || moved[r]) continue;
        const int dest = find(in.destination, in.destinations, results[r].destination);
        for (const core::CapUse& cap : d.destination(dest).caps) {
            dm::add_cap(dm::CapKey{in.destination[dest], cap.period, ds::timestamp_of(cap.window.start)}, -1);
        }
    }
    dm::unlock();
}

}  // namespace

MatchedRule copy_rule(const core::RuleSpec& spec) {
    MatchedRule out{};
    std::memcpy(out.rule.data, spec.id.data(), UUID_LEN);
    out.pool = spec.is_pool();
    const int capacity = out.pool ? static_cast<int>(spec.pool.size()) : 1;
    out.destination = static_cast<pg_uuid_t*>(palloc(sizeof(pg_uuid_t) * capacity));
    out.weight = static_cast<int32*>(palloc(sizeof(int32) * capacity));
    if (!out.pool) {
        std::memcpy(out.destination[0].data, spec.destination.data(), UUID_LEN);
        out.weight[0] = 1;
        out.members = 1;
        return out;
    }
    for (const core::PoolMember& member : spec.pool) {
        if (!member.usable) continue;  // refused on write; a replicated row may not have been
        std::memcpy(out.destination[out.members].data, member.destination.data(), UUID_LEN);
        out.weight[out.members++] = member.weight;
    }
    return out;
}

bool unconstrained(const MatchedRule& rule) {
    if (rule.pool) return false;
    const partner_cache::Partner& p = partner_cache::get(rule.destination[0]);
    return p.found && p.active && p.unconstrained();
}

Session* decide(const Request* requests, int n, Result* out) {
    const MatchedRule** rules = static_cast<const MatchedRule**>(palloc(sizeof(MatchedRule*) * (n + 1)));
    int* counts = static_cast<int*>(palloc(sizeof(int) * (n + 1)));
    char*** rule_text = static_cast<char***>(palloc(sizeof(char**) * (n + 1)));
    for (int r = 0; r < n; ++r) {
        rules[r] = requests[r].rule;
        counts[r] = requests[r].rules;
        rule_text[r] = static_cast<char**>(palloc(sizeof(char*) * (requests[r].rules + 1)));
        for (int k = 0; k < requests[r].rules; ++k) {
            rule_text[r][k] = const_cast<char*>(uuid_to_cstring(UUIDPGetDatum(&requests[r].rule[k].rule)));
        }
    }
    Inputs in = gather(rules, counts, n, true);
    // Shared memory: read, decide the whole batch and count under one exclusive lock (the
    // C++ phase only: nothing in it reaches PostgreSQL).
    const bool shared = dm::available();
    if (shared) {
        int members = 0;
        for (int i = 0; i < in.pools; ++i) members += in.credits[i].members;
        dm::reserve(in.counts + members);
        dm::lock(true);
        read_shared(in);
    }
    Session* session = context_owned<Session>(in);
    std::vector<core::Distributor::Decision>& decisions = session->decisions;
    decisions.reserve(static_cast<std::size_t>(n));
    for (int r = 0; r < n; ++r) {
        const std::vector<core::Distributor::Target> targets =
            session->model.targets(session->in, requests[r].rule, requests[r].rules);
        decisions.push_back(session->model.distributor.decide(targets.data(), targets.size()));
    }
    if (shared) {
        count_shared(*session);
        dm::unlock();
    }
    for (int r = 0; r < n; ++r) {
        const core::Distributor::Decision& decision = decisions[static_cast<std::size_t>(r)];
        Result& result = out[r];
        result = Result{};
        const std::string skipped = decision.skipped.empty() ? std::string()
                                                             : skipped_document(session->in, rule_text[r], decision,
                                                                                session->model.distributor);
        result.skipped = skipped.empty() ? (Datum)0 : jsonb_of(skipped);
        switch (decision.kind) {
            case core::Distributor::Decision::Kind::routed:
                result.kind = Result::Kind::routed;
                result.destination = session->in.destination[decision.destination];
                result.rule = requests[r].rule[decision.target].rule;
                break;
            case core::Distributor::Decision::Kind::deferred:
                result.kind = Result::Kind::deferred;
                result.due = ds::timestamp_of(decision.due);
                result.reason =
                    decision.reason == core::DeferReason::closed ? core::Reason::closed : core::Reason::capacity;
                result.reason_text = text_of(core::reason_message(result.reason));
                break;
            case core::Distributor::Decision::Kind::unavailable:
                result.kind = Result::Kind::unavailable;
                result.reason = core::Reason::destination_inactive;
                break;
        }
    }
    return session;
}

void write_back(Session* session, const Result* results, const bool* moved, int n) {
    if (dm::available()) {
        give_back_shared(*session, results, moved, n);
        return;
    }
    const Inputs& in = session->in;
    const core::Distributor& d = session->model.distributor;
    // what did not move after all gives its count back; pools keep the pick (a lead
    // whose destination went away in between, so rare that one credit does not matter)
    int32* unmoved = static_cast<int32*>(palloc0(sizeof(int32) * (in.destinations + 1)));
    bool* routed_to = static_cast<bool*>(palloc0(sizeof(bool) * (in.destinations + 1)));
    bool any = false;
    for (int r = 0; r < n; ++r) {
        if (results[r].kind != Result::Kind::routed) continue;
        const int dest = find(in.destination, in.destinations, results[r].destination);
        if (moved[r]) {
            routed_to[dest] = true;
            any = true;
        } else {
            ++unmoved[dest];
        }
    }
    if (!any) return;

    ds::PoolCredits* pools = static_cast<ds::PoolCredits*>(palloc(sizeof(ds::PoolCredits) * (in.pools + 1)));
    for (int i = 0; i < in.pools; ++i) {
        const std::vector<core::Distributor::Member>& members = d.pool(i);
        pools[i].rule = in.pool_rule[i];
        pools[i].members = static_cast<int>(members.size());
        pools[i].destination = static_cast<pg_uuid_t*>(palloc(sizeof(pg_uuid_t) * (members.size() + 1)));
        pools[i].credit = static_cast<int64*>(palloc(sizeof(int64) * (members.size() + 1)));
        for (std::size_t m = 0; m < members.size(); ++m) {
            pools[i].destination[m] = in.destination[members[m].destination];
            pools[i].credit[m] = members[m].credit;
        }
    }
    ds::write_pools(pools, in.pools);

    ds::CapCount* counts = static_cast<ds::CapCount*>(palloc(sizeof(ds::CapCount) * (in.counts + 1)));
    int written = 0;
    for (int i = 0; i < in.destinations; ++i) {
        if (!routed_to[i]) continue;
        for (const core::CapUse& cap : d.destination(i).caps) {
            ds::CapCount& c = counts[written++];
            c.workspace = in.destination[i];
            strlcpy(c.period, core::cap_period_name(cap.period), sizeof c.period);
            c.window_start = ds::timestamp_of(cap.window.start);
            c.used = Max(0, cap.used - unmoved[i]);
        }
    }
    ds::write_caps(counts, written);
}

int32 shared_used(const pg_uuid_t& workspace, core::CapPeriod period, const core::Window& window, core::Micros now) {
    const dm::CapKey key{workspace, period, ds::timestamp_of(window.start)};
    if (window.start <= now && now < window.end) know_window(key, ds::timestamp_of(window.end));
    dm::lock(false);
    const int32 used = dm::cap_used(key);
    dm::unlock();
    return used;
}

void explain(const MatchedRule* rules, const bool* matched, int n, Explained** out) {
    const MatchedRule** all = static_cast<const MatchedRule**>(palloc(sizeof(MatchedRule*) * 1));
    int count = n;
    all[0] = rules;
    Inputs in = gather(all, &count, 1, false);
    if (dm::available()) {
        dm::lock(false);
        read_shared(in);
        dm::unlock();
    }
    Session* session = context_owned<Session>(in);
    // the next routing: the rules the lead matches, in order
    MatchedRule* matching = static_cast<MatchedRule*>(palloc(sizeof(MatchedRule) * (n + 1)));
    int* matching_index = static_cast<int*>(palloc(sizeof(int) * (n + 1)));
    int m = 0;
    for (int k = 0; k < n; ++k) {
        if (!matched[k]) continue;
        matching_index[m] = k;
        matching[m++] = rules[k];
    }
    int pick_rule = -1, pick_destination = -1;
    {
        const std::vector<core::Distributor::Target> targets = session->model.targets(in, matching, m);
        const core::Distributor::Decision next = session->model.distributor.decide(targets.data(), targets.size());
        if (next.kind == core::Distributor::Decision::Kind::routed) {
            pick_rule = matching_index[next.target];
            pick_destination = next.destination;
        }
    }
    // eligibility as it was before the trial pick: a fresh model
    Session* fresh = context_owned<Session>(in);
    for (int k = 0; k < n; ++k) {
        out[k] = static_cast<Explained*>(palloc(sizeof(Explained) * (rules[k].members + 1)));
        for (int i = 0; i < rules[k].members; ++i) {
            const int dest = find(in.destination, in.destinations, rules[k].destination[i]);
            const core::Availability a = fresh->model.distributor.availability(dest);
            Explained& e = out[k][i];
            e.eligible = a.blocked == core::Blocked::none;
            const std::string why = core::describe(a, *fresh->model.distributor.destination(dest).zone);
            e.reason = why.empty() ? (Datum)0 : text_of(why.c_str());
            e.next_pick = k == pick_rule && dest == pick_destination;
        }
    }
}

}  // namespace lead_router::pg::route_distribution
