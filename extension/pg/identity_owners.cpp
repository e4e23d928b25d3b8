// One statement for all three kinds: a branch per kind, each on its own partial index.
#include "pg/identity_owners.h"

#include "pg/datum_convert.h"
#include "pg/settings.h"
#include "pg/spi_statement.h"

namespace lead_router::pg::identity_owners {
namespace {

// $1..$3 email, phone and combined keys; $4 true: no window; $5 the window's start.  An
// original routed before routed_at was recorded (NULL until rebuild_identity_keys()) counts.
Statement owners_stmt = {
    R"sql(
SELECT o.kind, o.key, o.id, o.workspace_id, o.routed_at
  FROM (SELECT 0 AS kind, l.email_key AS key, l.id, l.workspace_id, l.routed_at
          FROM lead_router.leads l
         WHERE l.email_key = ANY ($1) AND l.routing_status = 'routed' AND l.duplicate_of IS NULL
        UNION ALL
        SELECT 1, l.phone_key, l.id, l.workspace_id, l.routed_at
          FROM lead_router.leads l
         WHERE l.phone_key = ANY ($2) AND l.routing_status = 'routed' AND l.duplicate_of IS NULL
        UNION ALL
        SELECT 2, l.dedupe_hash, l.id, l.workspace_id, l.routed_at
          FROM lead_router.leads l
         WHERE l.dedupe_hash = ANY ($3) AND l.routing_status = 'routed' AND l.duplicate_of IS NULL) o
  JOIN lead_router.workspaces w ON w.id = o.workspace_id
 WHERE w.workspace_type = 'partner' AND ($4 OR o.routed_at IS NULL OR o.routed_at >= $5)
 ORDER BY o.kind, o.key, o.routed_at NULLS FIRST, o.id)sql",
    5,
    {TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, BOOLOID, TIMESTAMPTZOID}};

constexpr int kKindBits[core::kDuplicateKeys] = {settings::kDuplicateByEmail, settings::kDuplicateByPhone,
                                                 settings::kDuplicateByCombined};

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
