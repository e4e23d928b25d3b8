// Latency buckets and quantiles.
#include "core/latency_histogram.h"

#include <cmath>
#include <limits>

namespace lead_router::core {
namespace {

constexpr std::int64_t kUpper[kLatencyBuckets - 1] = {
    10,    20,     50,     100,    200,     500,     1000,    2000,     5000,     10000,    20000,
    50000, 100000, 200000, 500000, 1000000, 2000000, 5000000, 10000000, 20000000, 60000000,
};

}  // namespace

int latency_bucket(std::int64_t micros) {
    int i = 0;
    while (i < kLatencyBuckets - 1 && micros > kUpper[i]) ++i;
    return i;
}

std::int64_t latency_bucket_upper_us(int bucket) {
    if (bucket < 0) bucket = 0;
    return bucket >= kLatencyBuckets - 1 ? std::numeric_limits<std::int64_t>::max() : kUpper[bucket];
}

std::int64_t latency_percentile_us(const std::uint64_t* counts, double p) {
    std::uint64_t total = 0;
    for (int i = 0; i < kLatencyBuckets; ++i) total += counts[i];
    if (total == 0) return -1;
    if (!(p > 0)) p = std::numeric_limits<double>::min();
    if (p > 1) p = 1;
    // The rank of the p-quantile, 1-based: the smallest count c with c >= p * total.
    const auto rank = static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(total)));
    std::uint64_t seen = 0;
    for (int i = 0; i < kLatencyBuckets; ++i) {
        seen += counts[i];
        if (seen >= rank) return latency_bucket_upper_us(i);
    }
    return latency_bucket_upper_us(kLatencyBuckets - 1);
}

}  // namespace lead_router::core
