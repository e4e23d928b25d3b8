-- lead_router 0.3.0 -> 0.4.0: workspace isolation and hardened functions.
--
-- Roles (the extension creates none; see README "Security"):
--   * application users: members of a role such as lead_router_app, subject to row-level
--     security; each session or transaction names its application user with
--     SET [LOCAL] lead_router.user_id = '<uuid>', and sees only rows of the workspaces
--     user_workspaces lists for that user.  No user_id: no rows.
--   * the service path: a role with BYPASSRLS (or a superuser) for workers, maintenance and
--     administration, e.g. lead_router_service.
-- When roles named lead_router_app and lead_router_service exist at install time, the
-- grants documented in the README are made to them at the end of this script.

\echo Use "ALTER EXTENSION lead_router UPDATE TO '0.4.0'" to load this file. \quit

------------------------------------------------------------------------------------------
-- The application user
------------------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.current_user_id() RETURNS uuid
    AS 'MODULE_PATHNAME', 'lr_current_user_id'
    LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.current_user_id() IS
    'The application user named by lead_router.user_id, NULL when unset; a malformed value is an error (22P02)';

-- The workspaces of the application user: what every policy below compares with.  A
-- standard SQL body (BEGIN ATOMIC) is bound when created, not when called, so no caller's
-- search_path can redirect it; policies call it once per query, as an initplan.
CREATE FUNCTION @extschema@.current_user_workspace_ids() RETURNS SETOF uuid
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT uw.workspace_id FROM @extschema@.user_workspaces uw
     WHERE uw.user_id OPERATOR(pg_catalog.=) @extschema@.current_user_id();
END;
COMMENT ON FUNCTION @extschema@.current_user_workspace_ids() IS
    'Workspaces that user_workspaces lists for current_user_id(); none when it is NULL';

------------------------------------------------------------------------------------------
-- Row-level security: default deny; a user sees and changes rows of its workspaces only.
-- FORCEd, so that a non-superuser owner of the tables is subject to it as well.
------------------------------------------------------------------------------------------

ALTER TABLE @extschema@.leads ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.leads FORCE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.routing_queue ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.routing_queue FORCE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.routing_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.routing_logs FORCE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.routing_rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.routing_rules FORCE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.user_workspaces ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.user_workspaces FORCE ROW LEVEL SECURITY;

-- A lead belongs to the workspace that owns it now: once routed to a partner, the partner
-- sees it and its source workspace no longer does.
CREATE POLICY leads_workspace_isolation ON @extschema@.leads
    USING (workspace_id OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT @extschema@.current_user_workspace_ids())))
    WITH CHECK (workspace_id OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT @extschema@.current_user_workspace_ids()))
                AND source_workspace_id OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT @extschema@.current_user_workspace_ids())));

CREATE POLICY routing_queue_workspace_isolation ON @extschema@.routing_queue
    USING (workspace_id OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT @extschema@.current_user_workspace_ids())))
    WITH CHECK (workspace_id OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT @extschema@.current_user_workspace_ids())));

-- Audit rows are visible to the workspace a lead came from and the one it went to.
CREATE POLICY routing_logs_workspace_isolation ON @extschema@.routing_logs
    USING (source_workspace_id OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT @extschema@.current_user_workspace_ids()))
           OR destination_workspace_id OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT @extschema@.current_user_workspace_ids())))
    WITH CHECK (source_workspace_id OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT @extschema@.current_user_workspace_ids())));

CREATE POLICY routing_rules_workspace_isolation ON @extschema@.routing_rules
    USING (workspace_id OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT @extschema@.current_user_workspace_ids())))
    WITH CHECK (workspace_id OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT @extschema@.current_user_workspace_ids())));

-- A user sees its own memberships and can never grant itself one.
CREATE POLICY user_workspaces_own_rows ON @extschema@.user_workspaces
    USING (user_id OPERATOR(pg_catalog.=) @extschema@.current_user_id())
    WITH CHECK (false);

------------------------------------------------------------------------------------------
-- Functions that act across workspaces run as the extension owner (SECURITY DEFINER, with
-- their search_path pinned) and check the caller themselves: the lead's source workspace
-- must be one of the application user's, unless the caller bypasses RLS.
------------------------------------------------------------------------------------------

