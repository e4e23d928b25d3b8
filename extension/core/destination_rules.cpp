// Destination validity.
#include "core/destination_rules.h"

namespace lead_router::core {

DestinationProblem destination_problem(const DestinationState& s) {
    if (s.is_source) return DestinationProblem::is_source;
    if (!s.exists) return DestinationProblem::missing;
    if (!s.active) return DestinationProblem::inactive;
    if (!s.partner) return DestinationProblem::not_partner;
    return DestinationProblem::none;
}

const char* destination_problem_text(DestinationProblem problem) {
    switch (problem) {
        case DestinationProblem::missing:
            return "does not exist";
        case DestinationProblem::inactive:
            return "is not active";
        case DestinationProblem::not_partner:
            return "is not a partner workspace";
        case DestinationProblem::none:
        case DestinationProblem::is_source:
            break;
    }
    return "";
}

}  // namespace lead_router::core
