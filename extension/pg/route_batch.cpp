// route_rows: the routing of any number of locked leads at once.  Decisions are made lead by
// lead in C++ (identity lock, partner owner, rules); the writes are set-based, one statement
// per kind of outcome (lead_moves.cpp), so a batch of 100 costs a handful of statements
// instead of three per lead.  Only trivially destructible locals live across PostgreSQL
// calls; the compiled rules live in the rule cache.
#include "pg/route_flow.h"

#include <cstring>

#include "pg/datum_convert.h"
#include "pg/lead_fields.h"
#include "pg/lead_transitions.h"
#include "pg/rule_cache.h"
#include "pg/spi_statement.h"

extern "C" {
#include "portability/instr_time.h"
#include "storage/lock.h"
}

namespace lead_router::pg::route_flow {
namespace {

namespace lf = lead_fields;

// Partner owners of any of the identities, oldest first per identity (leads_dedupe_owner_idx).
// Read with the latest snapshot after taking the identity locks, so that a duplicate
// committed by a concurrent routing is seen at every isolation level.
Statement partner_owners_stmt = {
    R"sql(
SELECT l.dedupe_hash, l.id, l.workspace_id FROM lead_router.leads l
  JOIN lead_router.workspaces w ON w.id = l.workspace_id
 WHERE l.dedupe_hash = ANY ($1) AND l.routing_status = 'routed' AND l.duplicate_of IS NULL
   AND w.workspace_type = 'partner'
 ORDER BY l.dedupe_hash, l.created_at, l.id)sql",
    1,
    {TEXTARRAYOID}};

// Advisory lock namespace ("LROU") for identities being routed.
constexpr uint32 kIdentityLockClass = 0x4C524F55;

enum class Plan { settled, duplicate, routed, failure, expire };

struct Item {
    pg_uuid_t id;
    pg_uuid_t source;
    int32 attempts;       // before this attempt
    int32 max_attempts;
    bool has_hash;
    char hash[65];
    Plan plan;
    pg_uuid_t original;   // duplicate
    pg_uuid_t owner;      // duplicate: the partner workspace owning the original
    int twin;             // duplicate of an item of this batch (index), or -1
    pg_uuid_t destination;  // routed
    pg_uuid_t rule;
    const char* error;    // failure
};

// First 16 hex digits of a dedupe hash: the key of the small hash indexes below.
uint64 hash_key(const char* hex) {
    uint64 key = 0;
    for (int i = 0; i < 16; ++i) {
        const char c = hex[i];
        key = key * 16 + static_cast<uint64>(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    return key;
}

// Two routings of the same person must not both miss each other's (uncommitted) result:
// the identity is locked for the transaction.  Never waits: contention reads as "locked".
bool lock_identity(const char* hex) {
    LOCKTAG tag;
    SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, kIdentityLockClass, static_cast<uint32>(hash_key(hex) >> 32), 2);
    return LockAcquire(&tag, ExclusiveLock, false, true) != LOCKACQUIRE_NOT_AVAIL;
}

// An open-addressing index from dedupe hash to the first of a run of entries (palloc'd).
struct HashIndex {
    int size;   // a power of two
    int* slots; // entry + 1, 0 = empty
};

HashIndex make_index(int entries) {
    HashIndex index{16, nullptr};
    while (index.size < 2 * entries) index.size *= 2;
    index.slots = static_cast<int*>(palloc0(sizeof(int) * index.size));
    return index;
}

// Finds the entry for `hex` (via `hash_of(entry)`), or -1; inserts `entry` when absent and
// `entry` >= 0.
template <typename HashOf>
int find_or_add(HashIndex& index, const char* hex, int entry, HashOf hash_of) {
    int slot = static_cast<int>(hash_key(hex) & static_cast<uint64>(index.size - 1));
    while (index.slots[slot] != 0) {
        const int existing = index.slots[slot] - 1;
        if (memcmp(hash_of(existing), hex, 64) == 0) return existing;
        slot = (slot + 1) & (index.size - 1);
    }
    if (entry >= 0) index.slots[slot] = entry + 1;
    return -1;
}

Outcome outcome(Status status, int32 attempt, const char* error) {
    Outcome o{};
    o.status = status;
    o.success = status == Status::routed || status == Status::duplicate;
    o.attempt = attempt;
    o.error = error;
    return o;
}

// Leads that are not routed now: routed (their recorded outcome), expired, or held under a
// fresh routing lock.  Returns true (and the outcome) for those, or sets item.plan to expire
// for a lead past lead_expires_at (a stale lock on it is released first); a stale lock on
// any other lead is taken over.
bool settle_unroutable(HeapTuple row, TupleDesc desc, Item& item, Outcome* out) {
    bool isnull;
    const char* status = TextDatumGetCString(SPI_getbinval(row, desc, lf::kStatus, &isnull));
    const Datum lead_id = UUIDPGetDatum(&item.id);
    if (strcmp(status, "routed") == 0) {
        *out = outcome(Status::routed, item.attempts, nullptr);
        const Datum original = SPI_getbinval(row, desc, lf::kDuplicateOf, &isnull);
        if (!isnull) {
            out->status = Status::duplicate;
            out->is_duplicate = out->has_duplicate_lead = true;
            out->duplicate_lead = *DatumGetUUIDP(original);
        } else {
            out->has_destination = true;
            out->destination = *DatumGetUUIDP(SPI_getbinval(row, desc, lf::kWorkspace, &isnull));
            out->has_rule = transitions::routed_rule(lead_id, &out->rule);
        }
        return true;
    }
    if (strcmp(status, "expired") == 0) {
        *out = outcome(Status::expired, item.attempts, "lead expired");
        return true;
    }
    const bool expired = DatumGetBool(SPI_getbinval(row, desc, lf::kExpired, &isnull));
    if (strcmp(status, "routing") == 0) {
        const Datum stale = SPI_getbinval(row, desc, lf::kStale, &isnull);
        if (isnull || !DatumGetBool(stale)) {
            *out = outcome(Status::locked, item.attempts,
                           "lead is being routed under another routing lock");
            return true;
        }
        if (expired) {
            const Datum message = CStringGetTextDatum("stale routing lock released: the lead expired");
            transitions::release(&item.id, &message, 1);
        } else {
            transitions::log_stale_takeover(lead_id, UUIDPGetDatum(&item.source), item.attempts);
        }
    }
    if (expired) {
        item.plan = Plan::expire;
        return true;
    }
    return false;
}

// The partner owners found for a batch: the query's rows (kept: later statements replace
// SPI_tuptable) and an index from identity to its first row.
struct Owners {
    SPITupleTable* table;
    uint64 rows;
    HashIndex index;

    const char* hash(int row) const {
        bool isnull;
        return VARDATA_ANY(DatumGetTextPP(SPI_getbinval(table->vals[row], table->tupdesc, 1, &isnull)));
    }
    const pg_uuid_t* uuid(int row, int col) const {
        bool isnull;
        return DatumGetUUIDP(SPI_getbinval(table->vals[row], table->tupdesc, col, &isnull));
    }
};

// The original owned by a partner other than the lead's source, and that partner, or false.
bool database_owner(Owners& owners, const Item& item, pg_uuid_t* original, pg_uuid_t* owner) {
    if (owners.rows == 0) return false;
    const auto hash_of = [&](int row) { return owners.hash(row); };
    for (int row = find_or_add(owners.index, item.hash, -1, hash_of);
         row >= 0 && row < static_cast<int>(owners.rows) && memcmp(owners.hash(row), item.hash, 64) == 0;
         ++row) {
        if (memcmp(owners.uuid(row, 3)->data, item.source.data, UUID_LEN) != 0) {
            *original = *owners.uuid(row, 2);
            *owner = *owners.uuid(row, 3);
            return true;
        }
    }
    return false;
}

// The first rule of the lead's source workspace that matches, or false.
bool match_rule(HeapTuple row, TupleDesc desc, Item& item) {
    const core::RuleSet& rules = rule_cache::rules_for(UUIDPGetDatum(&item.source));
    core::Value* values =
        static_cast<core::Value*>(palloc0(sizeof(core::Value) * (rules.fields().size() + 1)));
    lf::fill_values(rules, row, desc, values);
    const int match = rules.match(values);
    if (match < 0) return false;
    const core::RuleSpec& rule = rules.rule(static_cast<std::size_t>(match));
    memcpy(item.destination.data, rule.destination.data(), UUID_LEN);
    memcpy(item.rule.data, rule.id.data(), UUID_LEN);
    return true;
}

}  // namespace

void route_rows(HeapTuple* rows, TupleDesc desc, int n, const int32* max_attempts, Outcome* out) {
    if (n == 0) return;
    instr_time started;
    INSTR_TIME_SET_CURRENT(started);
    Item* items = static_cast<Item*>(palloc0(sizeof(Item) * n));

    // 1. Read each lead; settle the ones not routed now; lock the identities of the others.
    int hashed = 0;
    for (int i = 0; i < n; ++i) {
        Item& item = items[i];
        bool isnull;
        item.id = *DatumGetUUIDP(SPI_getbinval(rows[i], desc, lf::kId, &isnull));
        item.source = *DatumGetUUIDP(SPI_getbinval(rows[i], desc, lf::kSource, &isnull));
        item.attempts = DatumGetInt32(SPI_getbinval(rows[i], desc, lf::kAttempts, &isnull));
        item.max_attempts = max_attempts[i];
        item.twin = -1;
        item.plan = Plan::settled;
        if (settle_unroutable(rows[i], desc, item, &out[i])) continue;
        const Datum hash = SPI_getbinval(rows[i], desc, lf::kDedupeHash, &isnull);
        item.has_hash = !isnull;
        if (item.has_hash) {
            const std::string_view hex = text_bytes(hash);
            memcpy(item.hash, hex.data(), Min(hex.size(), std::size_t{64}));
            if (!lock_identity(item.hash)) {
                out[i] = outcome(Status::locked, item.attempts,
                                 "a lead with the same identity is being routed");
                continue;
            }
            ++hashed;
        }
        item.plan = Plan::routed;  // provisional: decided below
    }

    // 2. Partner owners of those identities, in one query.
    Datum* hashes = static_cast<Datum*>(palloc(sizeof(Datum) * (hashed + 1)));
    int h = 0;
    for (int i = 0; i < n; ++i) {
        if (items[i].plan == Plan::routed && items[i].has_hash) hashes[h++] = CStringGetTextDatum(items[i].hash);
    }
    Owners owners{nullptr, 0, make_index(0)};
    if (hashed > 0) {
        const Datum args[] = {make_array(hashes, nullptr, hashed, TEXTOID)};
        owners.rows = execute_latest(partner_owners_stmt, args, nullptr);
        owners.table = SPI_tuptable;
        owners.index = make_index(static_cast<int>(owners.rows));
        const auto hash_of = [&](int row) { return owners.hash(row); };
        for (uint64 r = 0; r < owners.rows; ++r) {
            find_or_add(owners.index, owners.hash(static_cast<int>(r)), static_cast<int>(r), hash_of);
        }
    }

    // 3. Decide: a duplicate of a partner owner (in the table, or routed earlier in this
    // batch), else the first matching rule, else a failed attempt.
    HashIndex routed_here = make_index(n);
    for (int i = 0; i < n; ++i) {
        Item& item = items[i];
        if (item.plan != Plan::routed) continue;
        if (item.has_hash && database_owner(owners, item, &item.original, &item.owner)) {
            item.plan = Plan::duplicate;
            continue;
        }
        if (item.has_hash) {
            const int twin = find_or_add(routed_here, item.hash, -1, [&](int k) { return items[k].hash; });
            if (twin >= 0 && memcmp(items[twin].destination.data, item.source.data, UUID_LEN) != 0) {
                item.plan = Plan::duplicate;
                item.original = items[twin].id;
                item.owner = items[twin].destination;
                item.twin = twin;
                continue;
            }
        }
        if (!match_rule(rows[i], desc, item)) {
            item.plan = Plan::failure;
            item.error = "no matching rule";
            continue;
        }
        if (item.has_hash) find_or_add(routed_here, item.hash, i, [&](int k) { return items[k].hash; });
    }

    // 4. Write, one statement per kind.  Routed first: a duplicate of a lead routed in this
    // batch needs that lead to have moved.
    transitions::Routed* routed = static_cast<transitions::Routed*>(palloc(sizeof(transitions::Routed) * n));
    int* routed_item = static_cast<int*>(palloc(sizeof(int) * n));
    int nr = 0;
    for (int i = 0; i < n; ++i) {
        if (items[i].plan != Plan::routed) continue;
        routed[nr] = {items[i].id, items[i].destination, true, items[i].rule};
        routed_item[nr++] = i;
    }
    bool* moved = static_cast<bool*>(palloc(sizeof(bool) * (nr + 1)));
    int32* attempts = static_cast<int32*>(palloc(sizeof(int32) * (n + 1)));
    transitions::route_to(routed, nr, nullptr, 1, moved, attempts);
    for (int k = 0; k < nr; ++k) {
        Item& item = items[routed_item[k]];
        if (!moved[k]) {  // the destination was deactivated since the rules were compiled
            item.plan = Plan::failure;
            item.error = "destination workspace is not active";
            continue;
        }
        Outcome& o = out[routed_item[k]];
        o = outcome(Status::routed, attempts[k], nullptr);
        o.has_destination = o.has_rule = true;
        o.destination = item.destination;
        o.rule = item.rule;
    }

    transitions::Duplicate* dups = static_cast<transitions::Duplicate*>(palloc(sizeof(transitions::Duplicate) * n));
    int* dup_item = static_cast<int*>(palloc(sizeof(int) * n));
    int nd = 0;
    for (int i = 0; i < n; ++i) {
        if (items[i].plan != Plan::duplicate) continue;
        if (items[i].twin >= 0 && items[items[i].twin].plan != Plan::routed) {
            out[i] = outcome(Status::locked, items[i].attempts, "the lead it duplicates could not be routed");
            continue;
        }
        dups[nd] = {items[i].id, items[i].original, items[i].owner};
        dup_item[nd++] = i;
    }
    bool* locked = static_cast<bool*>(palloc(sizeof(bool) * (nd + 1)));
    transitions::lock_originals(dups, nd, locked);
    int nl = 0;
    for (int k = 0; k < nd; ++k) {
        if (!locked[k]) {
            out[dup_item[k]] = outcome(Status::locked, items[dup_item[k]].attempts,
                                       "the lead it duplicates is locked by another session");
            continue;
        }
        dups[nl] = dups[k];
        dup_item[nl++] = dup_item[k];
    }
    transitions::mark_duplicates(dups, nl, attempts);
    for (int k = 0; k < nl; ++k) {
        Outcome& o = out[dup_item[k]];
        o = outcome(Status::duplicate, attempts[k], nullptr);
        o.is_duplicate = o.has_duplicate_lead = true;
        o.duplicate_lead = dups[k].original;
    }

    transitions::Failure* requeued = static_cast<transitions::Failure*>(palloc(sizeof(transitions::Failure) * n));
    transitions::Failure* failed = static_cast<transitions::Failure*>(palloc(sizeof(transitions::Failure) * n));
    int* requeued_item = static_cast<int*>(palloc(sizeof(int) * n));
    int* failed_item = static_cast<int*>(palloc(sizeof(int) * n));
    int nq = 0, nf = 0;
    for (int i = 0; i < n; ++i) {
        const Item& item = items[i];
        if (item.plan != Plan::failure) continue;
        const int32 attempt = item.attempts + 1;  // this one
        const transitions::Failure f{item.id, CStringGetTextDatum(item.error),
                                     transitions::next_retry_at(attempt), item.max_attempts,
                                     strcmp(item.error, "no matching rule") == 0 ? "no_match" : "retry"};
        if (attempt < item.max_attempts) {
            requeued[nq] = f;
            requeued_item[nq++] = i;
        } else {
            failed[nf] = f;
            failed_item[nf++] = i;
        }
    }
    transitions::requeue(requeued, nq, 1, attempts);
    for (int k = 0; k < nq; ++k) out[requeued_item[k]] = outcome(Status::queued, attempts[k], items[requeued_item[k]].error);
    transitions::fail(failed, nf, 1, attempts);
    for (int k = 0; k < nf; ++k) out[failed_item[k]] = outcome(Status::failed, attempts[k], items[failed_item[k]].error);

    // Leads past lead_expires_at are never routed, nor checked for duplicates.
    pg_uuid_t* expiring = static_cast<pg_uuid_t*>(palloc(sizeof(pg_uuid_t) * n));
    int* expiring_item = static_cast<int*>(palloc(sizeof(int) * n));
    int ne = 0;
    for (int i = 0; i < n; ++i) {
        if (items[i].plan != Plan::expire) continue;
        expiring[ne] = items[i].id;
        expiring_item[ne++] = i;
    }
    bool* expired = static_cast<bool*>(palloc(sizeof(bool) * (ne + 1)));
    transitions::expire(expiring, ne, expired);
    for (int k = 0; k < ne; ++k) {
        out[expiring_item[k]] = outcome(Status::expired, items[expiring_item[k]].attempts, "lead expired");
    }

    // 5. One latency sample per lead: the batch's time shared out.
    instr_time elapsed;
    INSTR_TIME_SET_CURRENT(elapsed);
    INSTR_TIME_SUBTRACT(elapsed, started);
    const int64 each = INSTR_TIME_GET_MICROSEC(elapsed) / n;
    for (int i = 0; i < n; ++i) routing_counters::record(out[i].status, each);
}

}  // namespace lead_router::pg::route_flow
