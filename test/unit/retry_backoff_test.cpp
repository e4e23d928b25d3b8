// core::backoff_base_seconds and core::backoff_delay_us: SPEC.md "Retry queue" — 1 min, 5 min,
// 15 min, then 1 h, with at most +/-10 % jitter.
#include <catch2/catch.hpp>

#include <climits>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#include "core/retry_backoff.h"

using lead_router::core::backoff_base_seconds;
using lead_router::core::backoff_delay_us;
using lead_router::core::kBackoffJitter;

namespace {

constexpr std::int64_t kMicros = 1000000;

// Integer bounds of the +/-10 % band in microseconds.
std::int64_t lower_us(int attempt) { return backoff_base_seconds(attempt) * 900000; }
std::int64_t upper_us(int attempt) { return backoff_base_seconds(attempt) * 1100000; }

const double kJustBelowOne = std::nextafter(1.0, 0.0);

}  // namespace

TEST_CASE("backoff base is 1 min, 5 min, 15 min, 1 h after failed attempts 1 to 4, then stays 1 h", "[backoff][base]") {
    REQUIRE(backoff_base_seconds(1) == 60);
    REQUIRE(backoff_base_seconds(2) == 300);
    REQUIRE(backoff_base_seconds(3) == 900);
    REQUIRE(backoff_base_seconds(4) == 3600);
    int not_an_hour = 0;
    for (int attempt = 5; attempt <= 1000; ++attempt) {
        if (backoff_base_seconds(attempt) != 3600) ++not_an_hour;
    }
    REQUIRE(not_an_hour == 0);
    REQUIRE(backoff_base_seconds(INT_MAX) == 3600);
}

TEST_CASE("backoff base for attempt 0 or negative is the first step, 60 s", "[backoff][base]") {
    REQUIRE(backoff_base_seconds(0) == 60);
    REQUIRE(backoff_base_seconds(-1) == 60);
    REQUIRE(backoff_base_seconds(-1000) == 60);
    REQUIRE(backoff_base_seconds(INT_MIN) == 60);
    REQUIRE(backoff_delay_us(0, 0.5) == 60 * kMicros);
}

TEST_CASE("backoff delay with unit_random 0.5 is exactly the base, in microseconds", "[backoff][jitter]") {
    REQUIRE(backoff_delay_us(1, 0.5) == 60 * kMicros);
    REQUIRE(backoff_delay_us(2, 0.5) == 300 * kMicros);
    REQUIRE(backoff_delay_us(3, 0.5) == 900 * kMicros);
    REQUIRE(backoff_delay_us(4, 0.5) == 3600 * kMicros);
    REQUIRE(backoff_delay_us(5, 0.5) == 3600 * kMicros);
    REQUIRE(backoff_delay_us(6, 0.5) == 3600 * kMicros);
}

TEST_CASE("backoff delay with unit_random 0 is exactly 10 % below the base", "[backoff][jitter]") {
    REQUIRE(kBackoffJitter == 0.10);
    REQUIRE(backoff_delay_us(1, 0.0) == 54 * kMicros);
    REQUIRE(backoff_delay_us(2, 0.0) == 270 * kMicros);
    REQUIRE(backoff_delay_us(3, 0.0) == 810 * kMicros);
    REQUIRE(backoff_delay_us(4, 0.0) == 3240 * kMicros);
}

TEST_CASE("backoff delay with unit_random near 1 is just under (at most) 10 % above the base", "[backoff][jitter]") {
    for (int attempt = 1; attempt <= 6; ++attempt) {
        INFO("attempt " << attempt);
        const std::int64_t base_us = backoff_base_seconds(attempt) * kMicros;
        const std::int64_t top = backoff_delay_us(attempt, kJustBelowOne);
        CHECK(top <= upper_us(attempt));
        CHECK(top > base_us + base_us / 10 - base_us / 10000);  // within 0.01 % of +10 %
        const std::int64_t near = backoff_delay_us(attempt, 0.9999);
        CHECK(near < upper_us(attempt));
        CHECK(near > base_us + base_us / 10 - base_us / 1000);
    }
}

TEST_CASE("backoff delay stays within +/-10 % for a 10,000-step sweep of [0, 1), attempts 1 to 6",
          "[backoff][jitter]") {
    int out_of_band = 0;
    for (int attempt = 1; attempt <= 6; ++attempt) {
        for (int i = 0; i < 10000; ++i) {
            const double u = i / 10000.0;
            const std::int64_t d = backoff_delay_us(attempt, u);
            if (d < lower_us(attempt) || d > upper_us(attempt)) {
                UNSCOPED_INFO("attempt " << attempt << " u " << u << " -> " << d);
                ++out_of_band;
            }
        }
    }
    REQUIRE(out_of_band == 0);
}

TEST_CASE("backoff delay is monotonic non-decreasing in unit_random", "[backoff][jitter]") {
    int decreasing = 0;
    for (int attempt = 1; attempt <= 5; ++attempt) {
        std::int64_t previous = backoff_delay_us(attempt, 0.0);
        for (int i = 1; i <= 10000; ++i) {
            const double u = (i == 10000) ? kJustBelowOne : i / 10000.0;
            const std::int64_t d = backoff_delay_us(attempt, u);
            if (d < previous) ++decreasing;
            previous = d;
        }
        // ... and strictly larger across the band.
        REQUIRE(backoff_delay_us(attempt, 0.25) < backoff_delay_us(attempt, 0.75));
    }
    REQUIRE(decreasing == 0);
}

TEST_CASE("backoff delay clamps out-of-range unit_random (negative, 1, 2, NaN, infinity)", "[backoff][jitter][clamp]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    for (int attempt = 1; attempt <= 5; ++attempt) {
        INFO("attempt " << attempt);
        const std::int64_t bottom = backoff_delay_us(attempt, 0.0);
        const std::int64_t top = backoff_delay_us(attempt, kJustBelowOne);
        CHECK(bottom == lower_us(attempt));
        CHECK(backoff_delay_us(attempt, -0.5) == bottom);
        CHECK(backoff_delay_us(attempt, -1e300) == bottom);
        CHECK(backoff_delay_us(attempt, -inf) == bottom);
        CHECK(backoff_delay_us(attempt, nan) == bottom);
        CHECK(backoff_delay_us(attempt, 1.0) == top);
        CHECK(backoff_delay_us(attempt, 2.0) == top);
        CHECK(backoff_delay_us(attempt, 1e300) == top);
        CHECK(backoff_delay_us(attempt, inf) == top);
        CHECK(top <= upper_us(attempt));
    }
}

TEST_CASE("backoff jitter is real: 10,000 fixed-seed draws spread over nearly the whole band", "[backoff][jitter]") {
    std::mt19937 rng(12345u);  // the engine's output is fully specified by the standard
    for (int attempt = 1; attempt <= 4; ++attempt) {
        INFO("attempt " << attempt);
        const double base_us = static_cast<double>(backoff_base_seconds(attempt) * kMicros);
        std::int64_t lo = std::numeric_limits<std::int64_t>::max();
        std::int64_t hi = std::numeric_limits<std::int64_t>::min();
        for (int i = 0; i < 10000; ++i) {
            const double u = static_cast<double>(rng()) / 4294967296.0;  // [0, 1)
            const std::int64_t d = backoff_delay_us(attempt, u);
            lo = std::min(lo, d);
            hi = std::max(hi, d);
        }
        CHECK(lo >= lower_us(attempt));
        CHECK(hi <= upper_us(attempt));
        CHECK(static_cast<double>(lo) < 0.91 * base_us);
        CHECK(static_cast<double>(hi) > 1.09 * base_us);
    }
}