ALTER FUNCTION @extschema@.acquire_routing_lock(uuid, uuid) SECURITY DEFINER;
ALTER FUNCTION @extschema@.complete_routing(uuid, uuid, uuid, uuid) SECURITY DEFINER;
ALTER FUNCTION @extschema@.fail_routing(uuid, text, uuid, integer) SECURITY DEFINER;
ALTER FUNCTION @extschema@.check_cross_partner_duplicate(text, uuid) SECURITY DEFINER;
ALTER FUNCTION @extschema@.route_lead(uuid, uuid, integer) SECURITY DEFINER;
ALTER FUNCTION @extschema@.route_pending_leads(integer) SECURITY DEFINER;
ALTER FUNCTION @extschema@.explain_route(uuid) SECURITY DEFINER;
ALTER FUNCTION @extschema@.process_retry_queue(integer) SECURITY DEFINER;
-- Maintenance and health act on every workspace: for the service path only (EXECUTE).
ALTER FUNCTION @extschema@.release_stale_routing_locks(interval) SECURITY DEFINER;
ALTER FUNCTION @extschema@.mark_expired_leads() SECURITY DEFINER;
ALTER FUNCTION @extschema@.routing_health(interval) SECURITY DEFINER;
ALTER FUNCTION @extschema@.check_routing_health() SECURITY DEFINER;
ALTER FUNCTION @extschema@.reset_routing_stats() SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;

-- prune_routing_history commits between batches, which a SECURITY DEFINER procedure may not;
-- it deletes each batch through this function instead.
CREATE FUNCTION @extschema@.prune_routing_history_batch(cutoff timestamptz, batch_size integer)
    RETURNS TABLE (pruned_logs bigint, pruned_queue_rows bigint)
    AS 'MODULE_PATHNAME', 'lr_prune_routing_history_batch'
    LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.prune_routing_history_batch(timestamptz, integer) IS
    'One bounded batch of prune_routing_history: audit rows and processed queue rows older than cutoff';
REVOKE ALL ON FUNCTION @extschema@.prune_routing_history_batch(timestamptz, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.routing_health(interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.explain_route(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.check_cross_partner_duplicate(text, uuid) FROM PUBLIC;

------------------------------------------------------------------------------------------
-- Grants to the documented roles, when they exist (README "Security" lists them to run by
-- hand otherwise, or after creating the roles later).  The body names the schema itself:
-- @extschema@ is never substituted inside a quoted string (CVE-2023-39417), and the control
-- file fixes the schema to lead_router.
------------------------------------------------------------------------------------------

DO $grants$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles
                WHERE rolname OPERATOR(pg_catalog.=) 'lead_router_app') THEN
        GRANT USAGE ON SCHEMA lead_router TO lead_router_app;
        GRANT SELECT ON lead_router.workspaces, lead_router.user_workspaces,
                        lead_router.routing_queue, lead_router.routing_logs TO lead_router_app;
        -- leads: the routing state changes only through the routing functions
        GRANT SELECT ON lead_router.leads TO lead_router_app;
        GRANT INSERT (id, email, phone, company_name, company_domain, company_industry,
                      company_size, company_location, country, attributes,
                      source_workspace_id, lead_expires_at) ON lead_router.leads TO lead_router_app;
        GRANT UPDATE (email, phone, company_name, company_domain, company_industry,
                      company_size, company_location, country, attributes)
            ON lead_router.leads TO lead_router_app;
        GRANT SELECT, INSERT, UPDATE, DELETE ON lead_router.routing_rules TO lead_router_app;
        GRANT EXECUTE ON FUNCTION
            lead_router.route_lead(uuid, uuid, integer),
            lead_router.route_pending_leads(integer),
            lead_router.explain_route(uuid),
            lead_router.acquire_routing_lock(uuid, uuid),
            lead_router.complete_routing(uuid, uuid, uuid, uuid),
            lead_router.fail_routing(uuid, text, uuid, integer),
            lead_router.check_cross_partner_duplicate(text, uuid)
            TO lead_router_app;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles
                WHERE rolname OPERATOR(pg_catalog.=) 'lead_router_service') THEN
        GRANT USAGE ON SCHEMA lead_router TO lead_router_service;
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA lead_router TO lead_router_service;
        GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA lead_router TO lead_router_service;
        GRANT EXECUTE ON ALL PROCEDURES IN SCHEMA lead_router TO lead_router_service;
    END IF;
END
$grants$;
