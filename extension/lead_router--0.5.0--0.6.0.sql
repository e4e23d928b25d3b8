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
--   * Distribution: a rule may send to a weighted pool of partners (smooth weighted
--     round-robin over the eligible members), with lead caps per hour, day, week and month
--     in each partner's time zone and weekly accepting hours; a lead nobody can take is
--     deferred to the earliest opening.  explain_route() and partner_capacity show why.
--   * Arrival routing: the worker routes pending leads, woken at the commit that made them
--     due; routing_events() is a commit-order-safe cursor over the audit log;
--     redrive_failed_leads() gives failed leads another round of attempts.
--   * migrate_from_seed_schema() moves a schema of the original design into lead_router.

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
-- Audit results of 0.6.0: deferred (every eligible destination full or closed; not an
-- attempt) and redriven (a failed lead sent back to pending by redrive_failed_leads)
------------------------------------------------------------------------------------------

ALTER TABLE @extschema@.routing_logs DROP CONSTRAINT routing_logs_result_known;
ALTER TABLE @extschema@.routing_logs ADD CONSTRAINT routing_logs_result_known
    CHECK (routing_result = ANY (ARRAY['locked', 'success', 'duplicate', 'retry', 'failed',
                                       'expired', 'no_match', 'released', 'deferred', 'redriven']));

------------------------------------------------------------------------------------------
-- Distribution: pools, weights, capacity and hours (README "Distribution")
------------------------------------------------------------------------------------------

-- Time zones: an IANA name that PostgreSQL's and ICU's time zone data both know (windows
-- and hours are computed with ICU's; the name must mean the same to every SQL user).
ALTER TABLE @extschema@.workspaces ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC';
COMMENT ON COLUMN @extschema@.workspaces.time_zone IS
    'IANA time zone of the partner''s caps and accepting hours (validated on write)';

-- A rule names one destination, or distributes over its pool (destination NULL).
ALTER TABLE @extschema@.routing_rules ALTER COLUMN destination_workspace_id DROP NOT NULL;
COMMENT ON COLUMN @extschema@.routing_rules.destination_workspace_id IS
    'The one destination of the rule; NULL: the rule distributes over its routing_rule_destinations';

CREATE TABLE @extschema@.routing_rule_destinations (
    rule_id                  uuid NOT NULL REFERENCES @extschema@.routing_rules (id) ON DELETE CASCADE,
    destination_workspace_id uuid NOT NULL REFERENCES @extschema@.workspaces (id) ON DELETE CASCADE,
    weight                   integer NOT NULL DEFAULT 1,
    created_at               timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (rule_id, destination_workspace_id),
    CONSTRAINT routing_rule_destinations_weight_range CHECK (weight BETWEEN 1 AND 1000)
);
COMMENT ON TABLE @extschema@.routing_rule_destinations IS
    'The pool of a rule without a single destination: partners picked by smooth weighted round-robin';
CREATE INDEX routing_rule_destinations_destination_idx
    ON @extschema@.routing_rule_destinations (destination_workspace_id);

-- The round-robin credits of each pool, one row per rule (created by the first routing),
-- updated in the routing transaction under the row's lock.
CREATE TABLE @extschema@.routing_pool_state (
    rule_id      uuid PRIMARY KEY REFERENCES @extschema@.routing_rules (id) ON DELETE CASCADE,
    destinations uuid[] NOT NULL DEFAULT '{}',
    credits      bigint[] NOT NULL DEFAULT '{}',
    updated_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT routing_pool_state_aligned
        CHECK (pg_catalog.cardinality(destinations) OPERATOR(pg_catalog.=) pg_catalog.cardinality(credits))
);
COMMENT ON TABLE @extschema@.routing_pool_state IS
    'Smooth weighted round-robin credit of each pool member (maintained by the routing)';

CREATE TABLE @extschema@.partner_caps (
    workspace_id uuid NOT NULL REFERENCES @extschema@.workspaces (id) ON DELETE CASCADE,
    period       text NOT NULL,
    max_leads    integer NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (workspace_id, period),
    CONSTRAINT partner_caps_period_known CHECK (period = ANY (ARRAY['hour', 'day', 'week', 'month'])),
    CONSTRAINT partner_caps_max_leads_non_negative CHECK (max_leads >= 0)
);
COMMENT ON TABLE @extschema@.partner_caps IS
    'At most max_leads routed originals per calendar hour, day, week or month in the partner''s time zone';

-- What the current window of each cap has used, one row per cap (created by the first
-- routing in it), counted in the routing transaction under the row's lock.
CREATE TABLE @extschema@.partner_cap_usage (
    workspace_id uuid NOT NULL,
    period       text NOT NULL,
    window_start timestamptz NOT NULL,
    used         integer NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, period),
    FOREIGN KEY (workspace_id, period) REFERENCES @extschema@.partner_caps (workspace_id, period) ON DELETE CASCADE,
    CONSTRAINT partner_cap_usage_used_non_negative CHECK (used >= 0)
);
COMMENT ON TABLE @extschema@.partner_cap_usage IS
    'Leads counted against each cap in the window that starts at window_start (maintained by the routing)';

CREATE TABLE @extschema@.partner_hours (
    workspace_id uuid NOT NULL REFERENCES @extschema@.workspaces (id) ON DELETE CASCADE,
    iso_weekday  smallint NOT NULL,
    opens        time NOT NULL,
    closes       time NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (workspace_id, iso_weekday, opens),
    CONSTRAINT partner_hours_weekday_range CHECK (iso_weekday BETWEEN 1 AND 7),
    CONSTRAINT partner_hours_opens_before_closes CHECK (opens < closes)
);
COMMENT ON TABLE @extschema@.partner_hours IS
    'When a partner accepts leads, per ISO weekday in its time zone (closes may be 24:00); no rows: always';

SELECT pg_catalog.pg_extension_config_dump('lead_router.routing_rule_destinations'::pg_catalog.regclass, '');
SELECT pg_catalog.pg_extension_config_dump('lead_router.routing_pool_state'::pg_catalog.regclass, '');
SELECT pg_catalog.pg_extension_config_dump('lead_router.partner_caps'::pg_catalog.regclass, '');
SELECT pg_catalog.pg_extension_config_dump('lead_router.partner_cap_usage'::pg_catalog.regclass, '');
SELECT pg_catalog.pg_extension_config_dump('lead_router.partner_hours'::pg_catalog.regclass, '');

-- Validation on write (22023 naming the bad part), as for rules.
CREATE FUNCTION @extschema@.distribution_validate() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lr_distribution_validate' LANGUAGE C
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.distribution_validate() IS
    'Rejects a pool member, cap or accepting-hours row that is not valid (SQLSTATE 22023), naming it';
REVOKE ALL ON FUNCTION @extschema@.distribution_validate() FROM PUBLIC;
CREATE TRIGGER routing_rule_destinations_validate BEFORE INSERT OR UPDATE ON @extschema@.routing_rule_destinations
    FOR EACH ROW EXECUTE FUNCTION @extschema@.distribution_validate();
CREATE TRIGGER partner_caps_validate BEFORE INSERT OR UPDATE ON @extschema@.partner_caps
    FOR EACH ROW EXECUTE FUNCTION @extschema@.distribution_validate();
CREATE TRIGGER partner_hours_validate BEFORE INSERT OR UPDATE ON @extschema@.partner_hours
    FOR EACH ROW EXECUTE FUNCTION @extschema@.distribution_validate();

-- A rule without a single destination has a pool when its transaction commits: pool rows
-- may follow the rule in the same transaction.
CREATE FUNCTION @extschema@.routing_rules_have_destinations() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lr_routing_rules_have_destinations' LANGUAGE C
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.routing_rules_have_destinations() IS
    'At commit: a rule with destination_workspace_id NULL has at least one routing_rule_destinations row (SQLSTATE 22023)';
REVOKE ALL ON FUNCTION @extschema@.routing_rules_have_destinations() FROM PUBLIC;
CREATE CONSTRAINT TRIGGER routing_rules_have_destinations
    AFTER INSERT OR UPDATE OF destination_workspace_id ON @extschema@.routing_rules
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION @extschema@.routing_rules_have_destinations();
CREATE CONSTRAINT TRIGGER routing_rule_destinations_keep_pool
    AFTER UPDATE OR DELETE ON @extschema@.routing_rule_destinations
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION @extschema@.routing_rules_have_destinations();

-- Compiled rules and partner settings are cached per backend: changes invalidate them.
CREATE TRIGGER routing_rule_destinations_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.routing_rule_destinations
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.routing_rules_changed();
CREATE TRIGGER partner_caps_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.partner_caps
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.routing_rules_changed();
CREATE TRIGGER partner_hours_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.partner_hours
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.routing_rules_changed();
CREATE TRIGGER routing_rule_destinations_replicated AFTER INSERT OR UPDATE OR DELETE ON @extschema@.routing_rule_destinations
    FOR EACH ROW EXECUTE FUNCTION @extschema@.routing_rules_changed();
ALTER TABLE @extschema@.routing_rule_destinations ENABLE REPLICA TRIGGER routing_rule_destinations_replicated;
CREATE TRIGGER partner_caps_replicated AFTER INSERT OR UPDATE OR DELETE ON @extschema@.partner_caps
    FOR EACH ROW EXECUTE FUNCTION @extschema@.routing_rules_changed();
ALTER TABLE @extschema@.partner_caps ENABLE REPLICA TRIGGER partner_caps_replicated;
CREATE TRIGGER partner_hours_replicated AFTER INSERT OR UPDATE OR DELETE ON @extschema@.partner_hours
    FOR EACH ROW EXECUTE FUNCTION @extschema@.routing_rules_changed();
ALTER TABLE @extschema@.partner_hours ENABLE REPLICA TRIGGER partner_hours_replicated;

-- Row-level security: a rule's pool is managed like the rule (its workspace's users); a
-- partner's users see its caps, hours and usage, which the service role manages.
ALTER TABLE @extschema@.routing_rule_destinations ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.routing_rule_destinations FORCE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.routing_pool_state ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.routing_pool_state FORCE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.partner_caps ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.partner_caps FORCE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.partner_cap_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.partner_cap_usage FORCE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.partner_hours ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.partner_hours FORCE ROW LEVEL SECURITY;
CREATE POLICY routing_rule_destinations_workspace_isolation ON @extschema@.routing_rule_destinations
    USING (EXISTS (SELECT 1 FROM @extschema@.routing_rules r
                    WHERE r.id OPERATOR(pg_catalog.=) rule_id
                      AND r.workspace_id OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT @extschema@.current_user_workspace_ids()))));
CREATE POLICY routing_pool_state_workspace_isolation ON @extschema@.routing_pool_state FOR SELECT
    USING (EXISTS (SELECT 1 FROM @extschema@.routing_rules r
                    WHERE r.id OPERATOR(pg_catalog.=) rule_id
                      AND r.workspace_id OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT @extschema@.current_user_workspace_ids()))));
CREATE POLICY partner_caps_partner_reads ON @extschema@.partner_caps FOR SELECT
    USING (workspace_id OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT @extschema@.current_user_workspace_ids())));
CREATE POLICY partner_cap_usage_partner_reads ON @extschema@.partner_cap_usage FOR SELECT
    USING (workspace_id OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT @extschema@.current_user_workspace_ids())));
CREATE POLICY partner_hours_partner_reads ON @extschema@.partner_hours FOR SELECT
    USING (workspace_id OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT @extschema@.current_user_workspace_ids())));

-- Capacity and availability now, in each partner's own time zone, for the partners the
-- caller may see.
CREATE FUNCTION @extschema@.partner_capacity_at(at timestamptz)
    RETURNS TABLE (workspace_id uuid, period text, max_leads integer, used integer,
                   window_start timestamptz, window_end timestamptz)
    AS 'MODULE_PATHNAME', 'lr_partner_capacity_at'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
REVOKE ALL ON FUNCTION @extschema@.partner_capacity_at(timestamptz) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.partner_capacity_at(timestamptz) IS
    'Each cap of the partners the caller may see: its window containing at, in the partner''s time zone, and what it has used';
CREATE VIEW @extschema@.partner_capacity WITH (security_invoker = true) AS
    SELECT c.workspace_id, c.period, c.max_leads, c.used, c.window_start, c.window_end
      FROM @extschema@.partner_capacity_at(pg_catalog.now()) c;
COMMENT ON VIEW @extschema@.partner_capacity IS
    'Used/max of every cap in its current window, in the partner''s time zone';

