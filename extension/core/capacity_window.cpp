#include "core/capacity_window.h"

namespace lead_router::core {

namespace {

constexpr Micros kMicrosPerDay = 24 * kMicrosPerHour;

Micros floor_to(Micros value, Micros unit) {
    Micros q = value / unit;
    if (value % unit != 0 && value < 0) --q;
    return q * unit;
}

std::int64_t first_of_next_month(CivilDate d) {
    return d.month == 12 ? days_from_civil({d.year + 1, 1, 1}) : days_from_civil({d.year, d.month + 1, 1});
}

}  // namespace

const char* cap_period_name(CapPeriod period) {
    switch (period) {
        case CapPeriod::hour:
            return "hour";
        case CapPeriod::day:
            return "day";
        case CapPeriod::week:
            return "week";
        case CapPeriod::month:
            return "month";
    }
    return "?";
}

std::optional<CapPeriod> cap_period(std::string_view name) {
    for (int p = 0; p < kCapPeriods; ++p) {
        const CapPeriod period = static_cast<CapPeriod>(p);
        if (name == cap_period_name(period)) return period;
    }
    return std::nullopt;
}

Window window_at(const ZoneClock& zone, CapPeriod period, Micros t) {
    const LocalTime now = zone.local(t);
    switch (period) {
        case CapPeriod::hour: {
            const Micros offset = zone.offset_at(t);
            const Micros start = floor_to(t + offset, kMicrosPerHour) - offset;
            return {start, start + kMicrosPerHour};
        }
        case CapPeriod::day:
            return {zone.instant(now.days, 0), zone.instant(now.days + 1, 0)};
        case CapPeriod::week: {
            const std::int64_t monday = now.days - (iso_weekday(now.days) - 1);
            return {zone.instant(monday, 0), zone.instant(monday + 7, 0)};
        }
        case CapPeriod::month: {
            const CivilDate d = civil_from_days(now.days);
            return {zone.instant(days_from_civil({d.year, d.month, 1}), 0), zone.instant(first_of_next_month(d), 0)};
        }
    }
    return {floor_to(t, kMicrosPerDay), floor_to(t, kMicrosPerDay) + kMicrosPerDay};
}

}  // namespace lead_router::core
