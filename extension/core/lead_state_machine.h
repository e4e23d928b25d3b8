// The routing state machine of a lead (SPEC.md "State machine"), the one definition of which
// status changes exist.  The leads trigger refuses every other change, whoever makes it.
#pragma once

#include <optional>
#include <string_view>

namespace lead_router::core {

enum class LeadStatus { pending, routing, routed, failed, expired };

// The status named by the enum label as PostgreSQL stores it ("pending", ...), if any.
std::optional<LeadStatus> lead_status(std::string_view label);
const char* lead_status_name(LeadStatus status);

//   pending --acquire--> routing --complete--> routed
//      ^                    |--fail (attempts < max)--> pending
//      |                    `--fail (attempts = max)--> failed
//      `--release stale lock
//   pending | failed --expire--> expired
// plus route_lead's single-step moves, which pass through routing inside one transaction:
// pending or failed straight to routed, and pending <-> failed.  routed and expired are
// final; only pending and failed leads can be locked or expire.  Staying put is allowed.
bool transition_allowed(LeadStatus from, LeadStatus to);

}  // namespace lead_router::core
