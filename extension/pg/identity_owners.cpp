// One statement for all three kinds: a branch per kind, each on its own partial index.
#include "pg/identity_owners.h"

#include <algorithm>
#include <cstring>

#include "pg/datum_convert.h"
#include "pg/settings.h"
#include "pg/spi_statement.h"

namespace lead_router::pg::identity_owners {
namespace {

// $1..$3 email, phone and combined keys; $4 true: no window; $5 the window's start.  An
// original routed before routed_at was recorded (NULL until rebuild_identity_keys()) counts.
// Nothing but the three index scans: most leads find no original, and a join, a sort or a
// filter by workspace in the plan would cost every routing its start-up (the partner check
// and the order are applied below, to the few rows found).
Statement owners_stmt = {
    R"sql(
SELECT 0 AS kind, l.email_key AS key, l.id, l.workspace_id, l.routed_at
  FROM lead_router.leads l
 WHERE l.email_key = ANY ($1) AND l.routing_status = 'routed' AND l.duplicate_of IS NULL
   AND ($4 OR l.routed_at IS NULL OR l.routed_at >= $5)
UNION ALL
SELECT 1, l.phone_key, l.id, l.workspace_id, l.routed_at
  FROM lead_router.leads l
 WHERE l.phone_key = ANY ($2) AND l.routing_status = 'routed' AND l.duplicate_of IS NULL
   AND ($4 OR l.routed_at IS NULL OR l.routed_at >= $5)
UNION ALL
SELECT 2, l.dedupe_hash, l.id, l.workspace_id, l.routed_at
  FROM lead_router.leads l
 WHERE l.dedupe_hash = ANY ($3) AND l.routing_status = 'routed' AND l.duplicate_of IS NULL
   AND ($4 OR l.routed_at IS NULL OR l.routed_at >= $5))sql",
    5,
    {TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, BOOLOID, TIMESTAMPTZOID}};

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
    Datum values[5];
    bool any = false;
    for (int kind = 0; kind < core::kDuplicateKeys; ++kind) {
        const bool listed = (settings::duplicate_keys & kKindBits[kind]) != 0;
        const int n = listed ? counts[kind] : 0;
        any = any || n > 0;
        values[kind] = make_array(keys[kind], nullptr, n, TEXTOID);
    }
    Rows out{0, nullptr};
    if (!any) return out;
    const bool unlimited = settings::duplicate_window_s == 0;
    values[3] = BoolGetDatum(unlimited);
    values[4] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp() -
                                    int64(settings::duplicate_window_s) * USECS_PER_SEC);
    const uint64 rows = execute_latest(owners_stmt, values, nullptr);
    out.rows = static_cast<Row*>(palloc(sizeof(Row) * (rows + 1)));
    for (uint64 r = 0; r < rows; ++r) {
        Row& row = out.rows[out.count++];
        bool isnull;
        row.kind = static_cast<core::DuplicateKey>(DatumGetInt32(column(r, 1, &isnull)));
        row.key = TextDatumGetCString(column(r, 2, &isnull));
        row.lead = *DatumGetUUIDP(column(r, 3, &isnull));
        row.owner = *DatumGetUUIDP(column(r, 4, &isnull));
        const Datum routed_at = column(r, 5, &isnull);
        row.routed_at = isnull ? DT_NOBEGIN : DatumGetTimestampTz(routed_at);
    }
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
