// Fixed-bucket latency histogram math (1-2-5 series from 10 us to 60 s).  Plain counters, so
// the same buckets serve a backend-local histogram and one in shared memory.
#pragma once

#include <cstdint>

namespace lead_router::core {

constexpr int kLatencyBuckets = 22;

// Bucket of a duration in microseconds: bucket i holds durations <= upper bound i and above
// upper bound i-1; the last bucket holds everything above 60 s.  Negative counts as 0.
int latency_bucket(std::int64_t micros);

// Upper bound of bucket i in microseconds (INT64_MAX for the last bucket).
std::int64_t latency_bucket_upper_us(int bucket);

// The p-quantile (0 < p <= 1) of the counts, reported as the upper bound of the bucket it
// falls in (so a reported p95 of 5000 means "95 % took at most 5 ms"); -1 when empty.
std::int64_t latency_percentile_us(const std::uint64_t* counts, double p);

}  // namespace lead_router::core
