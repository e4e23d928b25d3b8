// Destination checks against the workspaces table (core/destination_rules.h decides).
#pragma once

#include "pg/postgres_headers.h"

#include "core/destination_rules.h"

namespace lead_router::pg::destinations {

// The state of `destination` for leads of `source` (uuid datums).  Requires SPI.
core::DestinationState state(Datum source, Datum destination);

// Raises 22023 naming the destination and its problem.  `own` names what the source is
// ("the rule's own workspace"), `own_hint` says why that is wrong.  Requires SPI.
void require_usable(Datum source, Datum destination, const char* own, const char* own_hint);

}  // namespace lead_router::pg::destinations
