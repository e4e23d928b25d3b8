// An index scan per kind of key, each on its own partial index of routed originals.
#include "pg/identity_owners.h"

#include <algorithm>
#include <cstring>

#include "pg/datum_convert.h"
#include "pg/settings.h"
#include "pg/spi_statement.h"

extern "C" {
#include "access/genam.h"
#include "access/stratnum.h"
#include "access/skey.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "executor/tuptable.h"
#include "utils/fmgroids.h"
#include "utils/snapmgr.h"
}

namespace lead_router::pg::identity_owners {
namespace {

// The partial index on routed originals of each kind (email, phone, combined).  They are
// scanned directly rather than through a planned statement: the indexes share their
// predicate, so with statistics taken before many leads were routed (a bulk load, say) a
// plan may read the whole of one of them for every lead instead of one key.
// They are hash indexes: a routing adds one small entry to each (the hash code, not the
// 64-character key), and a lookup is one bucket, whatever the size of the index.
constexpr const char* kOwnerIndex[core::kDuplicateKeys] = {"leads_email_owner_idx", "leads_phone_owner_idx",
                                                           "leads_dedupe_owner_idx"};
constexpr const char* kKeyColumn[core::kDuplicateKeys] = {"email_key", "phone_key", "dedupe_hash"};

// A hash index returns every entry with the key's hash code: the key itself is compared on
// the row.
bool key_matches(TupleTableSlot* slot, AttrNumber key_att, Datum wanted) {
    bool isnull;
    const Datum key = slot_getattr(slot, key_att, &isnull);
    return !isnull && text_bytes(key) == text_bytes(wanted);
}

Oid relation_named(const char* name, Oid schema) {
    const Oid relation = get_relname_relid(name, schema);
    if (!OidIsValid(relation)) {
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("relation lead_router.%s does not exist", name),
                        errhint("ALTER EXTENSION lead_router UPDATE brings the schema to the library's version.")));
    }
    return relation;
}

AttrNumber attribute_named(TupleDesc desc, const char* name) {
    const int attribute = SPI_fnumber(desc, name);
    if (attribute <= 0) {
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN), errmsg("column lead_router.leads.%s does not exist", name),
                        errhint("ALTER EXTENSION lead_router UPDATE brings the schema to the library's version.")));
    }
    return static_cast<AttrNumber>(attribute);
}

// Of the owners found, the partner workspaces (an original owned by a workspace that is no
// longer a partner is no one's).
Statement partners_stmt = {
    "SELECT w.id FROM lead_router.workspaces w WHERE w.id = ANY ($1) AND w.workspace_type = 'partner'",
    1,
    {UUIDARRAYOID}};

constexpr int kKindBits[core::kDuplicateKeys] = {settings::kDuplicateByEmail, settings::kDuplicateByPhone,
                                                 settings::kDuplicateByCombined};

// The order of Rows: kind, key, routed_at (unknown first), id.
bool before(const Row& a, const Row& b) {
    if (a.kind != b.kind) return a.kind < b.kind;
    if (const int c = std::strcmp(a.key, b.key); c != 0) return c < 0;
    if (a.routed_at != b.routed_at) return a.routed_at < b.routed_at;
    return std::memcmp(a.lead.data, b.lead.data, UUID_LEN) < 0;
}

// Drops the rows whose owner is not a partner workspace.
void keep_partner_owned(Rows* out) {
    if (out->count == 0) return;
    Datum* owners = static_cast<Datum*>(palloc(sizeof(Datum) * out->count));
    for (int r = 0; r < out->count; ++r) owners[r] = UUIDPGetDatum(&out->rows[r].owner);
    const Datum values[] = {make_array(owners, nullptr, out->count, UUIDOID)};
    const uint64 partners = execute_latest(partners_stmt, values, nullptr);
    pg_uuid_t* partner = static_cast<pg_uuid_t*>(palloc(sizeof(pg_uuid_t) * (partners + 1)));
    for (uint64 p = 0; p < partners; ++p) {
        bool isnull;
        partner[p] = *DatumGetUUIDP(column(p, 1, &isnull));
    }
    int kept = 0;
    for (int r = 0; r < out->count; ++r) {
        const bool is_partner = std::any_of(partner, partner + partners, [&](const pg_uuid_t& id) {
            return std::memcmp(id.data, out->rows[r].owner.data, UUID_LEN) == 0;
        });
        if (is_partner) out->rows[kept++] = out->rows[r];
    }
    out->count = kept;
}

}  // namespace

