// core latency histogram: bucket boundaries and percentiles reported as bucket bounds.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>

#include "core/latency_histogram.h"

using namespace lead_router::core;

TEST_CASE("latency buckets follow the 1-2-5 series from 10 us to 60 s", "[latency]") {
    CHECK(latency_bucket(-5) == 0);
    CHECK(latency_bucket(0) == 0);
    CHECK(latency_bucket(10) == 0);
    CHECK(latency_bucket(11) == 1);
    CHECK(latency_bucket(20) == 1);
    CHECK(latency_bucket(21) == 2);
    CHECK(latency_bucket(1000) == 6);
    CHECK(latency_bucket(1001) == 7);
    CHECK(latency_bucket(60000000) == kLatencyBuckets - 2);
    CHECK(latency_bucket(60000001) == kLatencyBuckets - 1);
    CHECK(latency_bucket_upper_us(0) == 10);
    CHECK(latency_bucket_upper_us(6) == 1000);
    CHECK(latency_bucket_upper_us(kLatencyBuckets - 1) == std::numeric_limits<std::int64_t>::max());
    for (int i = 0; i + 1 < kLatencyBuckets; ++i) {
        CHECK(latency_bucket(latency_bucket_upper_us(i)) == i);
        CHECK(latency_bucket(latency_bucket_upper_us(i) + 1) == i + 1);
    }
}

TEST_CASE("latency percentiles are the upper bound of the bucket holding the quantile", "[latency]") {
    std::uint64_t counts[kLatencyBuckets] = {};
    CHECK(latency_percentile_us(counts, 0.5) == -1);  // no samples

    // 90 samples <= 100 us, 8 <= 1 ms, 2 <= 10 ms
    counts[latency_bucket(80)] = 90;
    counts[latency_bucket(700)] = 8;
    counts[latency_bucket(9000)] = 2;
    CHECK(latency_percentile_us(counts, 0.50) == 100);
    CHECK(latency_percentile_us(counts, 0.90) == 100);
    CHECK(latency_percentile_us(counts, 0.91) == 1000);
    CHECK(latency_percentile_us(counts, 0.98) == 1000);
    CHECK(latency_percentile_us(counts, 0.99) == 10000);
    CHECK(latency_percentile_us(counts, 1.0) == 10000);
}

TEST_CASE("latency percentile arguments out of range are clamped", "[latency]") {
    std::uint64_t counts[kLatencyBuckets] = {};
    counts[3] = 1;
    counts[5] = 1;
    CHECK(latency_percentile_us(counts, 0.0) == latency_bucket_upper_us(3));
    CHECK(latency_percentile_us(counts, -1.0) == latency_bucket_upper_us(3));
    CHECK(latency_percentile_us(counts, 2.0) == latency_bucket_upper_us(5));
}
