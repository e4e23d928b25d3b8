// route_rows: the routing of any number of locked leads at once, in three phases.
//   1. read and lock: each lead's row into plain data, settled at once when its state says
//      so (routed, expired, held), its identity keys locked (never waiting), and the routed
//      originals of all those keys read in one statement;
//   2. decide: per lead, a duplicate of the first original in time (core::choose_original),
//      else the first matching rule, else a failed attempt -- decisions are enum values;
//   3. write: one set-based statement per kind of outcome (lead_moves.cpp).
// Only trivially destructible locals live across PostgreSQL calls; the compiled rules live
// in the rule cache.
#include "pg/route_flow.h"

#include <cstring>

#include "core/rule_engine.h"
#include "pg/datum_convert.h"
#include "pg/identity_owners.h"
#include "pg/lead_fields.h"
#include "pg/lead_index.h"
#include "pg/lead_transitions.h"
#include "pg/route_distribution.h"
#include "pg/routing_counters.h"
#include "pg/rule_cache.h"
#include "pg/settings.h"
#include "pg/spi_statement.h"

extern "C" {
#include "portability/instr_time.h"
#include "storage/lock.h"
}

namespace lead_router::pg::route_flow {
namespace {

namespace lf = lead_fields;
using core::DuplicateKey;
using core::Reason;
using core::Settlement;

constexpr int kKinds = core::kDuplicateKeys;

namespace rd = route_distribution;

// What phase 2 decided for a lead that phase 1 did not settle.  `distribute`: its rules
// need the distributor (a pool, caps or hours), which turns it into route, defer or fail.
enum class Plan { settled, expire, route, duplicate, fail, distribute, defer };

struct Item {
    pg_uuid_t id;
    pg_uuid_t source;
    int32 attempts;  // before this attempt
    int32 max_attempts;
    bool has_key[kKinds];
    char key[kKinds][65];  // email_key, phone_key, dedupe_hash
    Plan plan;
    Reason reason;
    // duplicate
    pg_uuid_t original;
    pg_uuid_t owner;
    DuplicateKey duplicate_key;
    int twin;  // the item of this batch it duplicates, or -1
    // route
    pg_uuid_t destination;
    pg_uuid_t rule;
    Datum skipped;  // jsonb: destinations passed over (distributed leads), or 0
    // distribute
    rd::Request request;
    // defer
    TimestampTz due;
    Datum reason_text;
};

constexpr int kKeyColumn[kKinds] = {lf::kEmailKey, lf::kPhoneKey, lf::kDedupeHash};

Outcome outcome(Status status, Reason reason, int32 attempt) {
    Outcome o{};
    o.status = status;
    o.reason = reason;
    o.attempt = attempt;
    return o;
}

core::LeadId lead_id_of(const pg_uuid_t& u) {
    core::LeadId id;
    std::memcpy(id.data(), u.data, UUID_LEN);
    return id;
}

pg_uuid_t uuid_of(const core::LeadId& id) {
    pg_uuid_t u;
    std::memcpy(u.data, id.data(), UUID_LEN);
    return u;
}

// ---- phase 1: read and lock ----

// Advisory locks on identity keys: the first 64 bits of the key, with the kind in the last
// field; that field is 1 or 2 for pg_advisory_lock's own keys, so ours never collide with an
// application's advisory locks.
constexpr uint16 kIdentityLockKind = 0x4C00;

bool lock_identity_key(DuplicateKey kind, const char* hex) {
    uint64 bits = 0;
    for (int i = 0; i < 16; ++i) {
        const char c = hex[i];
        bits = bits * 16 + static_cast<uint64>(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    LOCKTAG tag;
    SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, static_cast<uint32>(bits >> 32), static_cast<uint32>(bits),
                         static_cast<uint16>(kIdentityLockKind + static_cast<int>(kind)));
    return LockAcquire(&tag, ExclusiveLock, false, true) != LOCKACQUIRE_NOT_AVAIL;
}

// Two routings of the same person must not both miss each other's uncommitted result: every
// key of the lead is locked for the transaction, in the order email, phone, combined, never
// waiting.  Contention reads as `locked`.
bool lock_identity(const Item& item) {
    for (int kind = 0; kind < kKinds; ++kind) {
        if (item.has_key[kind] && !lock_identity_key(static_cast<DuplicateKey>(kind), item.key[kind])) {
            return false;
        }
    }
    return true;
}

// The outcome of a routed lead, as recorded: routed to its owner, or a duplicate.
Outcome recorded(HeapTuple row, TupleDesc desc, const Item& item) {
    bool isnull;
    const transitions::Recorded r = transitions::recorded_outcome(UUIDPGetDatum(const_cast<pg_uuid_t*>(&item.id)));
    const Datum original = SPI_getbinval(row, desc, lf::kDuplicateOf, &isnull);
    if (!isnull) {
        Outcome o = outcome(Status::duplicate, Reason::none, item.attempts);
        o.duplicate_lead = *DatumGetUUIDP(original);
        o.has_duplicate_key = r.has_key;
        o.duplicate_key = r.key;
        return o;
    }
    Outcome o = outcome(Status::routed, Reason::none, item.attempts);
    o.destination = *DatumGetUUIDP(SPI_getbinval(row, desc, lf::kWorkspace, &isnull));
    o.has_rule = r.has_rule;
    o.rule = r.rule;
    return o;
}

// Reads a lead and settles what its state decides; true when `out` is its final outcome.
bool read_lead(HeapTuple row, TupleDesc desc, int32 max_attempts, Item& item, Outcome* out) {
    bool isnull;
    item.id = *DatumGetUUIDP(SPI_getbinval(row, desc, lf::kId, &isnull));
    item.source = *DatumGetUUIDP(SPI_getbinval(row, desc, lf::kSource, &isnull));
    item.attempts = DatumGetInt32(SPI_getbinval(row, desc, lf::kAttempts, &isnull));
    item.max_attempts = max_attempts;
    item.twin = -1;
    item.plan = Plan::settled;
    for (int kind = 0; kind < kKinds; ++kind) {
        const Datum key = SPI_getbinval(row, desc, kKeyColumn[kind], &isnull);
        item.has_key[kind] = !isnull;
        if (!isnull) {
            const std::string_view hex = text_bytes(key);
            std::memcpy(item.key[kind], hex.data(), Min(hex.size(), std::size_t{64}));
            item.key[kind][64] = '\0';
        }
    }
    const char* label = TextDatumGetCString(SPI_getbinval(row, desc, lf::kStatus, &isnull));
    const Datum stale = SPI_getbinval(row, desc, lf::kStale, &isnull);
    const bool stale_lock = !isnull && DatumGetBool(stale);
    const bool expired = DatumGetBool(SPI_getbinval(row, desc, lf::kExpired, &isnull));
    const Datum lead_id = UUIDPGetDatum(&item.id);
    switch (core::settle(*core::lead_status(label), stale_lock, expired)) {
        case Settlement::recorded:
            *out = recorded(row, desc, item);
            return true;
        case Settlement::already_expired:
            *out = outcome(Status::expired, Reason::expired, item.attempts);
            return true;
        case Settlement::held:
            *out = outcome(Status::locked, Reason::routing_lock_held, item.attempts);
            return true;
        case Settlement::release_and_expire: {
            const Datum message = CStringGetTextDatum("stale routing lock released: the lead expired");
            transitions::release(&item.id, &message, 1);
            item.plan = Plan::expire;
            return false;
        }
        case Settlement::expire:
            item.plan = Plan::expire;
            return false;
        case Settlement::take_over:
            transitions::log_stale_takeover(lead_id, UUIDPGetDatum(&item.source), item.attempts);
            item.plan = Plan::route;
            return false;
        case Settlement::route:
            item.plan = Plan::route;
            return false;
    }
    return false;
}

// The originals of the batch's keys, with an index from (kind, key) to the first row.
struct Originals {
    identity_owners::Rows rows;
    lead_by_key_hash* index;
};

Originals find_originals(const Item* items, int n) {
    Datum* keys[kKinds];
    int counts[kKinds] = {};
    for (int kind = 0; kind < kKinds; ++kind) keys[kind] = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
    for (int i = 0; i < n; ++i) {
        if (items[i].plan != Plan::route) continue;
        for (int kind = 0; kind < kKinds; ++kind) {
            if (items[i].has_key[kind]) keys[kind][counts[kind]++] = CStringGetTextDatum(items[i].key[kind]);
        }
    }
    Originals o{identity_owners::find(keys, counts), nullptr};
    o.index = lead_index::by_key(o.rows.count);
    for (int r = 0; r < o.rows.count; ++r) {
        lead_index::add(o.index, o.rows.rows[r].kind, o.rows.rows[r].key, r);
    }
    return o;
}

// ---- phase 2: decide ----

bool key_listed(int kind) {
    static constexpr int kBits[kKinds] = {settings::kDuplicateByEmail, settings::kDuplicateByPhone,
                                          settings::kDuplicateByCombined};
    return (settings::duplicate_keys & kBits[kind]) != 0;
}

// The originals found for the lead's listed keys: in the table, and routed earlier in this
// batch (routed_here maps a key to the item that was routed with it).
int gather_originals(const Item& item, const Originals& found, lead_by_key_hash* routed_here, const Item* items,
                     core::Original* out) {
    int n = 0;
    for (int kind = 0; kind < kKinds; ++kind) {
        if (!item.has_key[kind] || !key_listed(kind)) continue;
        const DuplicateKey k = static_cast<DuplicateKey>(kind);
        for (int r = lead_index::find(found.index, k, item.key[kind]);
             r >= 0 && r < found.rows.count && found.rows.rows[r].kind == k &&
             std::memcmp(found.rows.rows[r].key, item.key[kind], 64) == 0;
             ++r) {
            const identity_owners::Row& row = found.rows.rows[r];
            out[n++] = {lead_id_of(row.lead), lead_id_of(row.owner), row.routed_at, k};
        }
        const int twin = lead_index::find(routed_here, k, item.key[kind]);
        if (twin >= 0) {
            out[n++] = {lead_id_of(items[twin].id), lead_id_of(items[twin].destination), INT64_MAX, k};
        }
    }
    return n;
}

// The rules of the lead's source workspace that match it.  The first, when it goes to one
// destination without caps or hours, routes the lead at once (plan route); otherwise every
// matching rule, in order, goes to the distributor (plan distribute).  False: none matches.
bool match_rules(HeapTuple row, TupleDesc desc, Item& item) {
    const auto values_for = [&](const core::RuleSet& rules) {
        core::Value* values = static_cast<core::Value*>(palloc0(sizeof(core::Value) * (rules.fields().size() + 1)));
        lf::fill_values(rules, row, desc, values);
        return values;
    };
    const core::RuleSet& rules = rule_cache::rules_for(UUIDPGetDatum(&item.source));
    const core::Value* values = values_for(rules);
    const int first = rules.match(values);
    if (first < 0) return false;
    const rd::MatchedRule rule = rd::copy_rule(rules.rule(static_cast<std::size_t>(first)));
    // (the partner lookup may read tables, and with them take in a rule change: the rule
    // set is looked up again below, not used through the reference above)
    if (rd::unconstrained(rule)) {
        item.plan = Plan::route;
        item.destination = rule.destination[0];
        item.rule = rule.rule;
        return true;
    }
    const core::RuleSet& current = rule_cache::rules_for(UUIDPGetDatum(&item.source));
    const core::Value* current_values = values_for(current);
    rd::MatchedRule* matched = static_cast<rd::MatchedRule*>(palloc(sizeof(rd::MatchedRule) * (current.size() + 1)));
    int n = 0;
    for (int m = current.match(current_values); m >= 0; m = current.match_from(current_values, m + 1)) {
        matched[n++] = rd::copy_rule(current.rule(static_cast<std::size_t>(m)));
    }
    if (n == 0) return false;
    item.plan = Plan::distribute;
    item.request = {n, matched};
    return true;
}

void decide(HeapTuple* rows, TupleDesc desc, Item* items, int n, const Originals& found) {
    lead_by_key_hash* routed_here = lead_index::by_key(n);
    core::Original* candidates =
        static_cast<core::Original*>(palloc(sizeof(core::Original) * (found.rows.count + kKinds + 1)));
    for (int i = 0; i < n; ++i) {
        Item& item = items[i];
        if (item.plan != Plan::route) continue;
        const int count = gather_originals(item, found, routed_here, items, candidates);
        const std::optional<core::Original> original =
            core::choose_original(candidates, static_cast<std::size_t>(count), lead_id_of(item.source));
        if (original) {
            item.plan = Plan::duplicate;
            item.original = uuid_of(original->lead);
            item.owner = uuid_of(original->owner);
            item.duplicate_key = original->key;
            if (original->routed_at == INT64_MAX) {
                for (int k = 0; k < i; ++k) {
                    if ((items[k].plan == Plan::route || items[k].plan == Plan::distribute) &&
                        memcmp(items[k].id.data, item.original.data, UUID_LEN) == 0) {
                        item.twin = k;
                    }
                }
            }
            continue;
        }
        if (!match_rules(rows[i], desc, item)) {
            item.plan = Plan::fail;
            item.reason = Reason::no_matching_rule;
            continue;
        }
        // A lead the distributor may still defer counts as routed for the twins of this
        // batch; a twin whose original is not routed in the end waits (original_not_routed).
        for (int kind = 0; kind < kKinds; ++kind) {
            if (item.has_key[kind]) lead_index::add(routed_here, static_cast<DuplicateKey>(kind), item.key[kind], i);
        }
    }
}

// The leads whose rules need the distributor, decided together: their pool and cap rows
// locked once, each lead in batch order.  Returns the session to write back, or nullptr.
rd::Session* distribute(Item* items, int n, int** request_item, rd::Result** decided, int* requests) {
    int m = 0;
    for (int i = 0; i < n; ++i) m += items[i].plan == Plan::distribute ? 1 : 0;
    *requests = m;
    if (m == 0) return nullptr;
    rd::Request* batch = static_cast<rd::Request*>(palloc(sizeof(rd::Request) * m));
    *request_item = static_cast<int*>(palloc(sizeof(int) * m));
    int k = 0;
    for (int i = 0; i < n; ++i) {
        if (items[i].plan != Plan::distribute) continue;
        batch[k] = items[i].request;
        (*request_item)[k++] = i;
    }
    rd::Result* results = static_cast<rd::Result*>(palloc(sizeof(rd::Result) * m));
    *decided = results;
    rd::Session* session = rd::decide(batch, m, results);
    for (k = 0; k < m; ++k) {
        Item& item = items[(*request_item)[k]];
        const rd::Result& r = results[k];
        item.skipped = r.skipped;
        switch (r.kind) {
            case rd::Result::Kind::routed:
                item.plan = Plan::route;
                item.destination = r.destination;
                item.rule = r.rule;
                break;
            case rd::Result::Kind::deferred:
                item.plan = Plan::defer;
                item.reason = r.reason;
                item.due = r.due;
                item.reason_text = r.reason_text;
                break;
            case rd::Result::Kind::unavailable:
                item.plan = Plan::fail;
                item.reason = r.reason;
                break;
        }
    }
    return session;
}

// ---- phase 3: write ----

void write_routed(Item* items, int n, Outcome* out, bool* moved_item) {
    transitions::Routed* moves = static_cast<transitions::Routed*>(palloc(sizeof(transitions::Routed) * (n + 1)));
    int* item_of = static_cast<int*>(palloc(sizeof(int) * (n + 1)));
    int m = 0;
    for (int i = 0; i < n; ++i) {
        if (items[i].plan != Plan::route) continue;
        moves[m] = {items[i].id, items[i].destination, true, items[i].rule, items[i].skipped};
        item_of[m++] = i;
    }
    if (m == 0) return;
    bool* moved = static_cast<bool*>(palloc(sizeof(bool) * m));
    int32* attempts = static_cast<int32*>(palloc(sizeof(int32) * m));
    transitions::route_to(moves, m, nullptr, 1, moved, attempts);
    for (int k = 0; k < m; ++k) {
        Item& item = items[item_of[k]];
        moved_item[item_of[k]] = moved[k];
        if (!moved[k]) {  // the destination was deactivated since the rules were compiled
            item.plan = Plan::fail;
            item.reason = Reason::destination_inactive;
            continue;
        }
        Outcome& o = out[item_of[k]];
        o = outcome(Status::routed, Reason::none, attempts[k]);
        o.destination = item.destination;
        o.has_rule = true;
        o.rule = item.rule;
    }
}

void write_duplicates(Item* items, int n, Outcome* out) {
    transitions::Duplicate* dups =
        static_cast<transitions::Duplicate*>(palloc(sizeof(transitions::Duplicate) * (n + 1)));
    int* item_of = static_cast<int*>(palloc(sizeof(int) * (n + 1)));
    int m = 0;
    for (int i = 0; i < n; ++i) {
        Item& item = items[i];
        if (item.plan != Plan::duplicate) continue;
        if (item.twin >= 0 && items[item.twin].plan != Plan::route) {
            out[i] = outcome(Status::locked, Reason::original_not_routed, item.attempts);
            continue;
        }
        dups[m] = {item.id, item.original, item.owner, item.duplicate_key};
        item_of[m++] = i;
    }
    if (m == 0) return;
    bool* locked = static_cast<bool*>(palloc(sizeof(bool) * m));
    transitions::lock_originals(dups, m, locked);
    int kept = 0;
    for (int k = 0; k < m; ++k) {
        if (!locked[k]) {
            out[item_of[k]] = outcome(Status::locked, Reason::original_held, items[item_of[k]].attempts);
            continue;
        }
        dups[kept] = dups[k];
        item_of[kept++] = item_of[k];
    }
    int32* attempts = static_cast<int32*>(palloc(sizeof(int32) * (kept + 1)));
    transitions::mark_duplicates(dups, kept, attempts);
    for (int k = 0; k < kept; ++k) {
        Outcome& o = out[item_of[k]];
        o = outcome(Status::duplicate, Reason::none, attempts[k]);
        o.duplicate_lead = dups[k].original;
        o.has_duplicate_key = true;
        o.duplicate_key = dups[k].key;
    }
}

void write_failures(const Item* items, int n, Outcome* out) {
    transitions::Failure* requeued = static_cast<transitions::Failure*>(palloc(sizeof(transitions::Failure) * (n + 1)));
    transitions::Failure* failed = static_cast<transitions::Failure*>(palloc(sizeof(transitions::Failure) * (n + 1)));
    int* requeued_item = static_cast<int*>(palloc(sizeof(int) * (n + 1)));
    int* failed_item = static_cast<int*>(palloc(sizeof(int) * (n + 1)));
    int nq = 0, nf = 0;
    for (int i = 0; i < n; ++i) {
        const Item& item = items[i];
        if (item.plan != Plan::fail) continue;
        const int32 attempt = item.attempts + 1;  // this one
        const transitions::Failure f{item.id, CStringGetTextDatum(core::reason_message(item.reason)),
                                     transitions::next_retry_at(attempt), item.max_attempts,
                                     item.reason == Reason::no_matching_rule ? "no_match" : "retry"};
        if (attempt < item.max_attempts) {
            requeued[nq] = f;
            requeued_item[nq++] = i;
        } else {
            failed[nf] = f;
            failed_item[nf++] = i;
        }
    }
    int32* attempts = static_cast<int32*>(palloc(sizeof(int32) * (n + 1)));
    transitions::requeue(requeued, nq, 1, attempts);
    for (int k = 0; k < nq; ++k) {
        out[requeued_item[k]] = outcome(Status::queued, items[requeued_item[k]].reason, attempts[k]);
    }
    transitions::fail(failed, nf, 1, attempts);
    for (int k = 0; k < nf; ++k) {
        out[failed_item[k]] = outcome(Status::failed, items[failed_item[k]].reason, attempts[k]);
    }
}

// Nobody could take them now: pending again, due when the first blocking condition ends;
// the attempt is not counted.
void write_deferred(const Item* items, int n, Outcome* out) {
    transitions::Deferral* deferrals =
        static_cast<transitions::Deferral*>(palloc(sizeof(transitions::Deferral) * (n + 1)));
    int m = 0;
    for (int i = 0; i < n; ++i) {
        const Item& item = items[i];
        if (item.plan != Plan::defer) continue;
        deferrals[m++] = {item.id, item.due, item.max_attempts, item.reason_text, item.skipped};
        out[i] = outcome(Status::deferred, item.reason, item.attempts);
    }
    transitions::defer(deferrals, m);
}

// Leads past lead_expires_at are never routed, nor checked for duplicates.
void write_expired(const Item* items, int n, Outcome* out) {
    pg_uuid_t* ids = static_cast<pg_uuid_t*>(palloc(sizeof(pg_uuid_t) * (n + 1)));
    int* item_of = static_cast<int*>(palloc(sizeof(int) * (n + 1)));
    int m = 0;
    for (int i = 0; i < n; ++i) {
        if (items[i].plan != Plan::expire) continue;
        ids[m] = items[i].id;
        item_of[m++] = i;
    }
    bool* expired = static_cast<bool*>(palloc(sizeof(bool) * (m + 1)));
    transitions::expire(ids, m, expired);
    for (int k = 0; k < m; ++k) {
        out[item_of[k]] = outcome(Status::expired, Reason::expired, items[item_of[k]].attempts);
    }
}

}  // namespace

void route_rows(HeapTuple* rows, TupleDesc desc, int n, const int32* max_attempts, Outcome* out) {
    if (n == 0) return;
    instr_time started;
    INSTR_TIME_SET_CURRENT(started);
    Item* items = static_cast<Item*>(palloc0(sizeof(Item) * n));

    // 1. Read, settle what the state decides, lock the identities of the rest, and read the
    // originals of their keys.
    for (int i = 0; i < n; ++i) {
        Item& item = items[i];
        if (read_lead(rows[i], desc, max_attempts[i], item, &out[i])) continue;
        if (item.plan == Plan::route && !lock_identity(item)) {
            item.plan = Plan::settled;
            out[i] = outcome(Status::locked, Reason::identity_held, item.attempts);
        }
    }
    const Originals found = find_originals(items, n);

    // 2. Decide: duplicates and rules lead by lead, then the distributor for the leads whose
    // rules need it, together.
    decide(rows, desc, items, n, found);
    int* request_item = nullptr;
    rd::Result* decided = nullptr;
    int requests = 0;
    rd::Session* distribution = distribute(items, n, &request_item, &decided, &requests);

    // 3. Write, one statement per kind.  Routed first: a duplicate of a lead routed in this
    // batch needs that lead to have moved; a lead whose destination went away meanwhile
    // becomes a failure.  Then the distributor's credits and counts, for what moved.
    bool* moved = static_cast<bool*>(palloc0(sizeof(bool) * n));
    write_routed(items, n, out, moved);
    if (distribution != nullptr) {
        bool* request_moved = static_cast<bool*>(palloc0(sizeof(bool) * requests));
        for (int k = 0; k < requests; ++k) request_moved[k] = moved[request_item[k]];
        rd::write_back(distribution, decided, request_moved, requests);
    }
    write_deferred(items, n, out);
    write_duplicates(items, n, out);
    write_failures(items, n, out);
    write_expired(items, n, out);

    // One latency sample per lead: the batch's time shared out.
    instr_time elapsed;
    INSTR_TIME_SET_CURRENT(elapsed);
    INSTR_TIME_SUBTRACT(elapsed, started);
    const int64 each = INSTR_TIME_GET_MICROSEC(elapsed) / n;
    for (int i = 0; i < n; ++i) routing_counters::record(out[i].status, each);
}

}  // namespace lead_router::pg::route_flow
