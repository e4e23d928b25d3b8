// The calendar windows partner caps count in (SPEC.md "Distribution"): the hour, the day from
// local midnight, the week from Monday 00:00 and the month from the 1st 00:00, all in the
// partner's own time zone.  A day is as long as the clocks make it: 23 or 25 hours on a DST
// change, carrying the full daily cap either way.  Pure C++.
#pragma once

#include <optional>
#include <string_view>

#include "core/zone_clock.h"

namespace lead_router::core {

enum class CapPeriod { hour, day, week, month };
inline constexpr int kCapPeriods = 4;

const char* cap_period_name(CapPeriod period);
std::optional<CapPeriod> cap_period(std::string_view name);

// [start, end): the window of `period` that contains `t`.
struct Window {
    Micros start;
    Micros end;
};

// The hour is the wall clock's: where the offset has minutes (+05:30) the hour starts at the
// local :00.  Around a change of offset the clock hour before and after it are each an hour
// long (01:00-02:00 twice on a fall-back night).
Window window_at(const ZoneClock& zone, CapPeriod period, Micros t);

}  // namespace lead_router::core
