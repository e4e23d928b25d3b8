// core::pick_weighted: smooth weighted round-robin -- the share of each member within one
// pick at every point, no catch-up after a member was away.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/weighted_pick.h"

using namespace lead_router::core;

namespace {
std::string run(std::vector<PoolSlot>& pool, int picks) {
    std::string order;
    for (int i = 0; i < picks; ++i) {
        const int chosen = pick_weighted(pool.data(), pool.size());
        order += chosen < 0 ? '-' : static_cast<char>('A' + chosen);
    }
    return order;
}
}  // namespace

TEST_CASE("weighted pick: nginx's sequence, spread out", "[pick]") {
    std::vector<PoolSlot> pool = {{5, 0, true}, {1, 0, true}, {1, 0, true}};
    CHECK(run(pool, 7) == "AABACAA");
    CHECK(run(pool, 7) == "AABACAA");  // the credits are back where they started
    for (const PoolSlot& s : pool) CHECK(s.credit == 0);
}

TEST_CASE("weighted pick: every prefix within one pick of each member's share", "[pick]") {
    const std::vector<std::vector<int>> weightings = {{5, 1, 1}, {3, 2}, {1, 1, 1, 1}, {1000, 1}, {7, 3, 2, 1}};
    for (const auto& weights : weightings) {
        std::vector<PoolSlot> pool;
        int total = 0;
        for (int w : weights) {
            pool.push_back({w, 0, true});
            total += w;
        }
        std::vector<int> count(weights.size(), 0);
        for (int n = 1; n <= 5000; ++n) {
            ++count[pick_weighted(pool.data(), pool.size())];
            for (std::size_t m = 0; m < weights.size(); ++m) {
                const double share = static_cast<double>(n) * weights[m] / total;
                REQUIRE(count[m] >= share - 1.0);
                REQUIRE(count[m] <= share + 1.0);
            }
        }
    }
}

TEST_CASE("weighted pick: an ineligible member neither gains nor loses credit", "[pick]") {
    std::vector<PoolSlot> pool = {{1, 0, true}, {1, 0, true}};
    CHECK(run(pool, 4) == "ABAB");
    pool[1].eligible = false;
    const std::int64_t kept = pool[1].credit;
    CHECK(run(pool, 10) == "AAAAAAAAAA");
    CHECK(pool[1].credit == kept);
    pool[1].eligible = true;
    CHECK(run(pool, 6) == "ABABAB");  // no burst of B on its return
}

TEST_CASE("weighted pick: nobody eligible changes nothing", "[pick]") {
    std::vector<PoolSlot> pool = {{2, 3, false}, {1, -3, false}};
    CHECK(pick_weighted(pool.data(), pool.size()) == -1);
    CHECK(peek_weighted(pool.data(), pool.size()) == -1);
    CHECK(pool[0].credit == 3);
    CHECK(pool[1].credit == -3);
    pool[1].eligible = true;
    CHECK(peek_weighted(pool.data(), pool.size()) == 1);
    CHECK(pool[1].credit == -3);  // peek changes nothing
}
