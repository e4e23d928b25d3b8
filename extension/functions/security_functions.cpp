// SQL entry point of workspace isolation: current_user_id(), which the row-level security
// policies call.
#include "pg/access_control.h"
#include "pg/boundary.h"

// current_user_id() returns uuid: lead_router.user_id, NULL when unset, 22P02 when malformed
LEAD_ROUTER_FUNCTION(lr_current_user_id) {
    pg_uuid_t user;
    if (!lead_router::pg::access_control::application_user(&user)) PG_RETURN_NULL();
    pg_uuid_t* result = static_cast<pg_uuid_t*>(palloc(sizeof(pg_uuid_t)));
    *result = user;
    PG_RETURN_UUID_P(result);
}
