#include "pg/distribution_state.h"

#include <cstring>

#include "pg/datum_convert.h"
#include "pg/spi_statement.h"

extern "C" {
#include "datatype/timestamp.h"
#include "utils/array.h"
}

namespace lead_router::pg::distribution_state {
namespace {

constexpr int64 kUnixEpochInPostgres = static_cast<int64>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;

Statement lock_pools_stmt = {
    "SELECT rule_id, destinations, credits FROM lead_router.routing_pool_state"
    " WHERE rule_id = ANY ($1) ORDER BY rule_id FOR UPDATE",
    1,
    {UUIDARRAYOID}};
Statement read_pool_stmt = {
    "SELECT rule_id, destinations, credits FROM lead_router.routing_pool_state WHERE rule_id = $1", 1, {UUIDOID}};
// rules whose pool is there: a pool being written concurrently arrives with its rule's lock
Statement create_pools_stmt = {
    "INSERT INTO lead_router.routing_pool_state (rule_id)"
    " SELECT r.id FROM lead_router.routing_rules r WHERE r.id = ANY ($1) ORDER BY r.id"
    " ON CONFLICT (rule_id) DO NOTHING",
    1,
    {UUIDARRAYOID}};
// $1 rule of each member, $2 member, $3 credit: one row per rule, members in order
Statement write_pools_stmt = {
    R"sql(
UPDATE lead_router.routing_pool_state s
   SET destinations = m.destinations, credits = m.credits, updated_at = pg_catalog.now()
  FROM (SELECT u.rule, pg_catalog.array_agg(u.destination ORDER BY u.n) AS destinations,
               pg_catalog.array_agg(u.credit ORDER BY u.n) AS credits
          FROM unnest($1::uuid[], $2::uuid[], $3::int8[]) WITH ORDINALITY AS u(rule, destination, credit, n)
         GROUP BY u.rule) m
 WHERE s.rule_id = m.rule)sql",
    3,
    {UUIDARRAYOID, UUIDARRAYOID, INT8ARRAYOID}};

Statement lock_caps_stmt = {
    "SELECT workspace_id, period, window_start, used FROM lead_router.partner_cap_usage"
    " WHERE workspace_id = ANY ($1) ORDER BY workspace_id, period FOR UPDATE",
    1,
    {UUIDARRAYOID}};
Statement read_caps_stmt = {
    "SELECT workspace_id, period, window_start, used FROM lead_router.partner_cap_usage"
    " WHERE workspace_id = $1 ORDER BY period",
    1,
    {UUIDOID}};
Statement create_caps_stmt = {
    "INSERT INTO lead_router.partner_cap_usage (workspace_id, period, window_start)"
    " SELECT c.workspace_id, c.period, '-infinity' FROM lead_router.partner_caps c"
    "  WHERE c.workspace_id = ANY ($1) ORDER BY c.workspace_id, c.period"
    " ON CONFLICT (workspace_id, period) DO NOTHING",
    1,
    {UUIDARRAYOID}};
Statement write_caps_stmt = {
    R"sql(
UPDATE lead_router.partner_cap_usage c SET window_start = u.window_start, used = u.used
  FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::int4[]) AS u(workspace_id, period, window_start, used)
 WHERE c.workspace_id = u.workspace_id AND c.period = u.period)sql",
    4,
    {UUIDARRAYOID, TEXTARRAYOID, TIMESTAMPTZARRAYOID, INT4ARRAYOID}};

Datum uuid_array(const pg_uuid_t* ids, int n) {
    Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
    for (int i = 0; i < n; ++i) elems[i] = UUIDPGetDatum(const_cast<pg_uuid_t*>(&ids[i]));
    return make_array(elems, nullptr, n, UUIDOID);
}

// The elements of a uuid[] or int8[] column, copied.
int array_elements(Datum array, Oid type, Datum** out) {
    int16 len;
    bool byval;
    char align;
    get_typlenbyvalalign(type, &len, &byval, &align);
    bool* nulls;
    int n;
    deconstruct_array(DatumGetArrayTypeP(array), type, len, byval, align, out, &nulls, &n);
    return n;
}

PoolCredits pool_of_row(uint64 r) {
    bool isnull;
    PoolCredits p{};
    p.rule = *DatumGetUUIDP(column(r, 1, &isnull));
    Datum* destinations;
    Datum* credits;
    const int n = array_elements(column(r, 2, &isnull), UUIDOID, &destinations);
    const int m = array_elements(column(r, 3, &isnull), INT8OID, &credits);
    p.members = Min(n, m);
    p.destination = static_cast<pg_uuid_t*>(palloc(sizeof(pg_uuid_t) * (p.members + 1)));
    p.credit = static_cast<int64*>(palloc(sizeof(int64) * (p.members + 1)));
    for (int i = 0; i < p.members; ++i) {
        p.destination[i] = *DatumGetUUIDP(destinations[i]);
        p.credit[i] = DatumGetInt64(credits[i]);
    }
    return p;
}

CapCount count_of_row(uint64 r) {
    bool isnull;
    CapCount c{};
    c.workspace = *DatumGetUUIDP(column(r, 1, &isnull));
    strlcpy(c.period, TextDatumGetCString(column(r, 2, &isnull)), sizeof c.period);
    c.window_start = DatumGetTimestampTz(column(r, 3, &isnull));
    c.used = DatumGetInt32(column(r, 4, &isnull));
    return c;
}

