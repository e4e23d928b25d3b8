// Retry backoff of SPEC.md "Retry queue": 1 min, 5 min, 15 min, then 1 h, with jitter of at
// most +/-10 % so that a burst of failures does not retry in lock-step.
#pragma once

#include <cstdint>

namespace lead_router::core {

// Jitter bound, as a fraction of the base delay.
inline constexpr double kBackoffJitter = 0.10;

// Base delay in seconds after the n-th failed attempt (n >= 1; n < 1 is treated as 1).
std::int64_t backoff_base_seconds(int failed_attempt);

// Delay in microseconds after the n-th failed attempt, with jitter drawn from `unit_random`,
// a uniform value in [0, 1): 0 gives -10 %, 0.5 the base delay, values near 1 almost +10 %.
// Out-of-range values are clamped, so the bound holds whatever the caller passes.
std::int64_t backoff_delay_us(int failed_attempt, double unit_random);

}  // namespace lead_router::core
