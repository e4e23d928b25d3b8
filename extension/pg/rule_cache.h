// Compiled routing rules per source workspace, cached per backend and rebuilt after any
// committed change to routing_rules or workspaces (relcache invalidation, no TTL).
#pragma once

#include "pg/postgres_headers.h"

#include "core/rule_engine.h"

namespace lead_router::pg::rule_cache {

// The compiled rules of `source_workspace_id` (a uuid datum), in evaluation order.  Valid
// until the next call: do not keep the reference across routing of another lead.
// Requires SPI_connect.  Throws core::UserError for a stored rule that does not validate.
const core::RuleSet& rules_for(Datum source_workspace_id);

}  // namespace lead_router::pg::rule_cache
