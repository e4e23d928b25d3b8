#include "lead_picker.h"

#include <algorithm>

namespace bench {

LeadPicker::LeadPicker(std::vector<std::string> ids, std::size_t window)
    : ids_(std::move(ids)), capacity_(std::max<std::size_t>(1, std::min(window, ids_.size()))) {
    while (window_.size() < capacity_ && next_ < ids_.size()) window_.push_back(next_++);
}

std::optional<std::size_t> LeadPicker::take(std::mt19937_64& rng) {
    std::lock_guard<std::mutex> lock(mutex_);
    // Once the window cannot be refilled (and is no longer full), stop: see the header.
    if (window_.empty() || (next_ >= ids_.size() && window_.size() < capacity_ && capacity_ > 1)) {
        return std::nullopt;
    }
    std::uniform_int_distribution<std::size_t> slot(0, window_.size() - 1);
    return window_[slot(rng)];
}

bool LeadPicker::finish(std::size_t lead) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = std::find(window_.begin(), window_.end(), lead);
    if (it == window_.end()) return false;
    if (next_ < ids_.size()) {
        *it = next_++;
    } else {
        *it = window_.back();
        window_.pop_back();
    }
    return true;
}

bool LeadPicker::exhausted() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return window_.empty() || (next_ >= ids_.size() && window_.size() < capacity_ && capacity_ > 1);
}

}  // namespace bench
