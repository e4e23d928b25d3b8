// When a partner accepts leads: spans of wall-clock time per ISO weekday in its time zone
// (partner_hours; no spans means always).  A span may end at 24:00; a night shift across
// midnight is two spans, one each side.  Pure C++.
#pragma once

#include <vector>

#include "core/zone_clock.h"

namespace lead_router::core {

struct OpeningSpan {
    int iso_weekday;  // 1 Monday .. 7 Sunday
    Micros opens;     // since local midnight, < closes
    Micros closes;    // <= 24 h
};

class AcceptingHours {
public:
    AcceptingHours() = default;  // always open
    explicit AcceptingHours(std::vector<OpeningSpan> spans);

    bool always_open() const noexcept { return spans_.empty(); }
    const std::vector<OpeningSpan>& spans() const noexcept { return spans_; }
    bool open_at(const ZoneClock& zone, Micros t) const;

    // The first instant at or after `t` at which it is open (`t` itself when open now).  An
    // opening time the clocks skip that day opens as far after the change as it lies after
    // the skipped moment.  Open on some weekday, so always found within a week and a day.
    Micros next_opening(const ZoneClock& zone, Micros t) const;

private:
    std::vector<OpeningSpan> spans_;  // by weekday, then opening time
};

}  // namespace lead_router::core
