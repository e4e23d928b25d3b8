// What makes a workspace a valid destination for a source's leads: it exists, is active, is a
// partner, and is not the source itself.  The one definition, used where rules are written,
// where the rule cache decides which rules may route, and where complete_routing checks its
// caller (and, for pools, for every member).
#pragma once

namespace lead_router::core {

struct DestinationState {
    bool exists;
    bool active;
    bool partner;    // workspace_type = 'partner'
    bool is_source;  // the source workspace itself
};

enum class DestinationProblem { none, is_source, missing, inactive, not_partner };

DestinationProblem destination_problem(const DestinationState& state);

// "does not exist", "is not active", "is not a partner workspace"; empty for none and
// is_source (whose wording depends on what the source is: a rule's or a lead's).
const char* destination_problem_text(DestinationProblem problem);

}  // namespace lead_router::core
