-- lead_router 0.5.0 -> 0.6.0: safe to operate.
--   * pg_dump keeps every row: each table and sequence is an extension configuration table.
--   * The application user is transaction-scoped (act_as), and may come from a PostgREST JWT.
--   * Rule changes applied by logical replication reach every backend's rule cache.
--   * routing_health() judges system failures only and reports business outcomes beside them;
--     routing_stats() counts outcomes per source and destination.
--   * A duplicate's audit row names the partner that owned the person.
--   * Identity v2: email, phone and company normalised with ICU and libphonenumber; a lead
--     is a duplicate when its email, phone (or combined) key matches a routed original of
--     another partner within a window, first in time winning; keys rebuilt by
--     rebuild_identity_keys() when the normalisation changes.

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
-- Identity: keys per lead, maintained by the leads trigger
------------------------------------------------------------------------------------------

ALTER TABLE @extschema@.workspaces ADD COLUMN phone_region text;
COMMENT ON COLUMN @extschema@.workspaces.phone_region IS
    'Region of national phone numbers of leads arriving here (ISO 3166-1 alpha-2), unless a lead''s country names one';
CREATE FUNCTION @extschema@.workspaces_validate() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lr_workspaces_validate' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.workspaces_validate() IS
    'Rejects a workspace setting that is not valid (SQLSTATE 22023), naming it';
CREATE TRIGGER workspaces_validate BEFORE INSERT OR UPDATE ON @extschema@.workspaces
    FOR EACH ROW EXECUTE FUNCTION @extschema@.workspaces_validate();
REVOKE ALL ON FUNCTION @extschema@.workspaces_validate() FROM PUBLIC;

-- Added empty: rebuild_identity_keys() fills them in batches that commit, so that a large
-- table is not rewritten in one transaction.  New and changed leads get them at once.
ALTER TABLE @extschema@.leads
    ADD COLUMN email_key text,
    ADD COLUMN phone_key text,
    ADD COLUMN identity_version integer,
    ADD COLUMN routed_at timestamptz;
COMMENT ON COLUMN @extschema@.leads.email_key IS
    'SHA-256 (hex) of the normalised email; NULL when none (maintained by the leads trigger)';
COMMENT ON COLUMN @extschema@.leads.phone_key IS
    'SHA-256 (hex) of the E.164 phone (or its digits when it does not parse); NULL when none (maintained by the leads trigger)';
COMMENT ON COLUMN @extschema@.leads.identity_version IS
    'The identity normalisation the keys were computed under (identity_normalization()); NULL asks the trigger to recompute them';
COMMENT ON COLUMN @extschema@.leads.routed_at IS
    'When the lead was routed (clock time of the routing write); what lead_router.duplicate_window measures';

-- The duplicate check reads routed originals by key, nothing else.
CREATE INDEX leads_email_owner_idx ON @extschema@.leads (email_key) INCLUDE (workspace_id, routed_at)
    WHERE routing_status = 'routed' AND duplicate_of IS NULL AND email_key IS NOT NULL;
CREATE INDEX leads_phone_owner_idx ON @extschema@.leads (phone_key) INCLUDE (workspace_id, routed_at)
    WHERE routing_status = 'routed' AND duplicate_of IS NULL AND phone_key IS NOT NULL;

ALTER TABLE @extschema@.routing_logs
    ADD COLUMN duplicate_key text,
    ADD CONSTRAINT routing_logs_duplicate_key_known
        CHECK (duplicate_key = ANY (ARRAY['email', 'phone', 'combined']));
COMMENT ON COLUMN @extschema@.routing_logs.duplicate_key IS
    'For a duplicate: the key that matched its original (email, phone or combined)';

ALTER TYPE @extschema@.route_result ADD ATTRIBUTE duplicate_key text;
COMMENT ON TYPE @extschema@.route_result IS
    'Outcome of route_lead: status is routed, duplicate, queued, failed, locked or expired; success is true for routed and duplicate; duplicate_key names the key a duplicate matched';

DROP FUNCTION @extschema@.route_pending_leads(integer);
CREATE FUNCTION @extschema@.route_pending_leads(batch_size integer DEFAULT 100)
    RETURNS TABLE (lead_id uuid, success boolean, status text, destination_workspace_id uuid,
                   matched_rule_id uuid, is_duplicate boolean, duplicate_lead_id uuid,
                   error text, attempt integer, duplicate_key text)
    AS 'MODULE_PATHNAME', 'lr_route_pending_leads'
    LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.route_pending_leads(integer) IS
    'Routes up to batch_size due pending leads, oldest first, skipping leads other sessions hold; one row per lead';
