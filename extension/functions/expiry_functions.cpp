// SQL entry point of lead expiry: mark_expired_leads().
#include "pg/boundary.h"
#include "pg/lead_transitions.h"
#include "pg/spi_statement.h"

namespace pg = lead_router::pg;

// mark_expired_leads() returns integer
LEAD_ROUTER_FUNCTION(lr_mark_expired_leads) {
    pg::connect();
    const int64 expired = pg::transitions::expire_due();
    pg::finish();
    PG_RETURN_INT32(static_cast<int32>(expired));
}
