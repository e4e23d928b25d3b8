// core::window_at: the windows caps count in, in the partner's time zone, across DST.
#include <catch2/catch.hpp>

#include <vector>

#include "core/capacity_window.h"

using namespace lead_router::core;

namespace {
Micros utc(int y, int mo, int d, int h = 0, int mi = 0) {
    return days_from_civil({y, mo, d}) * 24 * kMicrosPerHour + h * kMicrosPerHour + mi * kMicrosPerMinute;
}
}  // namespace

TEST_CASE("windows: a day from local midnight, 23 h and 25 h on DST changes", "[window]") {
    const auto ny = ZoneClock::load("America/New_York");
    const Window normal = window_at(*ny, CapPeriod::day, utc(2026, 6, 10, 15));
    CHECK(normal.start == utc(2026, 6, 10, 4));
    CHECK(normal.end - normal.start == 24 * kMicrosPerHour);

    const Window spring = window_at(*ny, CapPeriod::day, utc(2026, 3, 8, 12));
    CHECK(spring.start == utc(2026, 3, 8, 5));
    CHECK(spring.end == utc(2026, 3, 9, 4));
    CHECK(spring.end - spring.start == 23 * kMicrosPerHour);

    const Window autumn = window_at(*ny, CapPeriod::day, utc(2026, 11, 1, 12));
    CHECK(autumn.start == utc(2026, 11, 1, 4));
    CHECK(autumn.end == utc(2026, 11, 2, 5));
    CHECK(autumn.end - autumn.start == 25 * kMicrosPerHour);

    // the last minutes of a local day are still in it (UTC has long moved on)
    CHECK(window_at(*ny, CapPeriod::day, utc(2026, 11, 2, 4, 59)).start == autumn.start);
    CHECK(window_at(*ny, CapPeriod::day, utc(2026, 11, 2, 5, 0)).start == autumn.end);

    // Havana skips its midnight: the day starts at its first instant, 01:00
    const auto havana = ZoneClock::load("America/Havana");
    const Window skipped = window_at(*havana, CapPeriod::day, utc(2026, 3, 8, 12));
    CHECK(skipped.start == utc(2026, 3, 8, 5));
    CHECK(skipped.end - skipped.start == 23 * kMicrosPerHour);
}

TEST_CASE("windows: hours on the wall clock, weeks from Monday, months from the 1st", "[window]") {
    const auto kolkata = ZoneClock::load("Asia/Kolkata");  // +05:30
    const Window hour = window_at(*kolkata, CapPeriod::hour, utc(2026, 6, 10, 10, 45));
    CHECK(hour.start == utc(2026, 6, 10, 10, 30));
    CHECK(hour.end == utc(2026, 6, 10, 11, 30));

    const auto ny = ZoneClock::load("America/New_York");
    // fall back: the clock hour 01:00-02:00 happens twice, each its own hour
    const Window first = window_at(*ny, CapPeriod::hour, utc(2026, 11, 1, 5, 30));
    const Window second = window_at(*ny, CapPeriod::hour, utc(2026, 11, 1, 6, 30));
    CHECK(first.start == utc(2026, 11, 1, 5));
    CHECK(second.start == utc(2026, 11, 1, 6));
    CHECK(first.end == second.start);

    const auto tokyo = ZoneClock::load("Asia/Tokyo");
    const Window week = window_at(*tokyo, CapPeriod::week, utc(2026, 12, 2, 3));  // Wed 12:00 JST
    CHECK(tokyo->format_date_time(week.start) == "2026-11-30 00:00");
    CHECK(tokyo->format_weekday_time(week.start) == "Mon 00:00");
    CHECK(week.end - week.start == 7 * 24 * kMicrosPerHour);
    // Sunday 23:30 is still the week that began on Monday
    CHECK(window_at(*tokyo, CapPeriod::week, utc(2026, 12, 6, 14, 30)).start == week.start);

    const Window month = window_at(*ny, CapPeriod::month, utc(2026, 3, 20));
    CHECK(ny->format_date_time(month.start) == "2026-03-01 00:00");
    CHECK(ny->format_date_time(month.end) == "2026-04-01 00:00");
    CHECK(month.end - month.start == (31 * 24 - 1) * kMicrosPerHour);  // the month of the spring change
    const Window december = window_at(*ny, CapPeriod::month, utc(2026, 12, 31, 12));
    CHECK(ny->format_date_time(december.end) == "2027-01-01 00:00");
}

TEST_CASE("windows: every instant is in its window, and windows follow one another", "[window]") {
    const char* zones[] = {"UTC",          "America/New_York", "Europe/London",  "Australia/Lord_Howe",
                           "Asia/Kolkata", "America/Havana",   "Pacific/Chatham"};
    for (const char* name : zones) {
        const auto z = ZoneClock::load(name);
        REQUIRE(z != nullptr);
        for (int p = 0; p < kCapPeriods; ++p) {
            const CapPeriod period = static_cast<CapPeriod>(p);
            for (Micros t = utc(2026, 1, 1); t < utc(2027, 1, 1); t += 613 * kMicrosPerMinute) {
                const Window w = window_at(*z, period, t);
                INFO(name << " " << cap_period_name(period) << " at " << z->format_date_time(t));
                REQUIRE(w.start <= t);
                REQUIRE(t < w.end);
                if (period != CapPeriod::hour) REQUIRE(window_at(*z, period, w.end).start == w.end);
            }
        }
    }
}

TEST_CASE("windows: period names", "[window]") {
    CHECK(cap_period("day") == CapPeriod::day);
    CHECK(cap_period("week") == CapPeriod::week);
    CHECK(!cap_period("Day"));
    CHECK(!cap_period("year"));
    CHECK(std::string(cap_period_name(CapPeriod::month)) == "month");
}
