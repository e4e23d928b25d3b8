#include "core/weighted_pick.h"

namespace lead_router::core {

int peek_weighted(const PoolSlot* members, std::size_t count) noexcept {
    int best = -1;
    std::int64_t best_credit = 0;
    for (std::size_t i = 0; i < count; ++i) {
        if (!members[i].eligible) continue;
        const std::int64_t credit = members[i].credit + members[i].weight;
        if (best < 0 || credit > best_credit) {
            best = static_cast<int>(i);
            best_credit = credit;
        }
    }
    return best;
}

int pick_weighted(PoolSlot* members, std::size_t count) noexcept {
    const int chosen = peek_weighted(members, count);
    if (chosen < 0) return -1;
    std::int64_t total = 0;
    for (std::size_t i = 0; i < count; ++i) {
        if (!members[i].eligible) continue;
        members[i].credit += members[i].weight;
        total += members[i].weight;
    }
    members[chosen].credit -= total;
    return chosen;
}

}  // namespace lead_router::core
