-- lead_router_seed_compat 0.1.0: the original design's routing functions under their own
-- names, argument names and result types, so that the seed's application code (its
-- LeadRoutingService, which calls them as Supabase/PostgREST RPCs with named arguments)
-- keeps working against lead_router unchanged:
--
--     CREATE EXTENSION lead_router_seed_compat SCHEMA public;   -- the schema the API exposes
--     SELECT acquire_routing_lock(p_lead_id => '…', p_lock_owner => '…');
--
-- Relocatable: the objects are created in the schema CREATE EXTENSION picks (ALTER EXTENSION
-- ... SET SCHEMA moves them), so they are named unqualified here -- PostgreSQL does not
-- substitute @extschema@ in a relocatable extension's script, and nothing here needs it.
-- Every function is a SECURITY INVOKER wrapper with a pinned search_path and a standard SQL
-- body (BEGIN ATOMIC), bound when created: it calls lead_router's function of the same
-- meaning, schema-qualified, and adds nothing.  The caller therefore needs what lead_router
-- itself asks of it (README "Security"): USAGE on schema lead_router and EXECUTE on the
-- lead_router functions wrapped, and is checked by them exactly as if it had called them
-- directly (a BYPASSRLS role such as Supabase's service_role, or an application user of the
-- lead's source workspace).  The state-changing ones are not executable by PUBLIC, as in
-- lead_router.
--
-- The application user: lead_router acts for lead_router.current_user_id(), which with
-- lead_router.identity_source = 'request.jwt.claims' (set by a superuser, e.g. ALTER DATABASE
-- postgres SET lead_router.identity_source = 'request.jwt.claims') is the JWT's sub -- the
-- value auth.uid() returns on Supabase -- for the request's transaction only.  Where that
-- setting cannot be changed, act_as_jwt_sub() below does the same per request (PostgREST's
-- db-pre-request hook).  seed_identity() shows what is in force.
--
-- A seed database has functions of these names in public already: drop them first (the
-- migration's report lists them with the DROP statements), or install this extension in a
-- schema of its own placed first in the exposed search path (PostgREST db-schemas /
-- Supabase "Exposed schemas").

\echo Use "CREATE EXTENSION lead_router_seed_compat" to load this file. \quit

------------------------------------------------------------------------------------------
-- The seven functions (seed 003, "Rollback Procedures", for the names and argument types;
-- SPEC.md "Precise points" for the argument names)
------------------------------------------------------------------------------------------

CREATE FUNCTION generate_dedupe_hash(p_email text, p_phone text, p_company text)
    RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SECURITY INVOKER
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT lead_router.generate_dedupe_hash(p_email, p_phone, p_company);
END;
COMMENT ON FUNCTION generate_dedupe_hash(text, text, text) IS
    'Seed name for lead_router.generate_dedupe_hash: SHA-256 (hex) of the normalised identity';

CREATE FUNCTION acquire_routing_lock(p_lead_id uuid, p_lock_owner uuid)
    RETURNS boolean
    LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY INVOKER
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT lead_router.acquire_routing_lock(p_lead_id, p_lock_owner);
END;
COMMENT ON FUNCTION acquire_routing_lock(uuid, uuid) IS
    'Seed name for lead_router.acquire_routing_lock: pending | failed | stale routing -> routing owned by p_lock_owner; false, without waiting, when not lockable';

CREATE FUNCTION complete_routing(p_lead_id uuid, p_destination_workspace_id uuid,
                                 p_matched_rule_id uuid, p_lock_owner uuid)
    RETURNS boolean
    LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY INVOKER
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT lead_router.complete_routing(p_lead_id, p_destination_workspace_id, p_matched_rule_id,
                                        p_lock_owner);
END;
COMMENT ON FUNCTION complete_routing(uuid, uuid, uuid, uuid) IS
    'Seed name for lead_router.complete_routing: routing -> routed in p_destination_workspace_id if p_lock_owner holds the lock';

CREATE FUNCTION fail_routing(p_lead_id uuid, p_error_message text, p_lock_owner uuid,
                             p_max_attempts integer DEFAULT 3)
    RETURNS text
    LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY INVOKER
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT lead_router.fail_routing(p_lead_id, p_error_message, p_lock_owner, p_max_attempts);
END;
COMMENT ON FUNCTION fail_routing(uuid, text, uuid, integer) IS
    'Seed name for lead_router.fail_routing: queued (back to pending with a retry row) or failed (at p_max_attempts)';

CREATE FUNCTION release_stale_routing_locks()
    RETURNS integer
    LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY INVOKER
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT lead_router.release_stale_routing_locks(NULL::interval);
END;
COMMENT ON FUNCTION release_stale_routing_locks() IS
    'Seed name for lead_router.release_stale_routing_locks(): locks older than lead_router.lock_timeout (5 min) -> pending; returns the count';

CREATE FUNCTION check_cross_partner_duplicate(p_dedupe_hash text, p_source_workspace_id uuid)
    RETURNS TABLE (id uuid, workspace_id uuid)
    LANGUAGE sql STABLE PARALLEL RESTRICTED SECURITY INVOKER
    ROWS 1
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT d.id, d.workspace_id
      FROM lead_router.check_cross_partner_duplicate(p_dedupe_hash, p_source_workspace_id) AS d;
END;
COMMENT ON FUNCTION check_cross_partner_duplicate(text, uuid) IS
    'Seed name for lead_router.check_cross_partner_duplicate: routed originals with this hash owned by a partner other than the source, oldest first';

CREATE FUNCTION mark_expired_leads()
    RETURNS integer
    LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY INVOKER
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT lead_router.mark_expired_leads();
END;
COMMENT ON FUNCTION mark_expired_leads() IS
    'Seed name for lead_router.mark_expired_leads: pending | failed past lead_expires_at -> expired; returns the count';

------------------------------------------------------------------------------------------
-- auth.uid() and lead_router's application user
------------------------------------------------------------------------------------------

-- For PostgREST's db-pre-request hook (Supabase: ALTER ROLE authenticator SET
-- pgrst.db_pre_request = '<schema>.act_as_jwt_sub'; NOTIFY pgrst, 'reload config'), where
-- lead_router.identity_source cannot be set to request.jwt.claims: acts, for the request's
-- transaction only, as the JWT's sub (auth.uid()); nobody when the request has no sub; an
-- error when the sub is not a uuid.  With identity_source = request.jwt.claims it is not
-- needed (and lead_router.user_id is not consulted).
CREATE FUNCTION act_as_jwt_sub()
    RETURNS uuid
    LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY INVOKER
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT lead_router.act_as(
        ((nullif(current_setting('request.jwt.claims', true), ''))::jsonb ->> 'sub')::uuid);
END;
COMMENT ON FUNCTION act_as_jwt_sub() IS
    'Acts as the JWT''s sub (what auth.uid() returns) for the current transaction: lead_router.act_as(sub); for PostgREST''s db-pre-request';

-- What is in force for this transaction: where lead_router takes the application user from,
-- the JWT's sub if any, and the user lead_router acts for.
CREATE FUNCTION seed_identity()
    RETURNS TABLE (identity_source text, jwt_sub text, user_id uuid)
    LANGUAGE sql STABLE PARALLEL RESTRICTED SECURITY INVOKER
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT current_setting('lead_router.identity_source', true),
           (nullif(current_setting('request.jwt.claims', true), ''))::jsonb ->> 'sub',
           lead_router.current_user_id();
END;
COMMENT ON FUNCTION seed_identity() IS
    'lead_router.identity_source, the JWT''s sub (auth.uid()) and the application user lead_router acts for in this transaction';

-- State-changing functions are for the roles the README names, as in lead_router.
REVOKE ALL ON FUNCTION acquire_routing_lock(uuid, uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION complete_routing(uuid, uuid, uuid, uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION fail_routing(uuid, text, uuid, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION release_stale_routing_locks() FROM PUBLIC;
REVOKE ALL ON FUNCTION check_cross_partner_duplicate(text, uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION mark_expired_leads() FROM PUBLIC;
