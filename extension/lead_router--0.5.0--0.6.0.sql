-- lead_router 0.5.0 -> 0.6.0: safe to operate.
--   * pg_dump keeps every row: each table and sequence is an extension configuration table.
--   * The application user is transaction-scoped (act_as), and may come from a PostgREST JWT.
--   * Rule changes applied by logical replication reach every backend's rule cache.
--   * routing_health() judges system failures only and reports business outcomes beside them;
--     routing_stats() counts outcomes per source and destination.
--   * A duplicate's audit row names the partner that owned the person.

\echo Use "ALTER EXTENSION lead_router UPDATE TO '0.6.0'" to load this file. \quit

------------------------------------------------------------------------------------------
-- Backups: pg_dump dumps the rows of configuration tables, and the positions of their
-- sequences.  The install scripts create no rows in them.
------------------------------------------------------------------------------------------

SELECT pg_catalog.pg_extension_config_dump('lead_router.workspaces'::pg_catalog.regclass, '');
SELECT pg_catalog.pg_extension_config_dump('lead_router.leads'::pg_catalog.regclass, '');
SELECT pg_catalog.pg_extension_config_dump('lead_router.routing_rules'::pg_catalog.regclass, '');
SELECT pg_catalog.pg_extension_config_dump('lead_router.routing_queue'::pg_catalog.regclass, '');
SELECT pg_catalog.pg_extension_config_dump('lead_router.routing_queue_id_seq'::pg_catalog.regclass, '');
SELECT pg_catalog.pg_extension_config_dump('lead_router.routing_logs'::pg_catalog.regclass, '');
SELECT pg_catalog.pg_extension_config_dump('lead_router.routing_logs_id_seq'::pg_catalog.regclass, '');
SELECT pg_catalog.pg_extension_config_dump('lead_router.user_workspaces'::pg_catalog.regclass, '');

------------------------------------------------------------------------------------------
-- The application user
------------------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.act_as(user_id uuid) RETURNS uuid
    AS 'MODULE_PATHNAME', 'lr_act_as'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.act_as(uuid) IS
    'Acts as this application user for the rest of the current transaction (outside a transaction block: this statement); NULL acts as nobody';

-- Which user a backend acts for depends on its own transaction (lead_router.identity_scope):
-- a parallel worker cannot know it, so the policies' functions run in the leader.
ALTER FUNCTION @extschema@.current_user_id() PARALLEL RESTRICTED;
ALTER FUNCTION @extschema@.current_user_workspace_ids() PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.current_user_id() IS
    'The application user: lead_router.user_id set in this transaction (or in the session, with lead_router.identity_scope = session), or the JWT sub with lead_router.identity_source = request.jwt.claims; NULL when none; 22P02 when not a uuid';

------------------------------------------------------------------------------------------
-- Rule cache invalidation for changes applied by a subscription.  Its apply worker fires
-- only row triggers enabled for replicas, and no statement triggers; these fire nowhere else.
------------------------------------------------------------------------------------------

CREATE TRIGGER routing_rules_replicated AFTER INSERT OR UPDATE OR DELETE ON @extschema@.routing_rules
    FOR EACH ROW EXECUTE FUNCTION @extschema@.routing_rules_changed();
ALTER TABLE @extschema@.routing_rules ENABLE REPLICA TRIGGER routing_rules_replicated;
CREATE TRIGGER workspaces_replicated AFTER INSERT OR UPDATE OR DELETE ON @extschema@.workspaces
    FOR EACH ROW EXECUTE FUNCTION @extschema@.routing_rules_changed();
ALTER TABLE @extschema@.workspaces ENABLE REPLICA TRIGGER workspaces_replicated;

------------------------------------------------------------------------------------------
-- Audit: the partner that owned the person a duplicate is a duplicate of
------------------------------------------------------------------------------------------

ALTER TABLE @extschema@.routing_logs ADD COLUMN duplicate_owner_workspace_id uuid;
COMMENT ON COLUMN @extschema@.routing_logs.duplicate_owner_workspace_id IS
    'For a duplicate: the partner workspace that owns the original lead';

