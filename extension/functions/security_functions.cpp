// SQL entry points of workspace isolation: current_user_id(), which the row-level security
// policies call, and act_as(), which names the application user for one transaction.
#include "pg/access_control.h"
#include "pg/boundary.h"
#include "pg/datum_convert.h"

// current_user_id() returns uuid: lead_router.user_id, NULL when unset, 22P02 when malformed
LEAD_ROUTER_FUNCTION(lr_current_user_id) {
    pg_uuid_t user;
    if (!lead_router::pg::access_control::application_user(&user)) PG_RETURN_NULL();
    pg_uuid_t* result = static_cast<pg_uuid_t*>(palloc(sizeof(pg_uuid_t)));
    *result = user;
    PG_RETURN_UUID_P(result);
}

// act_as(user_id uuid) returns uuid: the application user for the rest of the current
// transaction (SET LOCAL lead_router.user_id); outside a transaction block, for this
// statement only.  NULL acts as nobody.
LEAD_ROUTER_FUNCTION(lr_act_as) {
    const char* value = PG_ARGISNULL(0) ? "" : lead_router::pg::uuid_to_cstring(PG_GETARG_DATUM(0));
    (void)set_config_option("lead_router.user_id", value, superuser() ? PGC_SUSET : PGC_USERSET, PGC_S_SESSION,
                            GUC_ACTION_LOCAL, true, 0, false);
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    PG_RETURN_DATUM(PG_GETARG_DATUM(0));
}
