#include "core/accepting_hours.h"

#include <algorithm>
#include <limits>

namespace lead_router::core {

AcceptingHours::AcceptingHours(std::vector<OpeningSpan> spans) : spans_(std::move(spans)) {
    std::sort(spans_.begin(), spans_.end(), [](const OpeningSpan& a, const OpeningSpan& b) {
        return a.iso_weekday != b.iso_weekday ? a.iso_weekday < b.iso_weekday : a.opens < b.opens;
    });
}

bool AcceptingHours::open_at(const ZoneClock& zone, Micros t) const {
    if (spans_.empty()) return true;
    const LocalTime now = zone.local(t);
    const int weekday = iso_weekday(now.days);
    for (const OpeningSpan& span : spans_) {
        if (span.iso_weekday == weekday && span.opens <= now.of_day && now.of_day < span.closes) return true;
    }
    return false;
}

Micros AcceptingHours::next_opening(const ZoneClock& zone, Micros t) const {
    if (open_at(zone, t)) return t;
    const LocalTime now = zone.local(t);
    Micros best = std::numeric_limits<Micros>::max();
    for (std::int64_t day = now.days; day <= now.days + 8; ++day) {
        const int weekday = iso_weekday(day);
        for (const OpeningSpan& span : spans_) {
            if (span.iso_weekday != weekday) continue;
            const Micros opens = zone.instant(day, span.opens);
            if (opens > t && opens < best && open_at(zone, opens)) best = opens;
        }
        if (best != std::numeric_limits<Micros>::max()) return best;
    }
    return best;
}

}  // namespace lead_router::core