REVOKE ALL ON FUNCTION @extschema@.route_pending_leads(integer) FROM PUBLIC;

COMMENT ON FUNCTION @extschema@.generate_dedupe_hash(text, text, text) IS
    'SHA-256 (hex) of the normalised identity (no phone region, no email canonicalisation); NULL when all three parts are empty';

CREATE FUNCTION @extschema@.normalize_email(email text) RETURNS text
    AS 'MODULE_PATHNAME', 'lr_normalize_email'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.normalize_email(text) IS
    'The email as identity compares it: NFKC case folding, white space trimmed, control characters dropped; NULL when nothing is left.  IMMUTABLE like a collation: an ICU upgrade means rebuild_identity_keys()';

CREATE FUNCTION @extschema@.normalize_phone(phone text, region text DEFAULT NULL) RETURNS text
    AS 'MODULE_PATHNAME', 'lr_normalize_phone'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.normalize_phone(text, text) IS
    'The phone in E.164 (libphonenumber) in region (ISO 3166-1 alpha-2, or NULL for numbers with their country code), or NULL when it is not a possible number.  IMMUTABLE like a collation: a libphonenumber upgrade means rebuild_identity_keys()';

CREATE FUNCTION @extschema@.find_lead_duplicates(lead_id uuid)
    RETURNS TABLE (duplicate_lead_id uuid, workspace_id uuid, matched_key text, routed_at timestamptz)
    AS 'MODULE_PATHNAME', 'lr_find_lead_duplicates'
    LANGUAGE C STABLE PARALLEL RESTRICTED SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.find_lead_duplicates(uuid) IS
    'The routed originals of other partner workspaces the lead''s keys find (lead_router.duplicate_keys, duplicate_window), first in time first: the first row is the original routing reports';
REVOKE ALL ON FUNCTION @extschema@.find_lead_duplicates(uuid) FROM PUBLIC;

CREATE FUNCTION @extschema@.identity_normalization()
    RETURNS TABLE (identity_version integer, description text)
    AS 'MODULE_PATHNAME', 'lr_identity_normalization'
    LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.identity_normalization() IS
    'The identity version new keys are computed under, and the rules, library versions and settings it stands for';

CREATE PROCEDURE @extschema@.rebuild_identity_keys(batch_size integer DEFAULT 10000)
    AS 'MODULE_PATHNAME', 'lr_rebuild_identity_keys'
    LANGUAGE C;
-- No SET search_path: a procedure with a SET clause may not commit, and this one commits
-- between batches.  Its statements qualify every relation and operator instead.
COMMENT ON PROCEDURE @extschema@.rebuild_identity_keys(integer) IS
    'Recomputes the identity keys of leads whose identity_version is not the current one (and routed_at of leads routed before it was recorded), batch_size leads per transaction';
REVOKE ALL ON PROCEDURE @extschema@.rebuild_identity_keys(integer) FROM PUBLIC;

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
                   outdated_identity_keys bigint,
                   verdict text, reasons text[], stats_scope text, stats_since timestamptz)
    AS 'MODULE_PATHNAME', 'lr_routing_health'
    LANGUAGE C VOLATILE PARALLEL RESTRICTED SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.routing_health(interval) IS
    'Leads per status, queue depth, stale locks, routing errors and success rate over the window, business outcomes (no match, deferred, duplicates), lock acquisition, latency percentiles, the workers, the maintenance jobs, leads with keys of an old identity version, and the verdict healthy/degraded/critical with its reasons';
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
        GRANT EXECUTE ON FUNCTION lead_router.routing_health(interval),
                                  lead_router.route_pending_leads(integer),
                                  lead_router.find_lead_duplicates(uuid) TO lead_router_service;
        GRANT EXECUTE ON PROCEDURE lead_router.rebuild_identity_keys(integer) TO lead_router_service;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles
                WHERE rolname OPERATOR(pg_catalog.=) 'lead_router_app') THEN
        GRANT EXECUTE ON FUNCTION lead_router.route_pending_leads(integer),
                                  lead_router.find_lead_duplicates(uuid) TO lead_router_app;
    END IF;
END
$grants$;
