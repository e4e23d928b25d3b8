// Wall-clock arithmetic is done on days and microseconds (civil-date algorithms); ICU is
// asked only for offsets, which is where the time zone rules are.
#include "core/zone_clock.h"

#include <cstdio>

#include <unicode/basictz.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

namespace lead_router::core {

namespace {

constexpr Micros kMicrosPerDay = 24 * kMicrosPerHour;

std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

}  // namespace

// Howard Hinnant's days_from_civil / civil_from_days.
std::int64_t days_from_civil(CivilDate date) noexcept {
    const std::int64_t y = date.year - (date.month <= 2 ? 1 : 0);
    const std::int64_t era = floor_div(y, 400);
    const std::int64_t yoe = y - era * 400;
    const std::int64_t mp = (date.month + 9) % 12;
    const std::int64_t doy = (153 * mp + 2) / 5 + date.day - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

CivilDate civil_from_days(std::int64_t days) noexcept {
    const std::int64_t z = days + 719468;
    const std::int64_t era = floor_div(z, 146097);
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    const int year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
    return {year, month, day};
}

int iso_weekday(std::int64_t days) noexcept {
    // 1970-01-01 was a Thursday (4)
    const std::int64_t from_monday = days + 3;
    return static_cast<int>(from_monday - floor_div(from_monday, 7) * 7) + 1;
}

struct ZoneClock::Impl {
    std::unique_ptr<icu::BasicTimeZone> zone;
};

ZoneClock::ZoneClock(std::string name, std::unique_ptr<Impl> impl) : name_(std::move(name)), impl_(std::move(impl)) {}

ZoneClock::~ZoneClock() = default;

std::unique_ptr<ZoneClock> ZoneClock::load(std::string_view name) {
    const icu::UnicodeString id =
        icu::UnicodeString::fromUTF8(icu::StringPiece(name.data(), static_cast<std::int32_t>(name.size())));
    std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::createTimeZone(id));
    // ICU answers an unknown name with Etc/Unknown, and a custom offset ("GMT+5") with its
    // own spelling of it ("GMT+05:00"): only a zone under the name asked for is one.
    icu::UnicodeString got;
    if (!zone || zone->getID(got) != id) return nullptr;
    auto* basic = dynamic_cast<icu::BasicTimeZone*>(zone.get());
    if (basic == nullptr) return nullptr;
    zone.release();
    auto impl = std::make_unique<Impl>();
    impl->zone.reset(basic);
    return std::unique_ptr<ZoneClock>(new ZoneClock(std::string(name), std::move(impl)));
}

Micros ZoneClock::offset_at(Micros t) const {
    std::int32_t raw = 0, dst = 0;
    UErrorCode status = U_ZERO_ERROR;
    impl_->zone->getOffset(static_cast<UDate>(floor_div(t, 1000)), false, raw, dst, status);
    if (U_FAILURE(status)) return 0;
    return static_cast<Micros>(raw + dst) * 1000;
}

LocalTime ZoneClock::local(Micros t) const {
    const Micros wall = t + offset_at(t);
    const std::int64_t days = floor_div(wall, kMicrosPerDay);
    return {days, wall - days * kMicrosPerDay};
}

Micros ZoneClock::instant(std::int64_t local_days, Micros of_day) const {
    const Micros wall = local_days * kMicrosPerDay + of_day;
    std::int32_t raw = 0, dst = 0;
    UErrorCode status = U_ZERO_ERROR;
    impl_->zone->getOffsetFromLocal(static_cast<UDate>(floor_div(wall, 1000)), UCAL_TZ_LOCAL_FORMER,
                                    UCAL_TZ_LOCAL_FORMER, raw, dst, status);
    if (U_FAILURE(status)) return wall;
    return wall - static_cast<Micros>(raw + dst) * 1000;
}

std::string ZoneClock::format_date_time(Micros t) const {
    const LocalTime l = local(t);
    const CivilDate d = civil_from_days(l.days);
    const long minutes = static_cast<long>(l.of_day / kMicrosPerMinute);
    char out[40];
    std::snprintf(out, sizeof out, "%04d-%02d-%02d %02ld:%02ld", d.year, d.month, d.day, minutes / 60, minutes % 60);
    return out;
}

std::string ZoneClock::format_weekday_time(Micros t) const {
    static constexpr const char* kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    const LocalTime l = local(t);
    const long minutes = static_cast<long>(l.of_day / kMicrosPerMinute);
    char out[24];
    std::snprintf(out, sizeof out, "%s %02ld:%02ld", kDays[iso_weekday(l.days) - 1], minutes / 60, minutes % 60);
    return out;
}

std::string zone_data_version() {
    UErrorCode status = U_ZERO_ERROR;
    const char* version = icu::TimeZone::getTZDataVersion(status);
    return U_SUCCESS(status) && version != nullptr ? version : "unknown";
}

}  // namespace lead_router::core