Rows find(Datum* const keys[core::kDuplicateKeys], const int counts[core::kDuplicateKeys]) {
    int asked = 0;
    for (int kind = 0; kind < core::kDuplicateKeys; ++kind) {
        if ((settings::duplicate_keys & kKindBits[kind]) != 0) asked += counts[kind];
    }
    Rows out{0, nullptr};
    if (asked == 0) return out;
    const bool unlimited = settings::duplicate_window_s == 0;
    const TimestampTz window_start =
        GetCurrentTransactionStartTimestamp() - int64(settings::duplicate_window_s) * USECS_PER_SEC;

    const Oid schema = get_namespace_oid("lead_router", false);
    Relation leads = table_open(relation_named("leads", schema), AccessShareLock);
    const TupleDesc desc = RelationGetDescr(leads);
    const AttrNumber id_att = attribute_named(desc, "id");
    const AttrNumber workspace_att = attribute_named(desc, "workspace_id");
    const AttrNumber routed_at_att = attribute_named(desc, "routed_at");
    // As a statement would: what this transaction wrote so far is seen, and what others
    // committed up to now.
    CommandCounterIncrement();
    const Snapshot snapshot = RegisterSnapshot(GetLatestSnapshot());
    TupleTableSlot* slot = table_slot_create(leads, nullptr);
    int capacity = 0;
    for (int kind = 0; kind < core::kDuplicateKeys; ++kind) {
        if ((settings::duplicate_keys & kKindBits[kind]) == 0 || counts[kind] == 0) continue;
        const AttrNumber key_att = attribute_named(desc, kKeyColumn[kind]);
        Relation index = index_open(relation_named(kOwnerIndex[kind], schema), AccessShareLock);
        IndexScanDesc scan = index_beginscan(leads, index, snapshot, 1, 0);
        for (int k = 0; k < counts[kind]; ++k) {
            ScanKeyData key;
            ScanKeyEntryInitialize(&key, 0, 1, HTEqualStrategyNumber, InvalidOid, index->rd_indcollation[0],
                                   F_TEXTEQ, keys[kind][k]);
            index_rescan(scan, &key, 1, nullptr, 0);
            while (index_getnext_slot(scan, ForwardScanDirection, slot)) {
                if (scan->xs_recheck && !key_matches(slot, key_att, keys[kind][k])) continue;
                bool isnull;
                const Datum routed_at = slot_getattr(slot, routed_at_att, &isnull);
                const TimestampTz at = isnull ? DT_NOBEGIN : DatumGetTimestampTz(routed_at);
                // An original routed before routed_at was recorded (NULL until
                // rebuild_identity_keys()) counts whatever the window.
                if (!unlimited && !isnull && at < window_start) continue;
                const Datum owner = slot_getattr(slot, workspace_att, &isnull);
                if (isnull) continue;  // routed and owned by no workspace: no one's original
                if (out.count == capacity) {
                    capacity = capacity == 0 ? asked + 4 : capacity * 2;
                    out.rows = static_cast<Row*>(out.rows == nullptr ? palloc(sizeof(Row) * capacity)
                                                                     : repalloc(out.rows, sizeof(Row) * capacity));
                }
                Row& row = out.rows[out.count++];
                row.kind = static_cast<core::DuplicateKey>(kind);
                row.key = TextDatumGetCString(keys[kind][k]);
                row.lead = *DatumGetUUIDP(slot_getattr(slot, id_att, &isnull));
                row.owner = *DatumGetUUIDP(owner);
                row.routed_at = at;
            }
        }
        index_endscan(scan);
        index_close(index, AccessShareLock);
    }
    ExecDropSingleTupleTableSlot(slot);
    UnregisterSnapshot(snapshot);
    table_close(leads, AccessShareLock);
    keep_partner_owned(&out);
    std::sort(out.rows, out.rows + out.count, before);
    return out;
}

Rows find_for(const char* const keys[core::kDuplicateKeys]) {
    Datum storage[core::kDuplicateKeys];
    Datum* lists[core::kDuplicateKeys];
    int counts[core::kDuplicateKeys];
    for (int kind = 0; kind < core::kDuplicateKeys; ++kind) {
        counts[kind] = keys[kind] != nullptr ? 1 : 0;
        if (keys[kind] != nullptr) storage[kind] = CStringGetTextDatum(keys[kind]);
        lists[kind] = &storage[kind];
    }
    return find(lists, counts);
}

}  // namespace lead_router::pg::identity_owners
