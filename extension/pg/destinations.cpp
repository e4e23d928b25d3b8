// One statement reads a workspace's state; core::destination_problem judges it.
#include "pg/destinations.h"

#include "pg/datum_convert.h"
#include "pg/spi_statement.h"

namespace lead_router::pg::destinations {
namespace {

Statement workspace_state_stmt = {
    "SELECT is_active, workspace_type = 'partner' FROM lead_router.workspaces WHERE id = $1", 1, {UUIDOID}};

}  // namespace

core::DestinationState state(Datum source, Datum destination) {
    core::DestinationState s{};
    s.is_source = datumIsEqual(source, destination, false, UUID_LEN);
    const Datum values[] = {destination};
    s.exists = execute(workspace_state_stmt, values, nullptr, true) == 1;
    s.active = s.exists && column_bool(0, 1);
    s.partner = s.exists && column_bool(0, 2);
    return s;
}

void require_usable(Datum source, Datum destination, const char* own, const char* own_hint) {
    const core::DestinationProblem problem = core::destination_problem(state(source, destination));
    if (problem == core::DestinationProblem::none) return;
    const char* dest = uuid_to_cstring(destination);
    if (problem == core::DestinationProblem::is_source) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("destination workspace %s is %s", dest, own),
                        errhint("%s", own_hint)));
    }
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("destination workspace %s %s", dest, core::destination_problem_text(problem)),
                    problem == core::DestinationProblem::not_partner
                        ? errhint("Leads are routed to workspaces of type 'partner'.")
                        : 0));
}

}  // namespace lead_router::pg::destinations
