// The transitions of the routing state machine.
#include "core/lead_state_machine.h"

namespace lead_router::core {

namespace {
constexpr struct {
    const char* name;
    LeadStatus status;
} kStatuses[] = {
    {"pending", LeadStatus::pending}, {"routing", LeadStatus::routing}, {"routed", LeadStatus::routed},
    {"failed", LeadStatus::failed},   {"expired", LeadStatus::expired},
};
}  // namespace

std::optional<LeadStatus> lead_status(std::string_view label) {
    for (const auto& s : kStatuses) {
        if (label == s.name) return s.status;
    }
    return std::nullopt;
}

const char* lead_status_name(LeadStatus status) {
    for (const auto& s : kStatuses) {
        if (s.status == status) return s.name;
    }
    return "unknown";
}

bool transition_allowed(LeadStatus from, LeadStatus to) {
    if (from == to) return true;
    if (from == LeadStatus::routed || from == LeadStatus::expired) return false;
    if (to == LeadStatus::expired || to == LeadStatus::routing) {
        return from == LeadStatus::pending || from == LeadStatus::failed;
    }
    return true;  // routing -> routed/pending/failed; pending <-> failed; -> routed
}

}  // namespace lead_router::core
