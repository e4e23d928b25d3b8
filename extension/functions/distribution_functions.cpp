// SQL entry points of distribution: partner_capacity_at (behind the partner_capacity view)
// and partner_availability.  Both run as the extension owner, so that the per-backend
// partner cache is always built from every row, and show the caller only the partners it
// may act on (every partner to a caller that bypasses row-level security).
#include "pg/access_control.h"
#include "pg/boundary.h"

#include "core/capacity_window.h"
#include "pg/datum_convert.h"
#include "pg/distribution_memory.h"
#include "pg/distribution_state.h"
#include "pg/route_distribution.h"
#include "pg/partner_cache.h"
#include "pg/spi_statement.h"

namespace pg = lead_router::pg;
namespace core = lead_router::core;
namespace ds = lead_router::pg::distribution_state;

namespace {

pg::Statement caps_stmt = {
    "SELECT c.workspace_id, c.period, c.max_leads FROM lead_router.partner_caps c"
    " ORDER BY c.workspace_id, c.period",
    0,
    {}};
pg::Statement partners_stmt = {
    "SELECT id FROM lead_router.workspaces WHERE workspace_type = 'partner' ORDER BY id", 0, {}};

// What one cap of a partner has used in the window containing `at`.
int32 used_in(const ds::CapCount* counts, int n, const char* period, const core::Window& window) {
    for (int i = 0; i < n; ++i) {
        if (strcmp(counts[i].period, period) == 0 && counts[i].window_start == ds::timestamp_of(window.start)) {
            return counts[i].used;
        }
    }
    return 0;
}

// The same, from shared memory when the library is preloaded.
int32 used_by(const pg_uuid_t& workspace, core::CapPeriod period, const ds::CapCount* counts, int n,
              const core::Window& window, core::Micros now) {
    if (lead_router::pg::distribution_memory::available()) {
        return lead_router::pg::route_distribution::shared_used(workspace, period, window, now);
    }
    return used_in(counts, n, core::cap_period_name(period), window);
}

struct Row {
    pg_uuid_t workspace;
    char period[8];
    int32 max_leads;
};

}  // namespace

// partner_capacity_at(at timestamptz) returns table (workspace_id, period, max_leads, used,
//   window_start, window_end)
LEAD_ROUTER_FUNCTION(lr_partner_capacity_at) {
    const TimestampTz at = PG_GETARG_TIMESTAMPTZ(0);
    ReturnSetInfo* rsinfo = pg::result_set(fcinfo, 6);
    pg::connect();
    const uint64 n = pg::execute(caps_stmt, nullptr, nullptr, true);
    Row* rows = static_cast<Row*>(palloc(sizeof(Row) * (n + 1)));
    for (uint64 i = 0; i < n; ++i) {
        bool isnull;
        rows[i].workspace = *DatumGetUUIDP(pg::column(i, 1, &isnull));
        strlcpy(rows[i].period, TextDatumGetCString(pg::column(i, 2, &isnull)), sizeof rows[i].period);
        rows[i].max_leads = DatumGetInt32(pg::column(i, 3, &isnull));
    }
    bool visible = false;
    ds::CapCount* counts = nullptr;
    int ncounts = 0;
    for (uint64 i = 0; i < n; ++i) {
        const Row& row = rows[i];
        if (i == 0 || memcmp(row.workspace.data, rows[i - 1].workspace.data, UUID_LEN) != 0) {
            visible = pg::access_control::caller_may_act_on(UUIDPGetDatum(&rows[i].workspace));
            if (visible && !lead_router::pg::distribution_memory::available()) {
                ds::read_caps(row.workspace, &counts, &ncounts);
            }
        }
        const auto period = core::cap_period(row.period);
        if (!visible || !period) continue;
        const core::ZoneClock& zone = *pg::partner_cache::get(row.workspace).zone;
        const core::Window window = core::window_at(zone, *period, ds::micros_of(at));
        Datum values[6];
        bool nulls[6] = {};
        int c = 0;
        values[c++] = pg::uuid_datum(row.workspace);
        values[c++] = CStringGetTextDatum(row.period);
        values[c++] = Int32GetDatum(row.max_leads);
        values[c++] = Int32GetDatum(used_by(row.workspace, *period, counts, ncounts, window,
                                            ds::micros_of(GetCurrentTransactionStartTimestamp())));
        values[c++] = TimestampTzGetDatum(ds::timestamp_of(window.start));
        values[c++] = TimestampTzGetDatum(ds::timestamp_of(window.end));
        Assert(c == 6);
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    pg::finish();
    return (Datum)0;
}

// partner_availability(at timestamptz) returns table (workspace_id, is_active, is_open,
//   next_opening, capped_periods)
LEAD_ROUTER_FUNCTION(lr_partner_availability) {
    const TimestampTz at = PG_GETARG_TIMESTAMPTZ(0);
    const core::Micros t = ds::micros_of(at);
    ReturnSetInfo* rsinfo = pg::result_set(fcinfo, 5);
    pg::connect();
    const uint64 n = pg::execute(partners_stmt, nullptr, nullptr, true);
    pg_uuid_t* ids = static_cast<pg_uuid_t*>(palloc(sizeof(pg_uuid_t) * (n + 1)));
    for (uint64 i = 0; i < n; ++i) {
        bool isnull;
        ids[i] = *DatumGetUUIDP(pg::column(i, 1, &isnull));
    }
    for (uint64 i = 0; i < n; ++i) {
        if (!pg::access_control::caller_may_act_on(UUIDPGetDatum(&ids[i]))) continue;
        ds::CapCount* counts = nullptr;
        int ncounts = 0;
        if (!lead_router::pg::distribution_memory::available()) ds::read_caps(ids[i], &counts, &ncounts);
        const pg::partner_cache::Partner& p = pg::partner_cache::get(ids[i]);
        const bool open = p.hours.open_at(*p.zone, t);
        Datum* capped = static_cast<Datum*>(palloc(sizeof(Datum) * (p.caps.size() + 1)));
        int ncapped = 0;
        for (const pg::partner_cache::CapLimit& cap : p.caps) {
            const char* name = core::cap_period_name(cap.period);
            const core::Window window = core::window_at(*p.zone, cap.period, t);
            if (used_by(ids[i], cap.period, counts, ncounts, window,
                        ds::micros_of(GetCurrentTransactionStartTimestamp())) >= cap.max_leads)
                capped[ncapped++] = CStringGetTextDatum(name);
        }
        Datum values[5];
        bool nulls[5] = {};
        int c = 0;
        values[c++] = pg::uuid_datum(ids[i]);
        values[c++] = BoolGetDatum(p.active);
        values[c++] = BoolGetDatum(open);
        nulls[c] = open;
        values[c++] = open ? (Datum)0 : TimestampTzGetDatum(ds::timestamp_of(p.hours.next_opening(*p.zone, t)));
        values[c++] = pg::make_array(capped, nullptr, ncapped, TEXTOID);
        Assert(c == 5);
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    pg::finish();
    return (Datum)0;
}

// save_distribution_state() returns void: the pools' credits and the caps' current counts,
// kept in shared memory when the library is preloaded, into routing_pool_state and
// partner_cap_usage (the worker does it every minute); nothing to do otherwise, where those
// tables are the state itself.
LEAD_ROUTER_FUNCTION(lr_save_distribution_state) {
    pg::connect();
    lead_router::pg::distribution_memory::save();
    pg::finish();
    PG_RETURN_VOID();
}