------------------------------------------------------------------------------------------
-- Health and statistics
------------------------------------------------------------------------------------------

DROP FUNCTION @extschema@.routing_health(interval);
CREATE FUNCTION @extschema@.routing_health(time_window interval DEFAULT '1 hour')
    RETURNS TABLE (pending bigint, routing bigint, routed bigint, failed bigint, expired bigint,
                   queue_depth bigint, queue_due bigint, stale_locks bigint,
                   succeeded bigint, errors bigint, success_rate double precision,
                   no_match bigint, deferred bigint, duplicates bigint,
                   lock_attempts bigint, lock_acquisition_rate double precision,
                   latency_samples bigint, p50_ms double precision, p95_ms double precision,
                   p99_ms double precision, worker text, maintenance text[],
                   verdict text, reasons text[], stats_scope text, stats_since timestamptz)
    AS 'MODULE_PATHNAME', 'lr_routing_health'
    LANGUAGE C VOLATILE PARALLEL RESTRICTED SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.routing_health(interval) IS
    'Leads per status, queue depth, stale locks, routing errors and success rate over the window, business outcomes (no match, deferred, duplicates), lock acquisition, latency percentiles, the workers and the maintenance jobs, and the verdict healthy/degraded/critical with its reasons';
REVOKE ALL ON FUNCTION @extschema@.routing_health(interval) FROM PUBLIC;

-- Per source and destination workspace over the window, from the audit log (row-level
-- security applies: a user counts what it may see).  A duplicate counts towards the partner
-- that owned the person; no_match counts attempts, the others leads.
CREATE FUNCTION @extschema@.routing_stats(time_window interval DEFAULT '24 hours')
    RETURNS TABLE (source_workspace_id uuid, destination_workspace_id uuid, routed bigint,
                   duplicates bigint, no_match bigint, deferred bigint, failed bigint,
                   expired bigint)
    LANGUAGE sql STABLE PARALLEL RESTRICTED
BEGIN ATOMIC
    SELECT g.source_workspace_id,
           coalesce(g.destination_workspace_id, g.duplicate_owner_workspace_id),
           count(*) FILTER (WHERE g.routing_result OPERATOR(pg_catalog.=) 'success'),
           count(*) FILTER (WHERE g.routing_result OPERATOR(pg_catalog.=) 'duplicate'),
           count(*) FILTER (WHERE g.routing_result OPERATOR(pg_catalog.=) 'no_match'
                               OR (g.routing_result OPERATOR(pg_catalog.=) 'failed'
                                   AND g.error_message OPERATOR(pg_catalog.=) 'no matching rule')),
           count(*) FILTER (WHERE g.routing_result OPERATOR(pg_catalog.=) 'deferred'),
           count(*) FILTER (WHERE g.routing_result OPERATOR(pg_catalog.=) 'failed'),
           count(*) FILTER (WHERE g.routing_result OPERATOR(pg_catalog.=) 'expired')
      FROM @extschema@.routing_logs g
     WHERE g.created_at OPERATOR(pg_catalog.>=) (pg_catalog.now() OPERATOR(pg_catalog.-) time_window)
       AND g.routing_result OPERATOR(pg_catalog.=) ANY (ARRAY['success', 'duplicate', 'no_match',
                                                              'deferred', 'failed', 'expired'])
     GROUP BY 1, 2
     ORDER BY 1, 2;
END;
COMMENT ON FUNCTION @extschema@.routing_stats(interval) IS
    'Routing outcomes over the window per source and destination workspace (a duplicate counts towards the partner that owned the person), as far as the caller may see the audit log';

------------------------------------------------------------------------------------------
-- Grants to the documented roles, when they exist.  The body names the schema itself:
-- @extschema@ is never substituted inside a quoted string.
------------------------------------------------------------------------------------------

DO $grants$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles
                WHERE rolname OPERATOR(pg_catalog.=) 'lead_router_service') THEN
        GRANT EXECUTE ON FUNCTION lead_router.routing_health(interval) TO lead_router_service;
    END IF;
END
$grants$;
