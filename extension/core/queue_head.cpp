#include "core/queue_head.h"

namespace lead_router::core {

std::optional<QueuePosition> QueueHead::start(const QueueScope& scope, std::int64_t now_us) const {
    if (!position_ || !(scope == scope_)) return std::nullopt;
    // A clock that went backwards makes a full scan due too: a position must not live forever.
    if (now_us - last_full_scan_us_ >= kFullScanInterval_us || now_us < last_full_scan_us_) return std::nullopt;
    return position_;
}

void QueueHead::scanned(const QueueScope& scope, bool from_start, const std::optional<QueuePosition>& first,
                        std::int64_t now_us) {
    if (from_start) {
        last_full_scan_us_ = now_us;
    } else if (!(scope == scope_)) {
        return;  // start() offers no position across scopes; a scan from one proves nothing
    }
    scope_ = scope;
    // An empty scan keeps no position: the next one starts from the start.
    position_ = first;
}

}  // namespace lead_router::core
