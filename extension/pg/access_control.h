// Workspace isolation for the SECURITY DEFINER routing functions: they run as the extension
// owner (which row-level security does not restrict), so they check the caller themselves.
#pragma once

#include "pg/postgres_headers.h"

namespace lead_router::pg::access_control {

// The application user, or false when there is none: lead_router.user_id (with
// lead_router.identity_scope = 'transaction', only when set in the current transaction), or
// the sub claim of request.jwt.claims (lead_router.identity_source).  A value that is not a
// uuid raises 22P02 naming it.
bool application_user(pg_uuid_t* user);

// The role that called us from outside any SECURITY DEFINER function (SET ROLE counts)
// bypasses workspace isolation when it is a superuser or has BYPASSRLS: the service path.
bool caller_bypasses_isolation();

// Whether the caller may act on `workspace_id` (a uuid datum): a bypassing caller always,
// an application user when user_workspaces lists the workspace for it.  Requires SPI.
bool caller_may_act_on(Datum workspace_id);

// Raises what an invisible lead looks like — P0002 "lead ... does not exist" — when the
// caller may not act on the lead's source workspace, so nothing reveals another workspace's
// rows.  Requires SPI.
void require_lead_access(Datum lead_id, Datum source_workspace_id);

// The same check for a lead known only by id (the primitives): a bypassing caller pays
// nothing; anyone else gets one primary-key lookup.  Unknown lead: P0002.  Requires SPI.
void require_lead_access_by_id(Datum lead_id);

// The isolation filter of the batch functions: *bypass, or else the application user whose
// workspaces the batch is limited to (no user: an empty batch).
struct BatchScope {
    bool bypass;
    bool has_user;
    pg_uuid_t user;
};
BatchScope batch_scope();

}  // namespace lead_router::pg::access_control
