// Backoff schedule and jitter; the random draw is the caller's, so this stays deterministic.
#include "core/retry_backoff.h"

#include <cmath>

namespace lead_router::core {

std::int64_t backoff_base_seconds(int failed_attempt) {
    static constexpr std::int64_t kSchedule[] = {60, 5 * 60, 15 * 60, 60 * 60};
    constexpr int kSteps = sizeof(kSchedule) / sizeof(kSchedule[0]);
    if (failed_attempt < 1) failed_attempt = 1;
    return kSchedule[failed_attempt > kSteps ? kSteps - 1 : failed_attempt - 1];
}

std::int64_t backoff_delay_us(int failed_attempt, double unit_random) {
    if (!(unit_random >= 0.0)) unit_random = 0.0;  // also catches NaN
    if (unit_random >= 1.0) unit_random = std::nextafter(1.0, 0.0);
    const double base_us = static_cast<double>(backoff_base_seconds(failed_attempt)) * 1e6;
    const double factor = 1.0 + kBackoffJitter * (2.0 * unit_random - 1.0);
    return static_cast<std::int64_t>(std::llround(base_us * factor));
}

}  // namespace lead_router::core
