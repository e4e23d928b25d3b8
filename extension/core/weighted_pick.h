// Smooth weighted round-robin (as nginx picks upstreams): each pick adds every eligible
// member's weight to its credit, takes the member with the most credit (ties: the first in
// member order) and takes the eligible weights' sum back from it.  Over any run of picks with
// the same eligible members each gets its weight's share to within one pick, spread out
// rather than in runs.  A member that is not eligible keeps its credit untouched: it neither
// catches up with a burst when it returns nor loses its place.  Pure C++.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lead_router::core {

struct PoolSlot {
    std::int32_t weight;  // 1 .. 1000
    std::int64_t credit;  // the persisted state, updated by pick
    bool eligible;
};

// The index of the member picked, or -1 when none is eligible (nothing changes then).
int pick_weighted(PoolSlot* members, std::size_t count) noexcept;

// The member a pick would take, without changing anything (explain_route's next_pick).
int peek_weighted(const PoolSlot* members, std::size_t count) noexcept;

}  // namespace lead_router::core
