// Per-workspace settings the routing and the leads trigger read on every lead (the phone
// region national numbers are in), cached per backend and rebuilt when workspaces change.
#pragma once

#include "pg/postgres_headers.h"

namespace lead_router::pg::workspace_cache {

// The workspace's phone_region ("" when it has none, or when the workspace is unknown).  The result stays valid until
// the next call. Connects to SPI itself when it must read the table.
const char* phone_region(Datum workspace_id);

}  // namespace lead_router::pg::workspace_cache
