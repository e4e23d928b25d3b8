// Local time in a partner's time zone, on ICU's time zone rules: what "today", "this week"
// and "opens at 09:00" mean for a partner (SPEC.md "Distribution").  Instants are
// microseconds since the Unix epoch, UTC; the adapter converts PostgreSQL timestamps.
// Pure C++ over ICU; PostgreSQL headers never come in here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace lead_router::core {

using Micros = std::int64_t;  // microseconds since 1970-01-01 00:00 UTC

inline constexpr Micros kMicrosPerMinute = 60'000'000;
inline constexpr Micros kMicrosPerHour = 60 * kMicrosPerMinute;

// A civil date (proleptic Gregorian).
struct CivilDate {
    int year;
    int month;  // 1..12
    int day;    // 1..31
};

// Days since 1970-01-01 of a civil date, and back; the ISO weekday (1 Monday .. 7 Sunday).
std::int64_t days_from_civil(CivilDate date) noexcept;
CivilDate civil_from_days(std::int64_t days) noexcept;
int iso_weekday(std::int64_t days) noexcept;

// A wall-clock reading: the local date and the microseconds since its midnight.
struct LocalTime {
    std::int64_t days;  // local date, as days since 1970-01-01
    Micros of_day;      // 0 .. 24 h
};

class ZoneClock {
public:
    // The zone of an IANA name ICU knows ("America/New_York", "UTC"), or nullptr.
    static std::unique_ptr<ZoneClock> load(std::string_view name);
    ~ZoneClock();
    ZoneClock(const ZoneClock&) = delete;
    ZoneClock& operator=(const ZoneClock&) = delete;

    const std::string& name() const noexcept { return name_; }

    // The offset from UTC in force at `t`, and the wall clock there.
    Micros offset_at(Micros t) const;
    LocalTime local(Micros t) const;

    // The instant a wall-clock time of a local date names.  A time the clocks skip (spring
    // forward) is read with the offset before the change, landing as far after the change as
    // it lies after the skipped moment (02:30 in a 02:00-03:00 gap is 03:30; midnight at the
    // start of a gap is the change itself, the day's first instant); a time that happens
    // twice (fall back) is its first occurrence.
    Micros instant(std::int64_t local_days, Micros of_day) const;

    // "2026-12-02 00:00" and "Mon 09:00": a wall-clock reading of `t`, for messages.
    std::string format_date_time(Micros t) const;
    std::string format_weekday_time(Micros t) const;

private:
    struct Impl;
    ZoneClock(std::string name, std::unique_ptr<Impl> impl);
    std::string name_;
    std::unique_ptr<Impl> impl_;
};

// The version of ICU's time zone data ("2022e").
std::string zone_data_version();

}  // namespace lead_router::core
