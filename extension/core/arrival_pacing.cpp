// The worker's pacing decisions (arrival_pacing.h).
#include "core/arrival_pacing.h"

#include <algorithm>

namespace lead_router::core {

int adaptive_batch(std::int64_t due, int cap) {
    const int adaptive = due > 200 ? 200 : due > 50 ? 100 : 50;
    return std::max(1, std::min(adaptive, cap));
}

bool go_again(const BatchSeen& seen) {
    const int progressed = seen.took - seen.held;
    if (progressed <= 0) return false;
    return seen.took >= seen.batch || seen.due > seen.batch;
}

int next_held_delay(int previous_ms, int naptime_ms) {
    const int ceiling = std::max(1, naptime_ms);
    if (previous_ms <= 0) return std::min(kFirstHeldDelayMs, ceiling);
    // Doubling in 64 bits: a naptime of a day must not overflow.
    const std::int64_t doubled = std::int64_t{previous_ms} * 2;
    return static_cast<int>(std::min<std::int64_t>(doubled, ceiling));
}

long sleep_after_round(bool again, int naptime_ms, std::int64_t until_next_retry_ms, int held_delay_ms) {
    if (again) return 0;
    std::int64_t sleep = std::max(1, naptime_ms);
    if (until_next_retry_ms > 0) sleep = std::min(sleep, until_next_retry_ms);
    if (held_delay_ms > 0) sleep = std::min<std::int64_t>(sleep, held_delay_ms);
    return static_cast<long>(std::max<std::int64_t>(1, sleep));
}

std::optional<std::int64_t> events_announcement(std::int64_t announced, bool wrote_rows, std::int64_t last_drawn,
                                                std::int64_t readable) {
    const std::int64_t known = wrote_rows ? std::max(last_drawn, readable) : readable;
    if (known <= announced) return std::nullopt;
    return known;
}

std::uint64_t workers_to_wake(const bool* sleeping, int n, unsigned start) {
    n = std::max(0, std::min(n, 64));
    if (n == 0) return 0;
    for (int k = 0; k < n; ++k) {
        const int i = static_cast<int>((start + static_cast<unsigned>(k)) % static_cast<unsigned>(n));
        if (sleeping[i]) return std::uint64_t{1} << i;
    }
    return n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
}

}  // namespace lead_router::core
