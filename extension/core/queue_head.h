// Where the due queue's head was, so that route_pending_leads need not walk it again.
//
// The due queue is the partial index leads_due_idx over (routing_due_at, id).  A routed lead
// leaves a dead entry at its head until VACUUM, and a scan from the very start walks every one
// of them: on a busy table a call spent milliseconds passing the leads it had just routed.  A
// session therefore starts its next scan at the first lead it locked last time.  Anything
// below that point was routed or is held by another session, except a lead that became due
// behind the head (a transaction that committed late with an earlier routing_due_at, or a
// lock holder that rolled back).  Those are found by a scan from the start, which a session
// makes at least once per kFullScanInterval_us, and whenever the scan from its position finds
// fewer leads than it asked for, so a call never returns less than the whole queue offers.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

namespace lead_router::core {

inline constexpr std::int64_t kFullScanInterval_us = 1'000'000;

// A position in the due queue: a lead's routing_due_at (µs) and id.
struct QueuePosition {
    std::int64_t due_at_us = 0;
    std::array<unsigned char, 16> id{};
};

// Whose queue: row-level scope of the caller (a bypassing role, or an application user's
// workspaces).  A position found in one scope says nothing about another's.
struct QueueScope {
    bool bypass = false;
    bool has_user = false;
    std::array<unsigned char, 16> user{};
    bool operator==(const QueueScope& o) const {
        return bypass == o.bypass && has_user == o.has_user && (!has_user || user == o.user);
    }
};

class QueueHead {
  public:
    // Where the next scan of `scope` starts at time now_us: a position, or nullopt for the
    // start of the queue.
    std::optional<QueuePosition> start(const QueueScope& scope, std::int64_t now_us) const;

    // After a scan: from_start says whether it began at the start of the queue, first is the
    // first lead it locked (nullopt when it locked none).
    void scanned(const QueueScope& scope, bool from_start, const std::optional<QueuePosition>& first,
                 std::int64_t now_us);

  private:
    std::optional<QueuePosition> position_;
    QueueScope scope_;
    std::int64_t last_full_scan_us_ = 0;
};

}  // namespace lead_router::core