int find_rule(const pg_uuid_t* rules, int n, const pg_uuid_t& rule) {
    for (int i = 0; i < n; ++i) {
        if (std::memcmp(rules[i].data, rule.data, UUID_LEN) == 0) return i;
    }
    return -1;
}

}  // namespace

core::Micros micros_of(TimestampTz t) { return t + kUnixEpochInPostgres; }
TimestampTz timestamp_of(core::Micros t) { return t - kUnixEpochInPostgres; }

void lock_pools(const pg_uuid_t* rules, int n, PoolCredits* out) {
    for (int i = 0; i < n; ++i) out[i] = PoolCredits{rules[i], 0, nullptr, nullptr};
    if (n == 0) return;
    const Datum values[] = {uuid_array(rules, n)};
    uint64 rows = execute(lock_pools_stmt, values, nullptr, false);
    if (rows < static_cast<uint64>(n)) {
        execute(create_pools_stmt, values, nullptr, false);
        rows = execute(lock_pools_stmt, values, nullptr, false);
    }
    for (uint64 r = 0; r < rows; ++r) {
        const PoolCredits p = pool_of_row(r);
        const int i = find_rule(rules, n, p.rule);
        if (i >= 0) out[i] = p;
    }
}

void write_pools(const PoolCredits* pools, int n) {
    int total = 0;
    for (int i = 0; i < n; ++i) total += pools[i].members;
    if (total == 0) return;
    Datum* rule = static_cast<Datum*>(palloc(sizeof(Datum) * total));
    Datum* destination = static_cast<Datum*>(palloc(sizeof(Datum) * total));
    Datum* credit = static_cast<Datum*>(palloc(sizeof(Datum) * total));
    int k = 0;
    for (int i = 0; i < n; ++i) {
        for (int m = 0; m < pools[i].members; ++m, ++k) {
            rule[k] = UUIDPGetDatum(const_cast<pg_uuid_t*>(&pools[i].rule));
            destination[k] = UUIDPGetDatum(&pools[i].destination[m]);
            credit[k] = Int64GetDatum(pools[i].credit[m]);
        }
    }
    const Datum values[] = {make_array(rule, nullptr, total, UUIDOID), make_array(destination, nullptr, total, UUIDOID),
                            make_array(credit, nullptr, total, INT8OID)};
    execute(write_pools_stmt, values, nullptr, false);
}

void lock_caps(const pg_uuid_t* partners, int n, int expected, CapCount** out, int* count) {
    *out = nullptr;
    *count = 0;
    if (n == 0) return;
    const Datum values[] = {uuid_array(partners, n)};
    const auto lock = [&] {
        const uint64 rows = execute(lock_caps_stmt, values, nullptr, false);
        *out = static_cast<CapCount*>(palloc(sizeof(CapCount) * (rows + 1)));
        for (uint64 r = 0; r < rows; ++r) (*out)[r] = count_of_row(r);
        *count = static_cast<int>(rows);
    };
    lock();
    if (*count < expected) {
        execute(create_caps_stmt, values, nullptr, false);
        lock();
    }
}

void write_caps(const CapCount* counts, int n) {
    if (n == 0) return;
    Datum* workspace = static_cast<Datum*>(palloc(sizeof(Datum) * n));
    Datum* period = static_cast<Datum*>(palloc(sizeof(Datum) * n));
    Datum* start = static_cast<Datum*>(palloc(sizeof(Datum) * n));
    Datum* used = static_cast<Datum*>(palloc(sizeof(Datum) * n));
    for (int i = 0; i < n; ++i) {
        workspace[i] = UUIDPGetDatum(const_cast<pg_uuid_t*>(&counts[i].workspace));
        period[i] = CStringGetTextDatum(counts[i].period);
        start[i] = TimestampTzGetDatum(counts[i].window_start);
        used[i] = Int32GetDatum(counts[i].used);
    }
    const Datum values[] = {make_array(workspace, nullptr, n, UUIDOID), make_array(period, nullptr, n, TEXTOID),
                            make_array(start, nullptr, n, TIMESTAMPTZOID), make_array(used, nullptr, n, INT4OID)};
    execute(write_caps_stmt, values, nullptr, false);
}

PoolCredits read_pool(const pg_uuid_t& rule) {
    const Datum values[] = {UUIDPGetDatum(const_cast<pg_uuid_t*>(&rule))};
    if (execute(read_pool_stmt, values, nullptr, true) != 1) return PoolCredits{rule, 0, nullptr, nullptr};
    return pool_of_row(0);
}

void read_caps(const pg_uuid_t& partner, CapCount** out, int* count) {
    const Datum values[] = {UUIDPGetDatum(const_cast<pg_uuid_t*>(&partner))};
    const uint64 rows = execute(read_caps_stmt, values, nullptr, true);
    *out = static_cast<CapCount*>(palloc(sizeof(CapCount) * (rows + 1)));
    for (uint64 r = 0; r < rows; ++r) (*out)[r] = count_of_row(r);
    *count = static_cast<int>(rows);
}

}  // namespace lead_router::pg::distribution_state
