// Hands out the working set's leads to the client threads, with contention on purpose.
//
// The leads are taken into a "hot window" of `window` slots in arrival order; a client picks a
// random slot.  The lead stays in the window until the client that routed it reports it done,
// so a pick lands on a lead another client is routing right now with probability about
// (clients - 1) / window: that client gets "locked", as two webhook deliveries of the same lead
// would.  With one client and a window of one, leads are taken strictly in order (sequential).
//
// The measurement ends when the window can no longer be refilled: the last few leads would
// only be fought over by every client, which measures nothing but the tail.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace bench {

class LeadPicker {
public:
    LeadPicker(std::vector<std::string> ids, std::size_t window);

    // A lead to route, or nullopt when the working set is exhausted.
    std::optional<std::size_t> take(std::mt19937_64& rng);
    const std::string& id(std::size_t lead) const { return ids_[lead]; }

    // The lead's routing was decided (not "locked"): it leaves the window.  Returns false when
    // another client had already finished it (this operation was a replay).
    bool finish(std::size_t lead);

    bool exhausted() const;

private:
    mutable std::mutex mutex_;
    std::vector<std::string> ids_;
    std::vector<std::size_t> window_;  // indexes into ids_
    std::size_t next_ = 0;             // next lead to enter the window
    std::size_t capacity_;
};

}  // namespace bench
