// What decides whether a partner can take a lead, apart from its usage: whether it is
// active, its time zone, its accepting hours and its caps (workspaces, partner_hours,
// partner_caps), cached per backend and rebuilt when those tables change.
#pragma once

#include "pg/postgres_headers.h"

#include <vector>

#include "core/accepting_hours.h"
#include "core/capacity_window.h"
#include "core/zone_clock.h"

namespace lead_router::pg::partner_cache {

struct CapLimit {
    core::CapPeriod period;
    int32 max_leads;
};

struct Partner {
    bool found = false;
    bool active = false;
    const core::ZoneClock* zone = nullptr;  // never null when found
    core::AcceptingHours hours;
    std::vector<CapLimit> caps;  // by period
    uint64 generation = 0;
    // Routed to without any lock or count: no caps and no hours.
    bool unconstrained() const { return caps.empty() && hours.always_open(); }
};

// The partner's settings; valid until the next call.  Requires SPI_connect.
const Partner& get(const pg_uuid_t& workspace_id);

// The zone of an IANA name, or nullptr when ICU does not know it (kept for the backend's
// life: there are a few hundred zones at most).
const core::ZoneClock* zone(const char* name);

}  // namespace lead_router::pg::partner_cache