CREATE FUNCTION @extschema@.partner_availability(at timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (workspace_id uuid, is_active boolean, is_open boolean,
                   next_opening timestamptz, capped_periods text[])
    AS 'MODULE_PATHNAME', 'lr_partner_availability'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
REVOKE ALL ON FUNCTION @extschema@.partner_availability(timestamptz) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.partner_availability(timestamptz) IS
    'Whether each partner the caller may see can take a lead at the given moment: active, open (else its next opening), and its caps that are full';

-- explain_route shows every pool member, its eligibility and the next pick.
DROP FUNCTION @extschema@.explain_route(uuid);
CREATE FUNCTION @extschema@.explain_route(lead_id uuid)
    RETURNS TABLE (rule_id uuid, rule_name text, priority integer, destination_workspace_id uuid,
                   matched boolean, failed_condition text, expected text, lead_value text,
                   weight integer, eligible boolean, ineligible_reason text, next_pick boolean)
    AS 'MODULE_PATHNAME', 'lr_explain_route'
    LANGUAGE C STABLE PARALLEL RESTRICTED SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.explain_route(uuid) IS
    'Dry run: every active rule of the lead''s source workspace in evaluation order (a pool rule once per member), whether it matches, the first failing condition with the lead''s value, whether the destination can take a lead now and why not, and which destination the next routing would pick';
REVOKE ALL ON FUNCTION @extschema@.explain_route(uuid) FROM PUBLIC;

-- The audit row of a routed or deferred lead names the candidates passed over, and why.
ALTER TABLE @extschema@.routing_logs ADD COLUMN skipped_destinations jsonb;
COMMENT ON COLUMN @extschema@.routing_logs.skipped_destinations IS
    'Routed: the better-ranked destinations passed over; deferred: every candidate; each {"workspace_id", "rule_id", "reason"}';


------------------------------------------------------------------------------------------
-- Arrival routing and the outcome feed (README "The background worker")
------------------------------------------------------------------------------------------

-- The outcome feed reads audit ids below a horizon that no running transaction can still
-- fill (extension/pg/event_horizon.h has the design and its proof): each transaction that
-- inserts audit rows first registers, in shared memory, a floor of the ids it can still
-- draw, from this statement trigger (statement triggers fire before the statement's rows
-- draw their ids).  ENABLE ALWAYS: it fires whatever session_replication_role says.  The
-- ids must come one at a time from the shared sequence: CACHE 1 (routing_events() checks).
ALTER SEQUENCE @extschema@.routing_logs_id_seq CACHE 1 NO CYCLE;
CREATE FUNCTION @extschema@.routing_logs_id_floor() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lr_routing_logs_id_floor' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.routing_logs_id_floor() IS
    'Registers the lowest audit id the inserting transaction can still draw, so that routing_events() never reads past it';
CREATE TRIGGER routing_logs_id_floor BEFORE INSERT ON @extschema@.routing_logs
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.routing_logs_id_floor();
ALTER TABLE @extschema@.routing_logs ENABLE ALWAYS TRIGGER routing_logs_id_floor;
REVOKE ALL ON FUNCTION @extschema@.routing_logs_id_floor() FROM PUBLIC;

-- SECURITY INVOKER: row-level security shows each caller the rows of its workspaces; a role
-- without SELECT on routing_logs gets 42501.  Reads with a snapshot newer than the horizon,
-- also in REPEATABLE READ and SERIALIZABLE transactions.  NOTIFY lead_router_events (the
-- workers send it, with an audit id as payload) is the best-effort wake-up of a consumer.
CREATE FUNCTION @extschema@.routing_events(after_id bigint DEFAULT 0, max_rows integer DEFAULT 1000)
    RETURNS TABLE (id bigint, lead_id uuid, routing_result text, source_workspace_id uuid,
                   destination_workspace_id uuid, matched_rule_id uuid, duplicate_lead_id uuid,
                   duplicate_key text, duplicate_owner_workspace_id uuid, error_message text,
                   attempt integer, created_at timestamptz)
    AS 'MODULE_PATHNAME', 'lr_routing_events'
    LANGUAGE C VOLATILE PARALLEL RESTRICTED
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.routing_events(bigint, integer) IS
    'Audit rows with id > after_id that the caller may see, in id order, at most max_rows, never past an id a running transaction may still commit: remember the last id returned and pass it next time (needs lead_router in shared_preload_libraries)';

-- redrive_failed_leads(NULL) finds the failed leads of the caller's workspaces here.
CREATE INDEX leads_failed_idx ON @extschema@.leads (source_workspace_id, id)
    WHERE routing_status = 'failed';

CREATE FUNCTION @extschema@.redrive_failed_leads(lead_ids uuid[] DEFAULT NULL, max_attempts integer DEFAULT 3)
    RETURNS TABLE (lead_id uuid, status text)
    AS 'MODULE_PATHNAME', 'lr_redrive_failed_leads'
    LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.redrive_failed_leads(uuid[], integer) IS
    'Failed leads back to pending, attempts counted afresh, due now, with a retry-queue row of max_attempts (audit redriven); NULL: every failed lead of the caller''s workspaces.  One row per lead: status redriven, or why not (locked, expired, or the lead''s own status)';
REVOKE ALL ON FUNCTION @extschema@.redrive_failed_leads(uuid[], integer) FROM PUBLIC;

DO $arrival_grants$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles
                WHERE rolname OPERATOR(pg_catalog.=) 'lead_router_service') THEN
        GRANT EXECUTE ON FUNCTION lead_router.redrive_failed_leads(uuid[], integer) TO lead_router_service;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles
                WHERE rolname OPERATOR(pg_catalog.=) 'lead_router_app') THEN
        GRANT EXECUTE ON FUNCTION lead_router.redrive_failed_leads(uuid[], integer) TO lead_router_app;
    END IF;
END
$arrival_grants$;

------------------------------------------------------------------------------------------
-- Migration from the original design (README "Coming from the original design")
------------------------------------------------------------------------------------------

