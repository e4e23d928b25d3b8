#include "stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace bench {

void Tally::merge(const Tally& other) {
    ops += other.ops;
    items += other.items;
    leads += other.leads;
    succeeded += other.succeeded;
    lock_failed += other.lock_failed;
    errors += other.errors;
    if (first_error.empty()) first_error = other.first_error;
    for (const auto& [status, n] : other.outcomes) outcomes[status] += n;
    latency_ms.insert(latency_ms.end(), other.latency_ms.begin(), other.latency_ms.end());
}

double percentile(std::vector<double>& sample, double p) {
    if (sample.empty()) return 0;
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * sample.size()));
    const std::size_t index = rank == 0 ? 0 : std::min(rank - 1, sample.size() - 1);
    std::nth_element(sample.begin(), sample.begin() + static_cast<long>(index), sample.end());
    return sample[index];
}

void Measurement::finalize() {
    if (!skipped.empty()) return;
    if (duration_s > 0) {
        throughput_ops_s = tally.ops / duration_s;
        throughput_leads_s = tally.leads / duration_s;
    }
    std::vector<double>& l = tally.latency_ms;
    if (l.empty()) {  // not timed per operation (the worker): no latency figures
        p50_ms = p95_ms = p99_ms = mean_ms = max_ms = std::nan("");
    } else {
        mean_ms = std::accumulate(l.begin(), l.end(), 0.0) / l.size();
        max_ms = *std::max_element(l.begin(), l.end());
        p50_ms = percentile(l, 50);
        p95_ms = percentile(l, 95);
        p99_ms = percentile(l, 99);
    }
    if (tally.items > 0) {
        success_rate = static_cast<double>(tally.succeeded) / tally.items;
        if (lock_rate_applies) {
            lock_acquisition_rate = static_cast<double>(tally.items - tally.lock_failed) / tally.items;
        }
    }
}

}  // namespace bench
