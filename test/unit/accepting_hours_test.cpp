// core::AcceptingHours: when a partner takes leads, in its own time zone; schedules across
// midnight and weekdays, and opening times the clocks skip.
#include <catch2/catch.hpp>

#include "core/accepting_hours.h"

using namespace lead_router::core;

namespace {
Micros utc(int y, int mo, int d, int h = 0, int mi = 0) {
    return days_from_civil({y, mo, d}) * 24 * kMicrosPerHour + h * kMicrosPerHour + mi * kMicrosPerMinute;
}
Micros at(int h, int mi = 0) { return h * kMicrosPerHour + mi * kMicrosPerMinute; }
}  // namespace

TEST_CASE("hours: no spans means always open", "[hours]") {
    const auto tokyo = ZoneClock::load("Asia/Tokyo");
    const AcceptingHours always;
    CHECK(always.always_open());
    CHECK(always.open_at(*tokyo, utc(2026, 12, 6, 3)));
    CHECK(always.next_opening(*tokyo, utc(2026, 12, 6, 3)) == utc(2026, 12, 6, 3));
}

TEST_CASE("hours: office hours on weekdays, the next opening after a weekend", "[hours]") {
    const auto tokyo = ZoneClock::load("Asia/Tokyo");  // UTC+9
    std::vector<OpeningSpan> spans;
    for (int day = 1; day <= 5; ++day) spans.push_back({day, at(9), at(17)});
    const AcceptingHours office(spans);
    CHECK(office.open_at(*tokyo, utc(2026, 12, 1, 1)));   // Tue 10:00 JST
    CHECK(!office.open_at(*tokyo, utc(2026, 12, 1, 8)));  // Tue 17:00 JST: closed at closing time
    CHECK(office.open_at(*tokyo, utc(2026, 12, 1, 7, 59)));
    CHECK(!office.open_at(*tokyo, utc(2026, 12, 5, 3)));  // Sat 12:00 JST
    // Friday evening -> Monday 09:00 JST
    const Micros next = office.next_opening(*tokyo, utc(2026, 12, 4, 9));
    CHECK(tokyo->format_weekday_time(next) == "Mon 09:00");
    CHECK(next == utc(2026, 12, 7, 0));
    // before opening on a weekday: the same day
    CHECK(office.next_opening(*tokyo, utc(2026, 11, 30, 23)) == utc(2026, 12, 1, 0));
}

TEST_CASE("hours: a night shift across midnight is two spans, open through midnight", "[hours]") {
    const auto ny = ZoneClock::load("America/New_York");
    const AcceptingHours night({{5, at(22), at(24)}, {6, at(0), at(2)}});  // Fri 22:00 - Sat 02:00
    const std::int64_t friday = days_from_civil({2026, 12, 4});
    CHECK(!night.open_at(*ny, ny->instant(friday, at(21, 59))));
    CHECK(night.open_at(*ny, ny->instant(friday, at(22))));
    CHECK(night.open_at(*ny, ny->instant(friday, at(23, 59))));
    CHECK(night.open_at(*ny, ny->instant(friday + 1, at(0))));
    CHECK(night.open_at(*ny, ny->instant(friday + 1, at(1, 59))));
    CHECK(!night.open_at(*ny, ny->instant(friday + 1, at(2))));
    // Saturday 03:00 -> next Friday 22:00
    CHECK(night.next_opening(*ny, ny->instant(friday + 1, at(3))) == ny->instant(friday + 7, at(22)));
}

TEST_CASE("hours: opening times the clocks skip", "[hours]") {
    const auto ny = ZoneClock::load("America/New_York");
    const std::int64_t spring = days_from_civil({2026, 3, 8});  // Sunday, 02:00 -> 03:00
    // opens 02:30 on the change: as far after 03:00 as 02:30 is after 02:00
    const AcceptingHours late({{7, at(2, 30), at(6)}});
    CHECK(ny->format_date_time(late.next_opening(*ny, utc(2026, 3, 8, 5))) == "2026-03-08 03:30");
    // a span wholly in the skipped hour does not happen that day
    const AcceptingHours lost({{7, at(2), at(2, 45)}});
    CHECK(ny->format_date_time(lost.next_opening(*ny, utc(2026, 3, 8, 5))) == "2026-03-15 02:00");
    // a span covering the change is open on both sides of it
    const AcceptingHours through({{7, at(1), at(4)}});
    CHECK(through.open_at(*ny, ny->instant(spring, at(1, 59))));
    CHECK(through.open_at(*ny, ny->instant(spring, at(3))));
}