-- lead_router.migrate_from_seed_schema(source_schema name DEFAULT 'public',
--                                      dry_run boolean DEFAULT true)
--   RETURNS TABLE (object text, found bigint, to_move bigint, cannot_map bigint, detail text)
--
-- Moves a database of the original design (the "seed": public.leads with the routing
-- columns, lead_routing_queue, lead_routing_logs, workspaces, user_workspaces and, when
-- present, lead_routing_rules; see test/seed/seed_schema.sql) into lead_router's tables.
--
-- One transaction.  It is a FUNCTION and runs in the caller's transaction: with dry_run =
-- false everything it moves is committed or rolled back with that transaction, never in
-- part.  There are no batches: the seed's tables are read once (into temporary tables) and
-- each lead_router table is written with one INSERT ... SELECT.  A real run takes SHARE locks
-- on the seed's tables, so the application cannot write them until the transaction ends
-- (stop its routing workers first: a lock held by one of them is released by the move).
-- Resumable all the same: a later run moves only what is not in lead_router yet (rows the
-- application wrote since, or everything after a run that was rolled back).
-- Cost: linear; the temporary copies take about the seed's size in temp space.  Measured
-- on a shared 2-vCPU machine (200,000 leads, 160,000 audit rows, 40,000 queue rows): dry
-- run about 70 s, real run about 2 min (lead_router's trigger computes every lead's
-- identity keys), second run about 90 s; most of it is lead_router's identity hashing and
-- the jsonb copies.
--
-- Who runs it.  lead_router's tables force row-level security: the caller must be a superuser
-- or have BYPASSRLS (lead_router_service), and needs SELECT on the seed's tables; anyone else
-- gets 42501.  EXECUTE is revoked from PUBLIC.
--
-- What it does (README "Coming from the original design" has the user's view):
--   * checks the seed schema's shape first: a missing schema is 3F000, a missing table
--     42P01, a missing column 42703, a column of another type 42804 -- nothing is read or
--     moved then, in a dry run as in a real one;
--   * reports, per table and per kind of row, what it found, what it moves (a dry run: would
--     move), and what it cannot map, with the reason;
--   * rows in states lead_router cannot represent (negative attempts, a queue row beyond its
--     max_attempts, a workspace type that is no identifier, ...) make a real run refuse with
--     55000 before anything is written; a dry run lists them;
--   * keeps lead ids, current owners, routing states, attempts, open retries with their due
--     times, and the audit history; a lead in `routing` becomes `pending` (audit `released`);
--     a NULL status becomes `routed` when the owner is a partner workspace other than its
--     source, else `pending` (the seed's backfill rule); workspace types are lower-cased;
--   * moves rules whose conditions use only what lead_router can express (industry, size
--     and location equalities, lists and ranges), and lists the others with what the user
--     must supply;
--   * reports the foreign keys of the user's other tables that point at the seed's leads,
--     with the statement that re-points each, and the seed's functions that would clash
--     with lead_router_seed_compat;
--   * run twice, the second run finds every row already in lead_router and changes nothing
--     (no audit row either): a seed row is moved only if its lead_router row (same id; for
--     queue and audit rows: their lead) is not there yet.
--
-- Mapping details:
--   * source_workspace_id: for a routed lead, a source_workspace_id column of the seed's
--     leads if it has one, else the earliest audit row naming an existing source (a success
--     row naming its destination as source is ignored), else unknown: recorded as the owner;
--     for every other lead, its owner.  A NULL status with an unknown source and a partner
--     owner counts as routed (routing again a lead a partner has bought risks selling it
--     twice);
--   * attributes: every column of the seed's leads that has no lead_router column, under its
--     own name (NULL values left out), over the seed's own attributes object if it has one;
--   * queue: the latest open row of a waiting lead stays open with its due time (the lead's
--     routing_due_at); a NULL next_retry_at is rebuilt as queued time + the seed's backoff
--     for that attempt (1: 0, 2: 1 min, 3: 5 min, 4: 15 min, later 1 h); other open rows,
--     and open rows of leads no longer waiting, are closed now; processed rows move as
--     history; a NULL max_attempts is 3;
--   * audit: success/routed/completed -> success, retry/retry_scheduled/queued/requeued ->
--     retry (no_match when the message says no matching rule), failed -> failed, expired,
--     lock_released/stale_lock_released -> released, locked/lock_acquired -> locked,
--     duplicate -> duplicate; other results (lock_failed, manual_override, ...) stay in the
--     seed's table and are reported; attempt = the lead's attempts counted up to the row;
--   * lead_expires_at NULL -> created_at + 90 days; routing_attempts NULL -> 0; error
--     messages cut to lead_router's 1,000 bytes; dedupe_hash recomputed by lead_router.
--

-- Inside the body every object is schema-qualified (lead_router. literally: @extschema@ is
-- never substituted inside a quoted body), SET search_path = pg_catalog, pg_temp, no SQL text built from input.  The
-- seed's tables are named by the caller, so they are read with static SQL on unqualified
-- names while the search_path is, for a handful of statements, 'pg_catalog, <source
-- schema>, pg_temp' (set_config(..., true): the function's SET clause restores the pinned
-- path when it returns).  pg_catalog stays first, so no function or operator of the source
-- schema can take the place of a built-in one; the statements in that window call nothing
-- but the schema-qualified pg_catalog.to_jsonb() and run no operator.  The schema name
-- goes into that setting through quote_ident(), the one place where input becomes text.
-- Everything after that works on the temporary copies (pg_temp.lr_mig_*, qualified), with
-- the pinned path: built-in functions and operators resolve to pg_catalog (the first checks
-- also spell OPERATOR(pg_catalog.=) out).  Each copy is built in one pass (CREATE TABLE AS
-- over joins, indexed and analyzed): updating every row of a wide temporary table again and
-- again would rewrite it each time.  jit is off: every statement runs once.

CREATE FUNCTION @extschema@.migrate_from_seed_schema(source_schema name DEFAULT 'public',
                                                     dry_run boolean DEFAULT true)
    RETURNS TABLE (object text, found bigint, to_move bigint, cannot_map bigint, detail text)
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp
    SET jit = off   -- its statements run once each: compiling them would cost more than running them
AS $migrate$
#variable_conflict use_column
DECLARE
    src_oid        oid;
    has_rules      boolean;
    structure      text[];
    structure_code text;
    n_blocking     bigint;
    problem_list   text;
    backoff        interval[] := ARRAY[interval '0', interval '1 minute', interval '5 minutes',
                                       interval '15 minutes', interval '1 hour'];
    -- the columns of the seed that have a column of their own in lead_router.leads; every
    -- other column of the seed's leads moves into attributes
    lead_columns   text[] := ARRAY['id', 'workspace_id', 'source_workspace_id', 'email', 'phone',
                                   'company_name', 'company_domain', 'company_industry',
                                   'company_size', 'company_location', 'country', 'attributes',
                                   'routing_status', 'routing_locked_by', 'routing_locked_at',
                                   'routing_attempts', 'routing_error',
                                   'routing_last_attempted_at', 'dedupe_hash', 'lead_expires_at',
                                   'created_at', 'updated_at'];
    seed_functions text[] := ARRAY['generate_dedupe_hash', 'acquire_routing_lock',
                                   'complete_routing', 'fail_routing',
                                   'release_stale_routing_locks', 'check_cross_partner_duplicate',
                                   'mark_expired_leads'];
BEGIN
    ------------------------------------------------------------------------------------
    -- Arguments and caller
    ------------------------------------------------------------------------------------
    IF source_schema IS NULL OR dry_run IS NULL THEN
        RAISE EXCEPTION 'migrate_from_seed_schema: source_schema and dry_run must not be NULL'
            USING ERRCODE = '22004';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                    WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER
                      AND (r.rolsuper OR r.rolbypassrls)) THEN
        RAISE EXCEPTION 'migrate_from_seed_schema must be run by a superuser or a role with BYPASSRLS'
            USING ERRCODE = '42501',
                  HINT = 'lead_router''s tables force row-level security; run it as lead_router_service or a superuser.';
    END IF;
    SELECT n.oid INTO src_oid FROM pg_catalog.pg_namespace n
     WHERE n.nspname OPERATOR(pg_catalog.=) source_schema;
    IF src_oid IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', source_schema
            USING ERRCODE = '3F000',
                  HINT = 'Name the schema that holds the seed''s leads, lead_routing_queue and lead_routing_logs (on Supabase: public).';
    END IF;
    IF source_schema OPERATOR(pg_catalog.=) ANY (ARRAY['lead_router', 'pg_catalog', 'information_schema', 'pg_toast']::name[])
       OR source_schema OPERATOR(pg_catalog.~~) 'pg\_temp%' THEN
        RAISE EXCEPTION 'schema "%" cannot be a seed schema', source_schema USING ERRCODE = '22023';
    END IF;

    ------------------------------------------------------------------------------------
    -- The seed schema's shape: tables, columns, types
    ------------------------------------------------------------------------------------
    -- kinds: uuid, text (any string type), status (an enum or a string type), int (int2, int4,
    -- int8), ts (timestamptz or timestamp, the latter read in the session's TimeZone), bool,
    -- json (json or jsonb), any
    WITH expected (tbl, col, kind, required) AS (VALUES
        ('workspaces', 'id', 'uuid', true), ('workspaces', 'name', 'text', true),
        ('workspaces', 'workspace_type', 'status', true), ('workspaces', 'is_active', 'bool', false),
        ('workspaces', 'created_at', 'ts', false), ('workspaces', 'updated_at', 'ts', false),
        ('user_workspaces', 'user_id', 'uuid', true), ('user_workspaces', 'workspace_id', 'uuid', true),
        ('leads', 'id', 'uuid', true), ('leads', 'workspace_id', 'uuid', true),
        ('leads', 'routing_status', 'status', true), ('leads', 'routing_locked_by', 'uuid', true),
        ('leads', 'routing_locked_at', 'ts', true), ('leads', 'routing_attempts', 'int', true),
        ('leads', 'dedupe_hash', 'text', true), ('leads', 'lead_expires_at', 'ts', true),
        ('leads', 'routing_error', 'text', false), ('leads', 'routing_last_attempted_at', 'ts', false),
        ('leads', 'source_workspace_id', 'uuid', false),
        ('leads', 'email', 'text', false), ('leads', 'phone', 'text', false),
        ('leads', 'company_name', 'text', false), ('leads', 'company_domain', 'text', false),
        ('leads', 'company_industry', 'text', false), ('leads', 'company_size', 'int', false),
        ('leads', 'company_location', 'text', false), ('leads', 'country', 'text', false),
        ('leads', 'attributes', 'json', false),
        ('leads', 'created_at', 'ts', false), ('leads', 'updated_at', 'ts', false),
        ('lead_routing_queue', 'id', 'any', true), ('lead_routing_queue', 'lead_id', 'uuid', true),
        ('lead_routing_queue', 'workspace_id', 'uuid', true),
        ('lead_routing_queue', 'attempt_number', 'int', true),
        ('lead_routing_queue', 'max_attempts', 'int', true),
        ('lead_routing_queue', 'next_retry_at', 'ts', true),
        ('lead_routing_queue', 'last_error', 'text', true),
        ('lead_routing_queue', 'processed_at', 'ts', true),
        ('lead_routing_queue', 'created_at', 'ts', false),
        ('lead_routing_logs', 'id', 'any', true), ('lead_routing_logs', 'lead_id', 'uuid', true),
        ('lead_routing_logs', 'source_workspace_id', 'uuid', true),
        ('lead_routing_logs', 'destination_workspace_id', 'uuid', true),
        ('lead_routing_logs', 'matched_rule_id', 'uuid', true),
        ('lead_routing_logs', 'routing_result', 'text', true),
        ('lead_routing_logs', 'error_message', 'text', true),
        ('lead_routing_logs', 'created_at', 'ts', true),
        ('lead_routing_rules', 'id', 'uuid', true),
        ('lead_routing_rules', 'workspace_id', 'uuid', true),
        ('lead_routing_rules', 'priority', 'int', true),
        ('lead_routing_rules', 'is_active', 'bool', true),
        ('lead_routing_rules', 'conditions', 'json', true),
        ('lead_routing_rules', 'destination_workspace_id', 'uuid', true),
        ('lead_routing_rules', 'rule_name', 'text', false),
        ('lead_routing_rules', 'name', 'text', false),
        ('lead_routing_rules', 'created_at', 'ts', false),
        ('lead_routing_rules', 'updated_at', 'ts', false)
    ), tables AS (
        SELECT t.tbl, c.oid AS relid
          FROM (SELECT DISTINCT e.tbl FROM expected e) t
          LEFT JOIN pg_catalog.pg_class c
            ON c.relnamespace OPERATOR(pg_catalog.=) src_oid
           AND c.relname OPERATOR(pg_catalog.=) t.tbl::name
           AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p']::"char"[])
    ), columns AS (
        SELECT e.tbl, e.col, e.kind, e.required, t.relid, a.attnum,
               pg_catalog.format_type(a.atttypid, a.atttypmod) AS actual,
               bt.oid AS base, bt.typcategory AS category, ty.typtype AS typtype
          FROM expected e
          JOIN tables t ON t.tbl OPERATOR(pg_catalog.=) e.tbl
          LEFT JOIN pg_catalog.pg_attribute a
            ON a.attrelid OPERATOR(pg_catalog.=) t.relid
           AND a.attname OPERATOR(pg_catalog.=) e.col::name
           AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
          LEFT JOIN pg_catalog.pg_type ty ON ty.oid OPERATOR(pg_catalog.=) a.atttypid
          LEFT JOIN pg_catalog.pg_type bt
            ON bt.oid OPERATOR(pg_catalog.=) CASE WHEN ty.typtype OPERATOR(pg_catalog.=) 'd'
                                                  THEN ty.typbasetype ELSE ty.oid END
    ), findings AS (
        SELECT 1 AS severity, pg_catalog.format('table %I.%I is missing', source_schema, t.tbl) AS problem
          FROM tables t
         WHERE t.relid IS NULL AND t.tbl OPERATOR(pg_catalog.<>) 'lead_routing_rules'
        UNION ALL
        SELECT 2, pg_catalog.format('column %I.%I.%I is missing', source_schema, c.tbl, c.col)
          FROM columns c
         WHERE c.relid IS NOT NULL AND c.attnum IS NULL AND c.required
        UNION ALL
        SELECT 2, pg_catalog.format('table %I.lead_routing_rules has neither rule_name nor name', source_schema)
          FROM tables t
         WHERE t.tbl OPERATOR(pg_catalog.=) 'lead_routing_rules' AND t.relid IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM columns c
                            WHERE c.tbl OPERATOR(pg_catalog.=) 'lead_routing_rules'
                              AND c.col OPERATOR(pg_catalog.=) ANY (ARRAY['rule_name', 'name'])
                              AND c.attnum IS NOT NULL)
        UNION ALL
        SELECT 3, pg_catalog.format('column %I.%I.%I is %s; expected %s', source_schema, c.tbl, c.col,
                                    c.actual,
                                    CASE c.kind
                                        WHEN 'uuid' THEN 'uuid'
                                        WHEN 'text' THEN 'a string type (text, varchar)'
                                        WHEN 'status' THEN 'an enum or a string type'
                                        WHEN 'int' THEN 'an integer type'
                                        WHEN 'ts' THEN 'timestamptz'
                                        WHEN 'bool' THEN 'boolean'
                                        WHEN 'json' THEN 'jsonb or json'
                                    END)
          FROM columns c
         WHERE c.attnum IS NOT NULL
           AND NOT CASE c.kind
                   WHEN 'any' THEN true
                   WHEN 'uuid' THEN c.base OPERATOR(pg_catalog.=) 'pg_catalog.uuid'::pg_catalog.regtype
                   WHEN 'text' THEN c.category OPERATOR(pg_catalog.=) 'S'
                   WHEN 'status' THEN c.category OPERATOR(pg_catalog.=) 'S' OR c.typtype OPERATOR(pg_catalog.=) 'e'
                   WHEN 'int' THEN c.base OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.int2'::pg_catalog.regtype,
                                      'pg_catalog.int4'::pg_catalog.regtype, 'pg_catalog.int8'::pg_catalog.regtype]::oid[])
                   WHEN 'ts' THEN c.base OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.timestamptz'::pg_catalog.regtype,
                                      'pg_catalog.timestamp'::pg_catalog.regtype]::oid[])
                   WHEN 'bool' THEN c.base OPERATOR(pg_catalog.=) 'pg_catalog.bool'::pg_catalog.regtype
                   WHEN 'json' THEN c.base OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.json'::pg_catalog.regtype,
                                      'pg_catalog.jsonb'::pg_catalog.regtype]::oid[])
                   END
    )
    SELECT pg_catalog.array_agg(f.problem ORDER BY f.severity, f.problem),
           CASE pg_catalog.min(f.severity) WHEN 1 THEN '42P01' WHEN 2 THEN '42703' WHEN 3 THEN '42804' END
      INTO structure, structure_code
      FROM findings f;
    IF structure IS NOT NULL THEN
        RAISE EXCEPTION 'schema "%" does not have the seed''s shape: %', source_schema, structure[1]
            USING ERRCODE = structure_code,
                  DETAIL = pg_catalog.array_to_string(structure, E'\n'),
                  HINT = 'The seed schema has workspaces, user_workspaces, leads (with the routing columns), lead_routing_queue and lead_routing_logs as the seed migration 20260131000001 created them; nothing was read or moved.';
    END IF;
    SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                    WHERE c.relnamespace OPERATOR(pg_catalog.=) src_oid
                      AND c.relname OPERATOR(pg_catalog.=) 'lead_routing_rules'
                      AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p']::"char"[]))
      INTO has_rules;

    ------------------------------------------------------------------------------------
    -- Copy the seed's rows, as jsonb, into a temporary table.  The only statements that run
    -- with the source schema on the search_path (see the header).
    ------------------------------------------------------------------------------------
    IF pg_catalog.to_regclass('pg_temp.lr_mig_raw') IS NOT NULL THEN DROP TABLE pg_temp.lr_mig_raw; END IF;
    CREATE TEMP TABLE pg_temp.lr_mig_raw (tbl text NOT NULL, r jsonb NOT NULL) ON COMMIT DROP;

    PERFORM pg_catalog.set_config('search_path',
                                  'pg_catalog, ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(source_schema)
                                  OPERATOR(pg_catalog.||) ', pg_temp', true);
    IF NOT dry_run THEN
        -- writers wait until this transaction ends; readers do not
        LOCK TABLE workspaces, user_workspaces, leads, lead_routing_queue, lead_routing_logs IN SHARE MODE;
        IF has_rules THEN
            LOCK TABLE lead_routing_rules IN SHARE MODE;
        END IF;
    END IF;
    INSERT INTO pg_temp.lr_mig_raw SELECT 'workspaces', pg_catalog.to_jsonb(s) FROM workspaces s;
    INSERT INTO pg_temp.lr_mig_raw SELECT 'user_workspaces', pg_catalog.to_jsonb(s) FROM user_workspaces s;
    INSERT INTO pg_temp.lr_mig_raw SELECT 'leads', pg_catalog.to_jsonb(s) FROM leads s;
    INSERT INTO pg_temp.lr_mig_raw SELECT 'queue', pg_catalog.to_jsonb(s) FROM lead_routing_queue s;
    INSERT INTO pg_temp.lr_mig_raw SELECT 'logs', pg_catalog.to_jsonb(s) FROM lead_routing_logs s;
    IF has_rules THEN
        INSERT INTO pg_temp.lr_mig_raw SELECT 'rules', pg_catalog.to_jsonb(s) FROM lead_routing_rules s;
    END IF;
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    CREATE INDEX ON pg_temp.lr_mig_raw (tbl);
    ANALYZE pg_temp.lr_mig_raw;

    ------------------------------------------------------------------------------------
    -- Workspaces and memberships
    ------------------------------------------------------------------------------------
    IF pg_catalog.to_regclass('pg_temp.lr_mig_ws') IS NOT NULL THEN DROP TABLE pg_temp.lr_mig_ws; END IF;
    CREATE TEMP TABLE pg_temp.lr_mig_ws ON COMMIT DROP AS
    SELECT (x.r ->> 'id')::uuid AS id,
           x.r ->> 'name' AS name,
           x.r ->> 'workspace_type' AS type_raw,
           pg_catalog.lower(pg_catalog.btrim(x.r ->> 'workspace_type')) AS type,
           coalesce((x.r ->> 'is_active')::boolean, true) AS is_active,
           (x.r ->> 'created_at')::timestamptz AS created_at,
           (x.r ->> 'updated_at')::timestamptz AS updated_at,
           ARRAY(SELECT k FROM pg_catalog.jsonb_object_keys(x.r) AS k
                  WHERE k OPERATOR(pg_catalog.<>) ALL (ARRAY['id', 'name', 'workspace_type', 'is_active',
                                                             'created_at', 'updated_at'])
                  ORDER BY k) AS extra_columns,
           w.id IS NOT NULL AS present,
           w.id IS NOT NULL
             AND (w.name, w.workspace_type, w.is_active) IS DISTINCT FROM
                 (x.r ->> 'name', pg_catalog.lower(pg_catalog.btrim(x.r ->> 'workspace_type')),
                  coalesce((x.r ->> 'is_active')::boolean, true)) AS differs,
           NULL::text AS problem
      FROM pg_temp.lr_mig_raw x
      LEFT JOIN lead_router.workspaces w ON w.id OPERATOR(pg_catalog.=) (x.r ->> 'id')::uuid
     WHERE x.tbl OPERATOR(pg_catalog.=) 'workspaces';
    CREATE INDEX ON pg_temp.lr_mig_ws (id);
    ANALYZE pg_temp.lr_mig_ws;
    UPDATE pg_temp.lr_mig_ws SET problem = CASE
        WHEN id IS NULL THEN 'no id'
        WHEN name IS NULL OR pg_catalog.btrim(name) OPERATOR(pg_catalog.=) '' THEN 'no name'
        WHEN pg_catalog.length(name) OPERATOR(pg_catalog.>) 200 THEN 'name longer than 200 characters'
        WHEN type IS NULL THEN 'no workspace_type'
        WHEN type OPERATOR(pg_catalog.!~) '^[a-z][a-z0-9_]{0,31}$' THEN
            pg_catalog.format('workspace_type %L is not an identifier once lower-cased (lead_router: ^[a-z][a-z0-9_]{0,31}$)', type_raw)
        END
     WHERE NOT present;

    IF pg_catalog.to_regclass('pg_temp.lr_mig_uw') IS NOT NULL THEN DROP TABLE pg_temp.lr_mig_uw; END IF;
    CREATE TEMP TABLE pg_temp.lr_mig_uw ON COMMIT DROP AS
    SELECT (x.r ->> 'user_id')::uuid AS user_id,
           (x.r ->> 'workspace_id')::uuid AS workspace_id,
           (x.r ->> 'created_at')::timestamptz AS created_at,
           ARRAY(SELECT k FROM pg_catalog.jsonb_object_keys(x.r) AS k
                  WHERE k OPERATOR(pg_catalog.<>) ALL (ARRAY['user_id', 'workspace_id', 'created_at'])
                  ORDER BY k) AS extra_columns,
           false AS present,
           NULL::text AS skipped
      FROM pg_temp.lr_mig_raw x
     WHERE x.tbl OPERATOR(pg_catalog.=) 'user_workspaces';
    UPDATE pg_temp.lr_mig_uw u SET present = true
      FROM lead_router.user_workspaces m
     WHERE m.user_id OPERATOR(pg_catalog.=) u.user_id AND m.workspace_id OPERATOR(pg_catalog.=) u.workspace_id;
    UPDATE pg_temp.lr_mig_uw u SET skipped = CASE
        WHEN u.user_id IS NULL THEN 'no user_id'
        WHEN u.workspace_id IS NULL THEN 'no workspace_id'
        WHEN NOT EXISTS (SELECT 1 FROM pg_temp.lr_mig_ws w WHERE w.id OPERATOR(pg_catalog.=) u.workspace_id)
         AND NOT EXISTS (SELECT 1 FROM lead_router.workspaces w WHERE w.id OPERATOR(pg_catalog.=) u.workspace_id)
            THEN 'its workspace does not exist'
        END
     WHERE NOT u.present;

    ------------------------------------------------------------------------------------
    -- Audit rows, first pass: their lead_router result (they tell a routed lead's source)
    ------------------------------------------------------------------------------------
    -- Each table below is built in one pass (CREATE TABLE AS over joins): updating every
    -- row of a wide temporary table again and again would rewrite it each time.
    IF pg_catalog.to_regclass('pg_temp.lr_mig_seed_logs') IS NOT NULL THEN DROP TABLE pg_temp.lr_mig_seed_logs; END IF;
    CREATE TEMP TABLE pg_temp.lr_mig_seed_logs ON COMMIT DROP AS
    SELECT g.*,
           -- the seed's results and their usual spellings; anything else has no lead_router meaning
           CASE
               WHEN g.result_key = ANY (ARRAY['success', 'routed', 'completed', 'complete']) THEN 'success'
               WHEN g.result_key = ANY (ARRAY['duplicate', 'cross_partner_duplicate', 'duplicate_detected']) THEN 'duplicate'
               WHEN g.result_key = ANY (ARRAY['retry', 'retry_scheduled', 'queued', 'requeued', 'retrying']) THEN
                   CASE WHEN g.error_message ~~* '%no matching rule%' THEN 'no_match' ELSE 'retry' END
               WHEN g.result_key = ANY (ARRAY['no_match', 'no_matching_rule']) THEN 'no_match'
               WHEN g.result_key = ANY (ARRAY['failed', 'failure', 'permanently_failed']) THEN 'failed'
               WHEN g.result_key = 'expired' THEN 'expired'
               WHEN g.result_key = ANY (ARRAY['released', 'lock_released', 'stale_lock_released']) THEN 'released'
               WHEN g.result_key = ANY (ARRAY['locked', 'lock_acquired']) THEN 'locked'
           END AS result
      FROM (SELECT x.r ->> 'id' AS seed_id, t.lead_id, t.source_workspace_id AS source,
                   t.destination_workspace_id AS destination, t.matched_rule_id AS rule_id,
                   t.routing_result AS result_raw,
                   pg_catalog.lower(pg_catalog.btrim(t.routing_result)) AS result_key,
                   t.error_message, t.created_at
              FROM pg_temp.lr_mig_raw x
             CROSS JOIN LATERAL pg_catalog.jsonb_to_record(x.r) AS t(
                       lead_id uuid, source_workspace_id uuid, destination_workspace_id uuid,
                       matched_rule_id uuid, routing_result text, error_message text,
                       created_at timestamptz)
             WHERE x.tbl = 'logs') AS g;
    CREATE INDEX ON pg_temp.lr_mig_seed_logs (lead_id, created_at, seed_id);
    ANALYZE pg_temp.lr_mig_seed_logs;

    ------------------------------------------------------------------------------------
    -- Leads
    ------------------------------------------------------------------------------------
    IF pg_catalog.to_regclass('pg_temp.lr_mig_leads') IS NOT NULL THEN DROP TABLE pg_temp.lr_mig_leads; END IF;
    CREATE TEMP TABLE pg_temp.lr_mig_leads ON COMMIT DROP AS
    -- MATERIALIZED: each step once per lead (inlined, the subqueries would run per reference)
    WITH base AS MATERIALIZED (
        -- one pass over each row's document (every ->> would decompress it again)
        SELECT t.id, t.workspace_id AS owner, t.routing_status AS seed_status,
               t.email, t.phone, t.company_name, t.company_domain, t.company_industry,
               t.company_size, t.company_location, t.country, t.attributes AS seed_attributes,
               e.extras, e.extra_columns,
               t.dedupe_hash AS seed_hash, t.routing_locked_by AS locked_by,
               t.routing_locked_at AS locked_at, t.routing_attempts AS attempts, t.routing_error,
               t.routing_last_attempted_at AS last_attempted_at, t.lead_expires_at AS expires_at,
               coalesce(t.created_at, pg_catalog.now()) AS created_at, t.updated_at,
               t.source_workspace_id AS source_column
          FROM pg_temp.lr_mig_raw x
         CROSS JOIN LATERAL pg_catalog.jsonb_to_record(x.r) AS t(
                   id uuid, workspace_id uuid, routing_status text, email text, phone text,
                   company_name text, company_domain text, company_industry text,
                   company_size numeric, company_location text, country text, attributes jsonb,
                   dedupe_hash text, routing_locked_by uuid, routing_locked_at timestamptz,
                   routing_attempts numeric, routing_error text,
                   routing_last_attempted_at timestamptz, lead_expires_at timestamptz,
                   created_at timestamptz, updated_at timestamptz, source_workspace_id uuid)
         CROSS JOIN LATERAL (
                   SELECT pg_catalog.jsonb_object_agg(j.key, j.value ORDER BY j.key)
                              FILTER (WHERE j.value <> 'null'::jsonb) AS extras,
                          coalesce(pg_catalog.array_agg(j.key ORDER BY j.key), '{}') AS extra_columns
                     FROM pg_catalog.jsonb_each(x.r) AS j
                    WHERE j.key <> ALL (lead_columns)) AS e
         WHERE x.tbl = 'leads'
    ), located AS MATERIALIZED (
        SELECT b.*,
               lr.id IS NOT NULL AS present,
               lr.dedupe_hash AS present_hash,
               coalesce(w.type, lw.workspace_type) AS owner_type,
               w.problem AS owner_problem,
               -- the earliest audit row that names a source that exists; a success row that
               -- names its destination as its source says nothing (seed A13: RETURNING gave
               -- the new owner)
               (SELECT g.source FROM pg_temp.lr_mig_seed_logs g
                 WHERE g.lead_id = b.id AND g.source IS NOT NULL
                   AND NOT (g.result IS NOT DISTINCT FROM 'success' AND g.source IS NOT DISTINCT FROM g.destination)
                   AND (EXISTS (SELECT 1 FROM pg_temp.lr_mig_ws sw WHERE sw.id = g.source)
                        OR EXISTS (SELECT 1 FROM lead_router.workspaces sw WHERE sw.id = g.source))
                 ORDER BY g.created_at, g.seed_id LIMIT 1) AS log_source
          FROM base b
          LEFT JOIN lead_router.leads lr ON lr.id = b.id
          LEFT JOIN pg_temp.lr_mig_ws w ON w.id = b.owner
          LEFT JOIN lead_router.workspaces lw ON lw.id = b.owner
    ), classified AS MATERIALIZED (
        SELECT l.*,
               CASE
                   -- the seed's backfill rule: routed when a partner other than its source owns it
                   WHEN l.seed_status IS NULL THEN
                       CASE WHEN l.owner_type = 'partner'
                                 AND coalesce(l.source_column, l.log_source) IS DISTINCT FROM l.owner
                            THEN 'routed' ELSE 'pending' END
                   WHEN l.seed_status = 'routing' THEN 'pending'
                   WHEN l.seed_status = ANY (ARRAY['pending', 'routed', 'failed', 'expired']) THEN l.seed_status
               END AS status
          FROM located l
    ), sourced AS MATERIALIZED (
        -- A routed lead keeps the source its logs (or a column of its own) name; every other
        -- lead is still in the workspace it arrived in.
        SELECT c.*,
               CASE WHEN c.status = 'routed' THEN coalesce(c.source_column, c.log_source, c.owner)
                    ELSE c.owner END AS source,
               CASE WHEN c.status IS DISTINCT FROM 'routed' THEN 'owner'
                    WHEN c.source_column IS NOT NULL THEN 'column'
                    WHEN c.log_source IS NOT NULL THEN 'logs'
                    ELSE 'unknown' END AS source_basis,
               CASE WHEN c.status = 'routed' THEN
                   coalesce((SELECT pg_catalog.max(g.created_at) FROM pg_temp.lr_mig_seed_logs g
                              WHERE g.lead_id = c.id AND g.result = 'success'),
                            c.last_attempted_at, c.updated_at, c.created_at) END AS routed_at
          FROM classified c
    )
    SELECT s.id, s.owner, s.seed_status, s.email, s.phone, s.company_name, s.company_domain,
           s.company_industry, s.company_size, s.company_location, s.country, s.extra_columns,
           s.seed_hash, s.locked_by, s.locked_at, s.attempts,
           -- lead_router keeps error messages to 1,000 bytes (cut at a character boundary)
           CASE WHEN pg_catalog.octet_length(s.routing_error) > 1000 THEN
               (SELECT pg_catalog.left(s.routing_error, n)
                  FROM pg_catalog.generate_series(least(pg_catalog.length(s.routing_error), 1000), 0, -1) AS n
                 WHERE pg_catalog.octet_length(pg_catalog.left(s.routing_error, n)) <= 1000 LIMIT 1)
               ELSE s.routing_error END AS routing_error,
           s.last_attempted_at, s.expires_at, s.created_at, s.updated_at, s.source_column,
           s.present, s.owner_type, s.log_source, s.status, s.source, s.source_basis, s.routed_at,
           CASE
               WHEN pg_catalog.jsonb_typeof(s.seed_attributes) = 'object'
                   THEN s.seed_attributes || coalesce(s.extras, '{}')
               WHEN s.seed_attributes IS NULL OR s.seed_attributes = 'null'::jsonb
                   THEN coalesce(s.extras, '{}')
               ELSE coalesce(s.extras, '{}') || pg_catalog.jsonb_build_object('attributes', s.seed_attributes)
           END AS attributes,
           -- a lead moved already has lead_router's hash (computing it again costs most of a re-run)
           CASE WHEN s.present THEN s.present_hash
                ELSE lead_router.generate_dedupe_hash(s.email, s.phone, s.company_name) END AS lr_hash,
           NULL::timestamptz AS due_at,
           false AS seed_duplicate_path,
           -- what lead_router cannot represent
           CASE WHEN NOT s.present THEN CASE
               WHEN s.id IS NULL THEN 'no id'
               WHEN s.owner IS NULL THEN 'no workspace_id'
               WHEN s.status IS NULL THEN
                   pg_catalog.format('routing_status %L is not a lead_router state', s.seed_status)
               WHEN s.owner_type IS NULL THEN
                   pg_catalog.format('its workspace %s does not exist', s.owner)
               WHEN s.owner_problem IS NOT NULL
                    OR EXISTS (SELECT 1 FROM pg_temp.lr_mig_ws w WHERE w.id = s.source AND w.problem IS NOT NULL) THEN
                   'its workspace cannot be moved'
               WHEN s.attempts < 0 THEN pg_catalog.format('routing_attempts %s is negative', s.attempts)
               WHEN s.attempts > 2147483647 THEN pg_catalog.format('routing_attempts %s is out of range', s.attempts)
               WHEN s.company_size < 0 OR s.company_size > 2147483647 THEN
                   pg_catalog.format('company_size %s is out of range (0 to 2147483647)', s.company_size)
               WHEN pg_catalog.length(s.email) > 320 THEN 'email longer than 320 characters'
               WHEN pg_catalog.length(s.phone) > 64 THEN 'phone longer than 64 characters'
               WHEN pg_catalog.length(s.company_name) > 500 THEN 'company_name longer than 500 characters'
               WHEN pg_catalog.length(s.company_domain) > 253 THEN 'company_domain longer than 253 characters'
               END END AS problem
      FROM sourced s;
    CREATE INDEX ON pg_temp.lr_mig_leads (id);
    CREATE INDEX ON pg_temp.lr_mig_leads (seed_hash);
    CREATE INDEX ON pg_temp.lr_mig_leads (lr_hash);
    ANALYZE pg_temp.lr_mig_leads;
    -- the seed's duplicate path (A14): delivered without a rule to the partner that already
    -- had the person (a few rows: an UPDATE is fine here)
    UPDATE pg_temp.lr_mig_leads l SET seed_duplicate_path = true
     WHERE l.status = 'routed'
       AND EXISTS (SELECT 1 FROM pg_temp.lr_mig_seed_logs g
                    WHERE g.lead_id = l.id AND g.result = 'success' AND g.rule_id IS NULL)
       AND EXISTS (SELECT 1 FROM pg_temp.lr_mig_leads o
                    WHERE o.seed_hash = l.seed_hash AND o.id <> l.id AND o.status = 'routed'
                      AND o.owner = l.owner AND o.routed_at < l.routed_at);

    ------------------------------------------------------------------------------------
    -- Retry queue: rows move with their lead
    ------------------------------------------------------------------------------------
    IF pg_catalog.to_regclass('pg_temp.lr_mig_queue') IS NOT NULL THEN DROP TABLE pg_temp.lr_mig_queue; END IF;
    CREATE TEMP TABLE pg_temp.lr_mig_queue ON COMMIT DROP AS
    WITH base AS MATERIALIZED (
        SELECT x.r ->> 'id' AS seed_id, t.lead_id, t.workspace_id AS seed_workspace_id,
               t.attempt_number AS attempt, t.max_attempts AS seed_max_attempts,
               t.next_retry_at AS seed_next_retry_at, t.last_error AS seed_last_error,
               t.processed_at AS seed_processed_at, t.created_at AS seed_created_at
          FROM pg_temp.lr_mig_raw x
         CROSS JOIN LATERAL pg_catalog.jsonb_to_record(x.r) AS t(
                   lead_id uuid, workspace_id uuid, attempt_number numeric, max_attempts numeric,
                   next_retry_at timestamptz, last_error text, processed_at timestamptz,
                   created_at timestamptz)
         WHERE x.tbl = 'queue'
    ), joined AS MATERIALIZED (
        SELECT b.*,
               l.id IS NOT NULL AS lead_found,
               coalesce(NOT l.present AND b.lead_id IS NOT NULL, false) AS move,
               l.status, l.owner, l.source,
               b.seed_processed_at IS NULL AS was_open,
               b.seed_next_retry_at IS NULL AND b.attempt IS NOT NULL AS due_rebuilt,
               b.seed_max_attempts IS NULL AS max_defaulted,
               coalesce(b.seed_max_attempts, 3) AS max_attempts,
               coalesce(b.seed_workspace_id, l.source) AS workspace_id,
               -- the seed's backoff (A11), from when the row was queued
               coalesce(b.seed_next_retry_at,
                        coalesce(b.seed_created_at, l.last_attempted_at, l.updated_at, l.created_at)
                        + backoff[least(greatest(b.attempt, 1), 5)::int]) AS next_retry_at,
               CASE WHEN b.seed_processed_at IS NULL THEN
                   pg_catalog.row_number() OVER (PARTITION BY b.lead_id, b.seed_processed_at IS NULL
                                                 ORDER BY b.seed_created_at DESC NULLS LAST, b.attempt DESC, b.seed_id DESC)
               END AS open_rank
          FROM base b
          LEFT JOIN pg_temp.lr_mig_leads l ON l.id = b.lead_id
    ), decided AS (
        -- one open row per waiting lead: the latest; every other open row is closed now
        SELECT j.*,
               j.move AND j.was_open AND j.status = 'pending' AND j.open_rank = 1 AS keep_open,
               CASE WHEN NOT (j.move AND j.was_open) THEN NULL
                    WHEN j.status IS DISTINCT FROM 'pending' THEN 'lead ' || j.status
                    WHEN j.open_rank > 1 THEN 'superseded' END AS close_reason
          FROM joined j
    )
    SELECT d.seed_id, d.lead_id, d.workspace_id, d.attempt, d.max_attempts, d.next_retry_at,
           CASE WHEN pg_catalog.octet_length(d.seed_last_error) > 1000 THEN
               (SELECT pg_catalog.left(d.seed_last_error, n)
                  FROM pg_catalog.generate_series(least(pg_catalog.length(d.seed_last_error), 1000), 0, -1) AS n
                 WHERE pg_catalog.octet_length(pg_catalog.left(d.seed_last_error, n)) <= 1000 LIMIT 1)
               ELSE d.seed_last_error END AS last_error,
           CASE WHEN d.keep_open THEN NULL
                WHEN d.close_reason IS NOT NULL THEN pg_catalog.now()
                ELSE d.seed_processed_at END AS processed_at,
           coalesce(d.seed_created_at,
                    d.next_retry_at - backoff[least(greatest(d.attempt, 1), 5)::int],
                    pg_catalog.now()) AS created_at,
           d.was_open, d.due_rebuilt AND d.move AS due_rebuilt, d.max_defaulted AND d.move AS max_defaulted,
           d.keep_open, d.close_reason, d.move,
           CASE WHEN d.lead_id IS NULL THEN 'no lead_id'
                WHEN NOT d.lead_found THEN 'its lead does not exist' END AS skipped,
           CASE WHEN d.move THEN CASE
               WHEN d.attempt IS NULL THEN 'attempt_number is NULL'
               WHEN d.attempt < 1 OR d.attempt > 100 THEN
                   pg_catalog.format('attempt_number %s is out of range (1 to 100)', d.attempt)
               WHEN d.max_attempts < 1 OR d.max_attempts > 100 THEN
                   pg_catalog.format('max_attempts %s is out of range (1 to 100)', d.max_attempts)
               WHEN d.attempt > d.max_attempts THEN
                   pg_catalog.format('attempt_number %s is beyond max_attempts %s', d.attempt, d.max_attempts)
               WHEN NOT EXISTS (SELECT 1 FROM pg_temp.lr_mig_ws w WHERE w.id = d.workspace_id)
                AND NOT EXISTS (SELECT 1 FROM lead_router.workspaces w WHERE w.id = d.workspace_id) THEN
                   pg_catalog.format('its workspace %s does not exist', d.workspace_id)
               WHEN d.keep_open AND d.workspace_id <> d.owner THEN
                   pg_catalog.format('open retry for workspace %s, but the lead is in %s', d.workspace_id, d.owner)
               END END AS problem
      FROM decided d;
    -- a waiting lead is due when its open retry is (a subset: an UPDATE is fine here)
    UPDATE pg_temp.lr_mig_leads l SET due_at = q.next_retry_at
      FROM pg_temp.lr_mig_queue q
     WHERE q.lead_id = l.id AND q.keep_open;

    ------------------------------------------------------------------------------------
    -- Audit rows, second pass: they move with their lead; results that mean nothing to
    -- lead_router stay behind (reported)
    ------------------------------------------------------------------------------------
    IF pg_catalog.to_regclass('pg_temp.lr_mig_logs') IS NOT NULL THEN DROP TABLE pg_temp.lr_mig_logs; END IF;
    CREATE TEMP TABLE pg_temp.lr_mig_logs ON COMMIT DROP AS
    WITH joined AS (
        SELECT g.*,
               CASE WHEN g.lead_id IS NULL THEN 'no lead_id'
                    WHEN l.id IS NULL THEN 'its lead does not exist'
                    WHEN g.result IS NULL THEN 'no lead_router result means this' END AS skipped,
               coalesce(NOT l.present, false) AS lead_moves,
               CASE WHEN g.source IS NULL OR (g.result = 'success' AND g.source = g.destination) THEN l.source
                    ELSE g.source END AS lr_source
          FROM pg_temp.lr_mig_seed_logs g
          LEFT JOIN pg_temp.lr_mig_leads l ON l.id = g.lead_id
    )
    SELECT j.seed_id, j.lead_id, j.source, j.destination, j.rule_id, j.result_raw, j.result,
           CASE WHEN pg_catalog.octet_length(j.error_message) > 1000 THEN
               (SELECT pg_catalog.left(j.error_message, n)
                  FROM pg_catalog.generate_series(least(pg_catalog.length(j.error_message), 1000), 0, -1) AS n
                 WHERE pg_catalog.octet_length(pg_catalog.left(j.error_message, n)) <= 1000 LIMIT 1)
               ELSE j.error_message END AS error_message,
           j.created_at, j.skipped, j.lr_source,
           j.lead_moves AND j.skipped IS NULL AS move,
           -- the attempt each row belongs to: the lead's attempts counted up to it
           (pg_catalog.count(*) FILTER (WHERE j.skipped IS NULL
                                          AND j.result = ANY (ARRAY['success', 'duplicate', 'retry', 'no_match', 'failed']))
               OVER (PARTITION BY j.lead_id ORDER BY j.created_at, j.seed_id ROWS UNBOUNDED PRECEDING))::int AS attempt
      FROM joined j;

    ------------------------------------------------------------------------------------
    -- Rules: the seed kept them as application configuration (conditions in the service's
    -- own format, evaluated in TypeScript).  Industry, size and location equalities, lists
    -- and ranges map to lead_router conditions; a rule with anything else is not moved.
    ------------------------------------------------------------------------------------
    IF pg_catalog.to_regclass('pg_temp.lr_mig_rules') IS NOT NULL THEN DROP TABLE pg_temp.lr_mig_rules; END IF;
    CREATE TEMP TABLE pg_temp.lr_mig_rules ON COMMIT DROP AS
    SELECT (x.r ->> 'id')::uuid AS id,
           (x.r ->> 'workspace_id')::uuid AS workspace_id,
           coalesce(x.r ->> 'rule_name', x.r ->> 'name') AS name,
           (x.r ->> 'priority')::numeric AS priority,
           coalesce((x.r ->> 'is_active')::boolean, true) AS is_active,
           x.r -> 'conditions' AS conditions,
           (x.r ->> 'destination_workspace_id')::uuid AS destination,
           (x.r ->> 'created_at')::timestamptz AS created_at,
           (x.r ->> 'updated_at')::timestamptz AS updated_at,
           EXISTS (SELECT 1 FROM lead_router.routing_rules rr WHERE rr.id = (x.r ->> 'id')::uuid) AS present,
           NULL::jsonb AS mapped,
           NULL::text AS problem
      FROM pg_temp.lr_mig_raw x
     WHERE x.tbl = 'rules';
    WITH items AS (
        SELECT r.id AS rule_id, e.key, e.value, e.ord
          FROM pg_temp.lr_mig_rules r,
               pg_catalog.jsonb_each(CASE WHEN pg_catalog.jsonb_typeof(r.conditions) = 'object'
                                          THEN r.conditions ELSE '{}' END) WITH ORDINALITY AS e(key, value, ord)
    ), shaped AS (
        SELECT i.*,
               pg_catalog.jsonb_typeof(i.value) AS vtype,
               -- a string or a non-empty list of strings, each within lead_router's limits
               (pg_catalog.jsonb_typeof(i.value) = 'string' AND pg_catalog.octet_length(i.value #>> '{}') BETWEEN 1 AND 1000)
               OR (pg_catalog.jsonb_typeof(i.value) = 'array'
                   AND pg_catalog.jsonb_array_length(i.value) BETWEEN 1 AND 1000
                   AND NOT EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(i.value) AS el
                                    WHERE pg_catalog.jsonb_typeof(el) <> 'string'
                                       OR pg_catalog.octet_length(el #>> '{}') NOT BETWEEN 1 AND 1000)) AS strings,
               CASE WHEN pg_catalog.jsonb_typeof(i.value) = 'array' THEN
                   ARRAY(SELECT el #>> '{}' FROM pg_catalog.jsonb_array_elements(i.value) AS el) END AS list
          FROM items i
    ), buckets AS (
        -- company_sizes: "11-50" -> between [11, 50], "1000+" -> gte 1000
        SELECT s.rule_id, s.ord,
               pg_catalog.count(*) AS n,
               pg_catalog.bool_and(m.lo IS NOT NULL AND (m.hi IS NULL OR m.lo <= m.hi)) AS ok,
               pg_catalog.jsonb_agg(CASE WHEN m.hi IS NULL AND m.plus
                                         THEN pg_catalog.jsonb_build_object('company_size', pg_catalog.jsonb_build_object('gte', m.lo))
                                         ELSE pg_catalog.jsonb_build_object('company_size', pg_catalog.jsonb_build_object('between', pg_catalog.jsonb_build_array(m.lo, m.hi)))
                                    END ORDER BY m.pos) AS preds
          FROM shaped s,
               LATERAL pg_catalog.unnest(s.list) WITH ORDINALITY AS b(bucket, pos),
               LATERAL (SELECT (pg_catalog.regexp_match(b.bucket, '^\s*(\d{1,9})\s*(?:-\s*(\d{1,9})|(\+))\s*$')) AS g) AS mm,
               LATERAL (SELECT mm.g[1]::numeric AS lo, mm.g[2]::numeric AS hi, mm.g[3] IS NOT NULL AS plus, b.pos) AS m
         WHERE s.key = 'company_sizes' AND s.strings AND s.vtype = 'array'
         GROUP BY s.rule_id, s.ord
    ), mapped AS (
        SELECT s.rule_id, s.ord, s.key,
               CASE
                   WHEN s.key = ANY (ARRAY['industry', 'industries', 'location', 'locations']) AND s.strings THEN
                       pg_catalog.jsonb_build_object(
                           CASE WHEN s.key LIKE 'industr%' THEN 'company_industry' ELSE 'company_location' END,
                           CASE WHEN s.vtype = 'string' THEN pg_catalog.jsonb_build_object('eq', s.value)
                                ELSE pg_catalog.jsonb_build_object('in', s.value) END)
                   WHEN s.key = 'company_size' AND s.vtype = 'number' AND (s.value #>> '{}')::numeric >= 0 THEN
                       pg_catalog.jsonb_build_object('company_size', pg_catalog.jsonb_build_object('eq', s.value))
                   WHEN s.key = 'company_size' AND s.vtype = 'object'
                        AND (s.value ? 'min' OR s.value ? 'max')
                        AND NOT EXISTS (SELECT 1 FROM pg_catalog.jsonb_object_keys(s.value) AS k WHERE k <> ALL (ARRAY['min', 'max']))
                        AND coalesce(pg_catalog.jsonb_typeof(s.value -> 'min'), 'number') = 'number'
                        AND coalesce(pg_catalog.jsonb_typeof(s.value -> 'max'), 'number') = 'number'
                        AND coalesce((s.value ->> 'min')::numeric <= (s.value ->> 'max')::numeric, true) THEN
                       pg_catalog.jsonb_build_object('company_size',
                           CASE WHEN s.value ? 'min' AND s.value ? 'max'
                                    THEN pg_catalog.jsonb_build_object('between', pg_catalog.jsonb_build_array(s.value -> 'min', s.value -> 'max'))
                                WHEN s.value ? 'min' THEN pg_catalog.jsonb_build_object('gte', s.value -> 'min')
                                ELSE pg_catalog.jsonb_build_object('lte', s.value -> 'max') END)
                   WHEN s.key = 'company_sizes' AND b.ok THEN
                       CASE WHEN b.n = 1 THEN b.preds -> 0 ELSE pg_catalog.jsonb_build_object('any', b.preds) END
               END AS pred,
               CASE
                   WHEN s.key = ANY (ARRAY['industry', 'industries', 'location', 'locations', 'company_size', 'company_sizes']) THEN
                       pg_catalog.format('%s: %s is not %s', s.key, s.value,
                           CASE WHEN s.key = 'company_size' THEN 'a number or {"min": n, "max": m}'
                                WHEN s.key = 'company_sizes' THEN 'a list of buckets such as "11-50" or "1000+"'
                                ELSE 'a string or a non-empty list of strings (at most 1,000, of 1 to 1,000 bytes)' END)
                   WHEN s.key = 'job_titles' THEN
                       pg_catalog.format('job_titles %s: the application matched job_title against regular expressions, which lead_router does not have; supply conditions on attributes.job_title (prefix, contains, in), e.g. {"any": [{"attributes.job_title": {"prefix": "vp"}}, {"attributes.job_title": {"contains": "director"}}]}', s.value)
                   WHEN s.key = 'lead_score_min' THEN
                       pg_catalog.format('lead_score_min %s: evaluated by the application; if it meant lead_score >= %s, supply {"attributes.lead_score": {"gte": %s}}', s.value, s.value, s.value)
                   WHEN s.key = 'exclude_domains' THEN
                       pg_catalog.format('exclude_domains %s: evaluated by the application; if it meant company_domain is none of these, supply {"company_domain": {"not_in": %s}}', s.value, s.value)
                   WHEN s.key = 'custom' THEN
                       pg_catalog.format('custom %s: a JavaScript expression the application evaluated; write it as lead_router conditions', s.value)
                   ELSE
                       pg_catalog.format('%s %s: unknown to the migration; supply the lead_router condition the application''s evaluateRules() applied', s.key, s.value)
               END AS reason
          FROM shaped s
          LEFT JOIN buckets b ON b.rule_id = s.rule_id AND b.ord = s.ord
    ), per_rule AS (
        SELECT m.rule_id,
               pg_catalog.bool_and(m.pred IS NOT NULL) AS all_mapped,
               pg_catalog.string_agg(m.reason, '; ' ORDER BY m.ord) FILTER (WHERE m.pred IS NULL) AS reasons,
               -- one object when the keys are distinct, else all of them
               CASE WHEN pg_catalog.count(DISTINCT k.key) = pg_catalog.count(*)
                    THEN pg_catalog.jsonb_object_agg(k.key, k.value) FILTER (WHERE k.key IS NOT NULL)
                    ELSE pg_catalog.jsonb_build_object('all', pg_catalog.jsonb_agg(m.pred ORDER BY m.ord)) END AS conditions
          FROM mapped m
          LEFT JOIN LATERAL pg_catalog.jsonb_each(m.pred) AS k ON true
         GROUP BY m.rule_id
    )
    UPDATE pg_temp.lr_mig_rules r SET
        mapped = CASE WHEN p.rule_id IS NULL THEN '{}'::jsonb WHEN p.all_mapped THEN p.conditions END,
        problem = p.reasons
      FROM pg_temp.lr_mig_rules r2
      LEFT JOIN per_rule p ON p.rule_id = r2.id
     WHERE r2.id = r.id;
    -- what lead_router's rule validation would refuse
    UPDATE pg_temp.lr_mig_rules r SET problem = concat_ws('; ', CASE
        WHEN pg_catalog.jsonb_typeof(r.conditions) IS DISTINCT FROM 'object' THEN 'conditions is not a JSON object'
        WHEN r.name IS NULL OR pg_catalog.btrim(r.name) = '' THEN 'no name'
        WHEN pg_catalog.length(r.name) > 200 THEN 'name longer than 200 characters'
        WHEN r.priority IS NULL OR r.priority NOT BETWEEN -2147483648 AND 2147483647 THEN 'priority out of range'
        WHEN s.type IS NULL THEN pg_catalog.format('its workspace %s does not exist', r.workspace_id)
        WHEN r.destination = r.workspace_id THEN 'routes to its own workspace'
        WHEN d.type IS NULL THEN pg_catalog.format('destination %s does not exist', r.destination)
        WHEN d.type <> 'partner' THEN
            pg_catalog.format('destination %s (%s) is of type %s: lead_router routes only to partner workspaces; supply a partner destination',
                              d.name, r.destination, d.type)
        WHEN NOT d.is_active THEN
            pg_catalog.format('destination %s (%s) is not active: lead_router keeps rules (active or not) only to active partners',
                              d.name, r.destination)
        END, r.problem)
      FROM pg_temp.lr_mig_rules r2
      LEFT JOIN LATERAL (SELECT w.type FROM pg_temp.lr_mig_ws w WHERE w.id = r2.workspace_id
                         UNION ALL SELECT lw.workspace_type FROM lead_router.workspaces lw WHERE lw.id = r2.workspace_id
                         LIMIT 1) AS s ON true
      LEFT JOIN LATERAL (SELECT w.type, w.name, w.is_active FROM pg_temp.lr_mig_ws w WHERE w.id = r2.destination
                         UNION ALL SELECT lw.workspace_type, lw.name, lw.is_active FROM lead_router.workspaces lw WHERE lw.id = r2.destination
                         LIMIT 1) AS d ON true
     WHERE r2.id = r.id AND NOT r.present;
    UPDATE pg_temp.lr_mig_rules r SET problem = CASE WHEN r.present THEN NULL ELSE NULLIF(r.problem, '') END;

    ------------------------------------------------------------------------------------
    -- The report
    ------------------------------------------------------------------------------------
    IF pg_catalog.to_regclass('pg_temp.lr_mig_report') IS NOT NULL THEN DROP TABLE pg_temp.lr_mig_report; END IF;
    CREATE TEMP TABLE pg_temp.lr_mig_report (
        ord integer NOT NULL, object text NOT NULL, found bigint, to_move bigint,
        cannot_map bigint, detail text, blocking bigint NOT NULL DEFAULT 0) ON COMMIT DROP;

    -- workspaces
    INSERT INTO pg_temp.lr_mig_report (ord, object, found, to_move, cannot_map, detail, blocking)
    SELECT 20, 'workspaces', pg_catalog.count(*),
           pg_catalog.count(*) FILTER (WHERE NOT w.present AND w.problem IS NULL),
           pg_catalog.count(*) FILTER (WHERE w.problem IS NOT NULL),
           concat_ws('; ',
               'ids kept',
               (SELECT 'workspace_type lower-cased: ' || pg_catalog.string_agg(pg_catalog.format('%s -> %s (%s)', t.type_raw, t.type, t.n), ', ' ORDER BY t.type_raw)
                  FROM (SELECT w2.type_raw, w2.type, pg_catalog.count(*) AS n FROM pg_temp.lr_mig_ws w2
                         WHERE w2.type_raw IS DISTINCT FROM w2.type AND w2.problem IS NULL AND NOT w2.present
                         GROUP BY 1, 2) t),
               (SELECT 'types other than partner and internal, never a routing destination: '
                       || pg_catalog.string_agg(pg_catalog.format('%s (%s)', t.type, t.n), ', ' ORDER BY t.type)
                  FROM (SELECT w2.type, pg_catalog.count(*) AS n FROM pg_temp.lr_mig_ws w2
                         WHERE w2.type <> ALL (ARRAY['partner', 'internal']) AND w2.problem IS NULL
                         GROUP BY 1) t),
               (SELECT 'columns not moved (they stay in the seed table): ' || pg_catalog.string_agg(c, ', ' ORDER BY c)
                  FROM (SELECT DISTINCT pg_catalog.unnest(w2.extra_columns) AS c FROM pg_temp.lr_mig_ws w2) cs),
               CASE WHEN pg_catalog.count(*) FILTER (WHERE w.present) > 0 THEN
                   pg_catalog.format('already in lead_router: %s%s', pg_catalog.count(*) FILTER (WHERE w.present),
                       CASE WHEN pg_catalog.count(*) FILTER (WHERE w.differs) > 0
                            THEN pg_catalog.format(' (%s with other values there: lead_router''s are kept)', pg_catalog.count(*) FILTER (WHERE w.differs)) ELSE '' END) END,
               (SELECT 'cannot map: ' || pg_catalog.string_agg(pg_catalog.format('%s %L: %s', w2.id, w2.name, w2.problem), '; ' ORDER BY w2.id)
                  FROM pg_temp.lr_mig_ws w2 WHERE w2.problem IS NOT NULL)),
           pg_catalog.count(*) FILTER (WHERE w.problem IS NOT NULL)
      FROM pg_temp.lr_mig_ws w;

    INSERT INTO pg_temp.lr_mig_report (ord, object, found, to_move, cannot_map, detail)
    SELECT 21, 'user_workspaces', pg_catalog.count(*),
           pg_catalog.count(*) FILTER (WHERE NOT u.present AND u.skipped IS NULL),
           pg_catalog.count(*) FILTER (WHERE u.skipped IS NOT NULL),
           concat_ws('; ',
               'the application users of lead_router.user_id (auth.uid() on Supabase)',
               (SELECT 'columns not moved: ' || pg_catalog.string_agg(c, ', ' ORDER BY c)
                  FROM (SELECT DISTINCT pg_catalog.unnest(u2.extra_columns) AS c FROM pg_temp.lr_mig_uw u2) cs),
               CASE WHEN pg_catalog.count(*) FILTER (WHERE u.present) > 0 THEN
                   pg_catalog.format('already in lead_router: %s', pg_catalog.count(*) FILTER (WHERE u.present)) END,
               (SELECT 'not moved: ' || pg_catalog.string_agg(pg_catalog.format('%s / %s: %s', u2.user_id, u2.workspace_id, u2.skipped), '; ')
                  FROM pg_temp.lr_mig_uw u2 WHERE u2.skipped IS NOT NULL))
      FROM pg_temp.lr_mig_uw u;

    -- leads
    INSERT INTO pg_temp.lr_mig_report (ord, object, found, to_move, cannot_map, detail, blocking)
    SELECT 30, 'leads', pg_catalog.count(*),
           pg_catalog.count(*) FILTER (WHERE NOT l.present AND l.problem IS NULL),
           pg_catalog.count(*) FILTER (WHERE l.problem IS NOT NULL),
           concat_ws('; ',
               'ids kept (foreign keys elsewhere can be re-pointed, see below)',
               (SELECT 'columns moved into attributes: ' || pg_catalog.string_agg(c, ', ' ORDER BY c)
                  FROM (SELECT DISTINCT pg_catalog.unnest(l2.extra_columns) AS c FROM pg_temp.lr_mig_leads l2) cs),
               'dedupe_hash recomputed by lead_router (the seed''s hashes are not kept)',
               CASE WHEN pg_catalog.count(*) FILTER (WHERE NOT l.present AND l.expires_at IS NULL) > 0 THEN
                   pg_catalog.format('lead_expires_at NULL for %s: created_at + 90 days',
                                     pg_catalog.count(*) FILTER (WHERE NOT l.present AND l.expires_at IS NULL)) END,
               CASE WHEN pg_catalog.count(*) FILTER (WHERE NOT l.present AND l.attempts IS NULL) > 0 THEN
                   pg_catalog.format('routing_attempts NULL for %s: 0',
                                     pg_catalog.count(*) FILTER (WHERE NOT l.present AND l.attempts IS NULL)) END,
               CASE WHEN pg_catalog.count(*) FILTER (WHERE l.present) > 0 THEN
                   pg_catalog.format('already in lead_router: %s (not changed)', pg_catalog.count(*) FILTER (WHERE l.present)) END),
           0
      FROM pg_temp.lr_mig_leads l;

    INSERT INTO pg_temp.lr_mig_report (ord, object, found, to_move, cannot_map, detail)
    SELECT 30 + s.n, 'leads: ' || s.label,
           pg_catalog.count(l.id),
           pg_catalog.count(l.id) FILTER (WHERE NOT l.present AND l.problem IS NULL),
           pg_catalog.count(l.id) FILTER (WHERE l.problem IS NOT NULL),
           CASE
           WHEN pg_catalog.count(l.id) FILTER (WHERE NOT l.present) = 0 AND pg_catalog.count(l.id) > 0 THEN
               pg_catalog.format('already in lead_router: %s', pg_catalog.count(l.id))
           ELSE CASE s.label
           WHEN 'pending' THEN concat_ws('; ', 'stay pending',
               pg_catalog.format('%s wait for an open retry (due time kept)', pg_catalog.count(l.id) FILTER (WHERE l.due_at IS NOT NULL AND NOT l.present)),
               CASE WHEN pg_catalog.count(l.id) FILTER (WHERE l.expires_at < pg_catalog.now() AND NOT l.present) > 0 THEN
                   pg_catalog.format('%s past lead_expires_at: they expire when next routed (or by mark_expired_leads)',
                                     pg_catalog.count(l.id) FILTER (WHERE l.expires_at < pg_catalog.now() AND NOT l.present)) END)
           WHEN 'routing' THEN concat_ws('; ', 'become pending, with an audit row ''released'' each: the lock holder''s complete_routing or fail_routing then returns false',
               pg_catalog.format('%s stale (locked over 5 minutes ago)', pg_catalog.count(l.id) FILTER (WHERE l.locked_at < pg_catalog.now() - interval '5 minutes' AND NOT l.present)),
               CASE WHEN pg_catalog.count(l.id) FILTER (WHERE coalesce(l.locked_at >= pg_catalog.now() - interval '5 minutes', true) AND NOT l.present) > 0 THEN
                   pg_catalog.format('%s locked in the last 5 minutes: stop the application''s routing (pause its workers) before the real run',
                                     pg_catalog.count(l.id) FILTER (WHERE coalesce(l.locked_at >= pg_catalog.now() - interval '5 minutes', true) AND NOT l.present)) END)
           WHEN 'routed' THEN concat_ws('; ', 'stay routed with their owner',
               pg_catalog.format('%s owned by partners, %s by other workspaces (kept there)',
                                 pg_catalog.count(l.id) FILTER (WHERE l.owner_type = 'partner' AND NOT l.present),
                                 pg_catalog.count(l.id) FILTER (WHERE l.owner_type IS DISTINCT FROM 'partner' AND NOT l.present)),
               pg_catalog.format('source workspace from the logs for %s', pg_catalog.count(l.id) FILTER (WHERE l.source_basis = 'logs' AND NOT l.present)),
               CASE WHEN pg_catalog.count(l.id) FILTER (WHERE l.source_basis = 'column' AND NOT l.present) > 0 THEN
                   pg_catalog.format('from its source_workspace_id column for %s', pg_catalog.count(l.id) FILTER (WHERE l.source_basis = 'column' AND NOT l.present)) END,
               CASE WHEN pg_catalog.count(l.id) FILTER (WHERE l.source_basis = 'unknown' AND NOT l.present) > 0 THEN
                   pg_catalog.format('unknown for %s (no audit row names it): recorded as the owner', pg_catalog.count(l.id) FILTER (WHERE l.source_basis = 'unknown' AND NOT l.present)) END,
               CASE WHEN pg_catalog.count(l.id) FILTER (WHERE l.seed_duplicate_path AND NOT l.present) > 0 THEN
                   pg_catalog.format('%s delivered by the seed''s duplicate path (no rule, to the partner that already had the person): kept there, not marked as duplicates',
                                     pg_catalog.count(l.id) FILTER (WHERE l.seed_duplicate_path AND NOT l.present)) END)
           WHEN 'failed' THEN 'stay failed, with their attempts (redrive them with route_lead and more attempts)'
           WHEN 'expired' THEN 'stay expired'
           WHEN 'routing_status NULL' THEN concat_ws('; ', 'the seed''s backfill rule',
               pg_catalog.format('%s become routed (a partner other than their source owns them)',
                                 pg_catalog.count(l.id) FILTER (WHERE l.status = 'routed' AND NOT l.present)),
               CASE WHEN pg_catalog.count(l.id) FILTER (WHERE l.status = 'routed' AND l.source_basis = 'unknown' AND NOT l.present) > 0 THEN
                   pg_catalog.format('%s of them with no audit row naming a source: recorded as the owner', pg_catalog.count(l.id) FILTER (WHERE l.status = 'routed' AND l.source_basis = 'unknown' AND NOT l.present)) END,
               pg_catalog.format('%s become pending', pg_catalog.count(l.id) FILTER (WHERE l.status = 'pending' AND NOT l.present)),
               CASE WHEN pg_catalog.count(l.id) FILTER (WHERE l.status = 'pending' AND NOT l.present
                                                         AND coalesce(l.expires_at, l.created_at + interval '90 days') < pg_catalog.now()) > 0 THEN
                   pg_catalog.format('%s of them past lead_expires_at (created_at + 90 days): they expire when next routed (or by mark_expired_leads)',
                                     pg_catalog.count(l.id) FILTER (WHERE l.status = 'pending' AND NOT l.present
                                                                     AND coalesce(l.expires_at, l.created_at + interval '90 days') < pg_catalog.now())) END)
           ELSE 'not a lead_router state'
           END END
      FROM (VALUES (1, 'pending'), (2, 'routing'), (3, 'routed'), (4, 'failed'), (5, 'expired'),
                   (6, 'routing_status NULL'), (7, 'other states')) AS s(n, label)
      LEFT JOIN pg_temp.lr_mig_leads l
        ON CASE WHEN s.label = 'routing_status NULL' THEN l.seed_status IS NULL
                WHEN s.label = 'other states' THEN l.seed_status <> ALL (ARRAY['pending', 'routing', 'routed', 'failed', 'expired'])
                ELSE l.seed_status = s.label END
     GROUP BY s.n, s.label
    HAVING s.label <> 'other states' OR pg_catalog.count(l.id) > 0;

    INSERT INTO pg_temp.lr_mig_report (ord, object, found, to_move, cannot_map, detail, blocking)
    SELECT 38, 'leads: cannot map', pg_catalog.count(*), 0, pg_catalog.count(*),
           (SELECT pg_catalog.string_agg(pg_catalog.format('%s: %s', p.id, p.problem), '; ' ORDER BY p.id)
              FROM (SELECT l2.id, l2.problem FROM pg_temp.lr_mig_leads l2 WHERE l2.problem IS NOT NULL
                     ORDER BY l2.id LIMIT 20) p)
           || CASE WHEN pg_catalog.count(*) > 20 THEN pg_catalog.format('; and %s more', pg_catalog.count(*) - 20) ELSE '' END,
           pg_catalog.count(*)
      FROM pg_temp.lr_mig_leads l WHERE l.problem IS NOT NULL
    HAVING pg_catalog.count(*) > 0;

    -- persons: what the new hashes say
    INSERT INTO pg_temp.lr_mig_report (ord, object, found, to_move, cannot_map, detail)
    SELECT 39, 'leads: persons', pg_catalog.count(DISTINCT l.lr_hash), NULL, NULL,
           concat_ws('; ',
               pg_catalog.format('distinct persons by the seed''s dedupe_hash: %s, by lead_router''s: %s',
                                 pg_catalog.count(DISTINCT l.seed_hash), pg_catalog.count(DISTINCT l.lr_hash)),
               (SELECT pg_catalog.format('%s owned by more than one partner (sold twice before the seed''s fix; kept as they are, the earliest routed is the original from now on): ', pg_catalog.count(*))
                       || pg_catalog.string_agg(t.leads, '; ')
                  FROM (SELECT pg_catalog.string_agg(pg_catalog.format('%s (%s)', l2.id, l2.owner), ', ' ORDER BY l2.routed_at, l2.id) AS leads
                          FROM pg_temp.lr_mig_leads l2
                         WHERE l2.status = 'routed' AND l2.owner_type = 'partner' AND l2.lr_hash IS NOT NULL
                         GROUP BY l2.lr_hash HAVING pg_catalog.count(DISTINCT l2.owner) > 1) t
                HAVING pg_catalog.count(*) > 0),
               (SELECT pg_catalog.format('%s pending leads are a person a partner already owns: route_lead routes them as duplicates (%s)',
                                         pg_catalog.count(*), pg_catalog.string_agg(p.id::text, ', ' ORDER BY p.id))
                  FROM pg_temp.lr_mig_leads p
                 WHERE p.status = 'pending' AND p.lr_hash IS NOT NULL
                   AND EXISTS (SELECT 1 FROM pg_temp.lr_mig_leads o
                                WHERE o.lr_hash = p.lr_hash AND o.status = 'routed'
                                  AND o.owner_type = 'partner' AND o.owner <> p.source)
                HAVING pg_catalog.count(*) > 0))
      FROM pg_temp.lr_mig_leads l;

    -- queue
    INSERT INTO pg_temp.lr_mig_report (ord, object, found, to_move, cannot_map, detail, blocking)
    SELECT 40, 'lead_routing_queue', pg_catalog.count(*),
           pg_catalog.count(*) FILTER (WHERE q.move AND q.problem IS NULL),
           pg_catalog.count(*) FILTER (WHERE q.problem IS NOT NULL OR q.skipped IS NOT NULL),
           concat_ws('; ',
               CASE WHEN pg_catalog.count(*) FILTER (WHERE q.move) > 0 THEN
                   pg_catalog.format('%s open retries stay open with their due times', pg_catalog.count(*) FILTER (WHERE q.keep_open)) END,
               CASE WHEN pg_catalog.count(*) FILTER (WHERE q.due_rebuilt) > 0 THEN
                   pg_catalog.format('%s due times rebuilt from the seed''s backoff (next_retry_at was NULL)', pg_catalog.count(*) FILTER (WHERE q.due_rebuilt)) END,
               CASE WHEN pg_catalog.count(*) FILTER (WHERE q.close_reason IS NOT NULL) > 0 THEN
                   pg_catalog.format('%s open rows closed: %s superseded by a later open row of the same lead, %s of leads no longer waiting',
                                     pg_catalog.count(*) FILTER (WHERE q.close_reason IS NOT NULL),
                                     pg_catalog.count(*) FILTER (WHERE q.close_reason = 'superseded'),
                                     pg_catalog.count(*) FILTER (WHERE q.close_reason LIKE 'lead %')) END,
               CASE WHEN pg_catalog.count(*) FILTER (WHERE q.move) > 0 THEN
                   pg_catalog.format('%s processed rows moved as history', pg_catalog.count(*) FILTER (WHERE q.move AND NOT q.was_open)) END,
               CASE WHEN pg_catalog.count(*) FILTER (WHERE q.max_defaulted) > 0 THEN
                   pg_catalog.format('max_attempts NULL for %s: 3', pg_catalog.count(*) FILTER (WHERE q.max_defaulted)) END,
               CASE WHEN pg_catalog.count(*) FILTER (WHERE NOT q.move AND q.skipped IS NULL) > 0 THEN
                   pg_catalog.format('already moved with their leads: %s', pg_catalog.count(*) FILTER (WHERE NOT q.move AND q.skipped IS NULL)) END,
               (SELECT 'cannot map: ' || pg_catalog.string_agg(pg_catalog.format('%s (lead %s): %s', q2.seed_id, q2.lead_id, coalesce(q2.problem, q2.skipped)), '; ' ORDER BY q2.seed_id)
                  FROM pg_temp.lr_mig_queue q2 WHERE q2.problem IS NOT NULL OR q2.skipped IS NOT NULL)),
           pg_catalog.count(*) FILTER (WHERE q.problem IS NOT NULL)
      FROM pg_temp.lr_mig_queue q;

    -- audit log
    INSERT INTO pg_temp.lr_mig_report (ord, object, found, to_move, cannot_map, detail)
    SELECT 50, 'lead_routing_logs', pg_catalog.count(*),
           pg_catalog.count(*) FILTER (WHERE g.move),
           pg_catalog.count(*) FILTER (WHERE g.skipped IS NOT NULL),
           concat_ws('; ',
               (SELECT 'results: ' || pg_catalog.string_agg(CASE WHEN t.result_raw = t.result THEN pg_catalog.format('%s %s', t.result, t.n)
                                                                ELSE pg_catalog.format('%s -> %s %s', t.result_raw, t.result, t.n) END,
                                                           ', ' ORDER BY t.result_raw, t.result)
                  FROM (SELECT g2.result_raw, g2.result, pg_catalog.count(*) AS n FROM pg_temp.lr_mig_logs g2
                         WHERE g2.move GROUP BY 1, 2) t),
               CASE WHEN pg_catalog.count(*) FILTER (WHERE g.move AND g.result = 'success' AND g.source = g.destination) > 0 THEN
                   pg_catalog.format('%s success rows named their destination as their source: the lead''s source is used',
                                     pg_catalog.count(*) FILTER (WHERE g.move AND g.result = 'success' AND g.source = g.destination)) END,
               (SELECT pg_catalog.format('not moved (they stay in %I.lead_routing_logs): ', source_schema)
                       || pg_catalog.string_agg(pg_catalog.format('%s %s (%s)', coalesce(t.result_raw, 'NULL'), t.n, t.skipped), ', ' ORDER BY t.result_raw)
                  FROM (SELECT g2.result_raw, g2.skipped, pg_catalog.count(*) AS n FROM pg_temp.lr_mig_logs g2
                         WHERE g2.skipped IS NOT NULL GROUP BY 1, 2) t),
               CASE WHEN (SELECT pg_catalog.count(*) FROM pg_temp.lr_mig_leads l WHERE l.seed_status = 'routing' AND NOT l.present AND l.problem IS NULL) > 0 THEN
                   pg_catalog.format('plus %s audit rows ''released'' for the leads in routing',
                                     (SELECT pg_catalog.count(*) FROM pg_temp.lr_mig_leads l WHERE l.seed_status = 'routing' AND NOT l.present AND l.problem IS NULL)) END,
               CASE WHEN pg_catalog.count(*) FILTER (WHERE NOT g.move AND g.skipped IS NULL) > 0 THEN
                   pg_catalog.format('already moved with their leads: %s', pg_catalog.count(*) FILTER (WHERE NOT g.move AND g.skipped IS NULL)) END)
      FROM pg_temp.lr_mig_logs g;

    -- rules
    IF has_rules THEN
        INSERT INTO pg_temp.lr_mig_report (ord, object, found, to_move, cannot_map, detail)
        SELECT 60, 'lead_routing_rules', pg_catalog.count(*),
               pg_catalog.count(*) FILTER (WHERE NOT r.present AND r.problem IS NULL),
               pg_catalog.count(*) FILTER (WHERE r.problem IS NOT NULL),
               concat_ws('; ',
                   'application configuration: the seed''s service evaluated these conditions in TypeScript; lead_router evaluates lead_router.routing_rules itself',
                   CASE WHEN pg_catalog.count(*) FILTER (WHERE NOT r.present AND r.problem IS NULL) > 0 THEN
                       pg_catalog.format('%s map to lead_router conditions (industry, size and location equalities, lists and ranges) and move',
                                         pg_catalog.count(*) FILTER (WHERE NOT r.present AND r.problem IS NULL)) END,
                   CASE WHEN pg_catalog.count(*) FILTER (WHERE r.problem IS NOT NULL) > 0 THEN
                       pg_catalog.format('%s need conditions or a destination you supply (rows below); until then no lead is routed by them',
                                         pg_catalog.count(*) FILTER (WHERE r.problem IS NOT NULL)) END,
                   CASE WHEN pg_catalog.count(*) FILTER (WHERE r.present) > 0 THEN
                       pg_catalog.format('already in lead_router: %s', pg_catalog.count(*) FILTER (WHERE r.present)) END)
          FROM pg_temp.lr_mig_rules r;
        INSERT INTO pg_temp.lr_mig_report (ord, object, found, to_move, cannot_map, detail)
        SELECT 61, pg_catalog.format('rule %s %s', r.id, pg_catalog.quote_literal(coalesce(r.name, ''))), 1,
               CASE WHEN NOT r.present AND r.problem IS NULL THEN 1 ELSE 0 END,
               CASE WHEN r.problem IS NOT NULL THEN 1 ELSE 0 END,
               CASE WHEN r.present THEN 'already in lead_router'
                    WHEN r.problem IS NULL THEN pg_catalog.format('maps to %s%s', r.mapped, CASE WHEN NOT r.is_active THEN ' (inactive)' ELSE '' END)
                    ELSE 'cannot map: ' || r.problem END
          FROM pg_temp.lr_mig_rules r;
    ELSE
        INSERT INTO pg_temp.lr_mig_report (ord, object, found, to_move, cannot_map, detail)
        VALUES (60, 'lead_routing_rules', 0, 0, 0,
                'no lead_routing_rules table: the seed''s rules were application configuration; write them as lead_router.routing_rules (README "Rules")');
    END IF;

    -- foreign keys of the user's other tables that point at the seed's leads
    INSERT INTO pg_temp.lr_mig_report (ord, object, found, to_move, cannot_map, detail)
    SELECT 70, pg_catalog.format('foreign key %I on %s', c.conname, c.conrelid::pg_catalog.regclass), 1, NULL, NULL,
           CASE WHEN c.confkey = ARRAY[k.attnum]::int2[] THEN
               pg_catalog.format('points at %I.leads; lead ids are kept, so once the application writes leads to lead_router re-point it: ALTER TABLE %s DROP CONSTRAINT %I, ADD CONSTRAINT %I %s;',
                   source_schema, c.conrelid::pg_catalog.regclass, c.conname, c.conname,
                   pg_catalog.replace(pg_catalog.pg_get_constraintdef(c.oid),
                                      ' REFERENCES ' || pg_catalog.quote_ident(source_schema) || '.leads(',
                                      ' REFERENCES lead_router.leads('))
           ELSE pg_catalog.format('points at %I.leads by another column than id: re-point it by hand', source_schema) END
      FROM pg_catalog.pg_constraint c
      JOIN pg_catalog.pg_class t ON t.relnamespace = src_oid AND t.relname = 'leads'
      JOIN pg_catalog.pg_attribute k ON k.attrelid = t.oid AND k.attname = 'id'
     WHERE c.contype = 'f' AND c.confrelid = t.oid
       AND c.conrelid <> ALL (ARRAY(SELECT q.oid FROM pg_catalog.pg_class q
                                     WHERE q.relnamespace = src_oid
                                       AND q.relname = ANY (ARRAY['lead_routing_queue', 'lead_routing_logs', 'leads'])));

    -- identity: auth.uid() and lead_router's application user
    INSERT INTO pg_temp.lr_mig_report (ord, object, found, to_move, cannot_map, detail)
    SELECT 80, 'identity (auth.uid())', pg_catalog.count(*), NULL, NULL,
           concat_ws('; ',
               pg_catalog.format('%s policies in %I use auth.uid()', pg_catalog.count(*), source_schema),
               'lead_router''s row-level security and routing functions act for lead_router.current_user_id(): with lead_router.identity_source = ''request.jwt.claims'' (ALTER DATABASE ... SET, superuser) that is the JWT''s sub, the value auth.uid() returns',
               pg_catalog.format('identity_source is %L here', pg_catalog.current_setting('lead_router.identity_source', true)))
      FROM pg_catalog.pg_policy p
      JOIN pg_catalog.pg_class t ON t.oid = p.polrelid AND t.relnamespace = src_oid
     WHERE pg_catalog.pg_get_expr(p.polqual, p.polrelid) LIKE '%auth.uid()%'
        OR pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) LIKE '%auth.uid()%';

    -- the seed's functions, whose names lead_router_seed_compat provides
    INSERT INTO pg_temp.lr_mig_report (ord, object, found, to_move, cannot_map, detail)
    SELECT 90, pg_catalog.format('function %s', p.oid::pg_catalog.regprocedure), 1, NULL, NULL,
           CASE WHEN d.objid IS NOT NULL THEN 'provided by lead_router_seed_compat'
                ELSE pg_catalog.format('the seed''s own: drop it (DROP FUNCTION %s;) before CREATE EXTENSION lead_router_seed_compat SCHEMA %I, or install the extension in a schema of its own placed first in the search path the API exposes',
                                       p.oid::pg_catalog.regprocedure, source_schema) END
      FROM pg_catalog.pg_proc p
      LEFT JOIN pg_catalog.pg_depend d
        ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'e'
     WHERE p.pronamespace = src_oid AND p.proname = ANY (seed_functions::name[]);

    SELECT coalesce(pg_catalog.sum(r.blocking), 0) INTO n_blocking FROM pg_temp.lr_mig_report r;
    INSERT INTO pg_temp.lr_mig_report (ord, object, found, to_move, cannot_map, detail)
    SELECT 10, pg_catalog.format('seed schema %I', source_schema),
           CASE WHEN has_rules THEN 6 ELSE 5 END, pg_catalog.sum(r.to_move) FILTER (WHERE r.ord IN (20, 21, 30, 40, 50, 60)),
           n_blocking,
           CASE
               WHEN n_blocking > 0 AND dry_run THEN
                   pg_catalog.format('dry run, nothing changed: %s rows are in states lead_router cannot represent (cannot_map below); a real run refuses until they are fixed in the seed schema', n_blocking)
               WHEN coalesce(pg_catalog.sum(r.to_move) FILTER (WHERE r.ord IN (20, 21, 30, 40, 50, 60)), 0) = 0 THEN
                   'nothing to move: every row that can be mapped is in lead_router already'
               WHEN dry_run THEN
                   pg_catalog.format('dry run, nothing changed: lead_router.migrate_from_seed_schema(%L, false) moves it in one transaction', source_schema)
               ELSE 'moved in this transaction (it commits or rolls back with it); the seed''s tables were read, not changed'
           END
      FROM pg_temp.lr_mig_report r;

    ------------------------------------------------------------------------------------
    -- A real run: refuse what cannot be represented, else move everything
    ------------------------------------------------------------------------------------
    IF NOT dry_run AND n_blocking > 0 THEN
        SELECT pg_catalog.string_agg(p.line, E'\n' ORDER BY p.ord, p.line) INTO problem_list
          FROM (SELECT 1 AS ord, pg_catalog.format('workspace %s: %s', w.id, w.problem) AS line
                  FROM pg_temp.lr_mig_ws w WHERE w.problem IS NOT NULL
                UNION ALL
                SELECT 2, pg_catalog.format('lead %s: %s', l.id, l.problem)
                  FROM pg_temp.lr_mig_leads l WHERE l.problem IS NOT NULL
                UNION ALL
                SELECT 3, pg_catalog.format('queue row %s (lead %s): %s', q.seed_id, q.lead_id, q.problem)
                  FROM pg_temp.lr_mig_queue q WHERE q.problem IS NOT NULL) p;
        RAISE EXCEPTION 'seed schema "%" cannot be migrated: % rows are in states lead_router cannot represent',
                        source_schema, n_blocking
            USING ERRCODE = '55000',
                  DETAIL = problem_list,
                  HINT = pg_catalog.format('Nothing was moved.  The dry run, SELECT * FROM lead_router.migrate_from_seed_schema(%L), lists them; fix them in the seed schema and run again.', source_schema);
    END IF;

    IF NOT dry_run THEN
        INSERT INTO lead_router.workspaces (id, name, workspace_type, is_active, created_at, updated_at)
        SELECT w.id, w.name, w.type, w.is_active, coalesce(w.created_at, pg_catalog.now()),
               coalesce(w.updated_at, w.created_at, pg_catalog.now())
          FROM pg_temp.lr_mig_ws w
         WHERE NOT w.present AND w.problem IS NULL
         ORDER BY w.created_at, w.id;

        INSERT INTO lead_router.user_workspaces (user_id, workspace_id, created_at)
        SELECT u.user_id, u.workspace_id, coalesce(u.created_at, pg_catalog.now())
          FROM pg_temp.lr_mig_uw u
         WHERE NOT u.present AND u.skipped IS NULL;

        -- The one column list of lead_router.leads.  routed_at: the latest success audit
        -- row, else the last attempt.
        INSERT INTO lead_router.leads
               (id, email, phone, company_name, company_domain, company_industry, company_size,
                company_location, country, attributes, source_workspace_id, workspace_id,
                routing_status, routing_locked_by, routing_locked_at, routing_attempts,
                routing_error, routing_last_attempted_at, routing_due_at, duplicate_of,
                lead_expires_at, created_at, updated_at, routed_at)
        SELECT l.id, l.email, l.phone, l.company_name, l.company_domain, l.company_industry,
               l.company_size::integer, l.company_location, l.country, l.attributes,
               l.source, l.owner,
               l.status::lead_router.lead_routing_status, NULL, NULL,
               coalesce(l.attempts, 0)::integer,
               CASE WHEN l.seed_status = 'routing' THEN 'routing lock released by migrate_from_seed_schema'
                    ELSE l.routing_error END,
               l.last_attempted_at,
               l.due_at,                      -- NULL: the trigger makes it created_at (due now)
               NULL,                          -- the seed has no duplicate_of (its duplicates were delivered)
               coalesce(l.expires_at, l.created_at + interval '90 days'),
               l.created_at, coalesce(l.updated_at, l.created_at),
               l.routed_at
          FROM pg_temp.lr_mig_leads l
         WHERE NOT l.present
         ORDER BY l.created_at, l.id;

        INSERT INTO lead_router.routing_queue
               (lead_id, workspace_id, attempt_number, max_attempts, next_retry_at, last_error,
                processed_at, created_at)
        SELECT q.lead_id, q.workspace_id, q.attempt::integer, q.max_attempts::integer, q.next_retry_at,
               q.last_error, q.processed_at, q.created_at
          FROM pg_temp.lr_mig_queue q
         WHERE q.move
         ORDER BY q.created_at, q.attempt, q.seed_id;

        INSERT INTO lead_router.routing_logs
               (lead_id, source_workspace_id, destination_workspace_id, matched_rule_id,
                routing_result, error_message, attempt, created_at)
        SELECT g.lead_id, g.lr_source, g.destination, g.rule_id, g.result,
               g.error_message, g.attempt,
               coalesce(g.created_at, pg_catalog.now())
          FROM pg_temp.lr_mig_logs g
         WHERE g.move
         ORDER BY g.created_at, g.seed_id;
        -- a lead in routing: its lock is released, as release_stale_routing_locks does
        INSERT INTO lead_router.routing_logs
               (lead_id, source_workspace_id, routing_result, error_message, attempt)
        SELECT l.id, l.source, 'released',
               'routing lock of ' || coalesce(l.locked_by::text, '(nobody)') || ' released by migrate_from_seed_schema',
               coalesce(l.attempts, 0)::integer
          FROM pg_temp.lr_mig_leads l
         WHERE NOT l.present AND l.seed_status = 'routing'
         ORDER BY l.created_at, l.id;

        IF has_rules THEN
            INSERT INTO lead_router.routing_rules
                   (id, workspace_id, name, priority, is_active, conditions, destination_workspace_id,
                    created_at, updated_at)
            SELECT r.id, r.workspace_id, r.name, r.priority::integer, r.is_active, r.mapped, r.destination,
                   coalesce(r.created_at, pg_catalog.now()), coalesce(r.updated_at, r.created_at, pg_catalog.now())
              FROM pg_temp.lr_mig_rules r
             WHERE NOT r.present AND r.problem IS NULL
             ORDER BY r.created_at, r.id;
        END IF;
    END IF;

    RETURN QUERY
        SELECT r.object, r.found, r.to_move, r.cannot_map, r.detail
          FROM pg_temp.lr_mig_report r
         ORDER BY r.ord, r.object;

    DROP TABLE pg_temp.lr_mig_report, pg_temp.lr_mig_rules, pg_temp.lr_mig_logs, pg_temp.lr_mig_seed_logs,
               pg_temp.lr_mig_queue,
               pg_temp.lr_mig_leads, pg_temp.lr_mig_uw, pg_temp.lr_mig_ws, pg_temp.lr_mig_raw;
END
$migrate$;

COMMENT ON FUNCTION @extschema@.migrate_from_seed_schema(name, boolean) IS
    'Moves a database of the original (seed) design into lead_router in the caller''s transaction; dry_run (the default) only reports what it would move and what it cannot map';
REVOKE ALL ON FUNCTION @extschema@.migrate_from_seed_schema(name, boolean) FROM PUBLIC;

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
        GRANT SELECT, INSERT, UPDATE, DELETE ON lead_router.routing_rule_destinations,
              lead_router.routing_pool_state, lead_router.partner_caps,
              lead_router.partner_cap_usage, lead_router.partner_hours TO lead_router_service;
        GRANT SELECT ON lead_router.partner_capacity TO lead_router_service;
        GRANT EXECUTE ON FUNCTION lead_router.explain_route(uuid),
                                  lead_router.partner_capacity_at(timestamptz),
                                  lead_router.partner_availability(timestamptz) TO lead_router_service;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles
                WHERE rolname OPERATOR(pg_catalog.=) 'lead_router_app') THEN
        GRANT EXECUTE ON FUNCTION lead_router.route_pending_leads(integer),
                                  lead_router.find_lead_duplicates(uuid),
                                  lead_router.explain_route(uuid),
                                  lead_router.partner_capacity_at(timestamptz),
                                  lead_router.partner_availability(timestamptz) TO lead_router_app;
        GRANT SELECT, INSERT, UPDATE, DELETE ON lead_router.routing_rule_destinations TO lead_router_app;
        GRANT SELECT ON lead_router.partner_caps, lead_router.partner_cap_usage,
                        lead_router.partner_hours, lead_router.partner_capacity TO lead_router_app;
    END IF;
END
$grants$;
