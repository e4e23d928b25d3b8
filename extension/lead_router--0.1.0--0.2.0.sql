-- lead_router 0.1.0 -> 0.2.0: the rule engine and the one-call routing functions.
-- route_lead, route_pending_leads and explain_route; rules validated on write; compiled
-- rules cached per backend and invalidated when routing_rules or workspaces change.

\echo Use "ALTER EXTENSION lead_router UPDATE TO '0.2.0'" to load this file. \quit

------------------------------------------------------------------------------------------
-- When a pending lead is next due for routing: its arrival, or the retry time after a
-- failed attempt.  Kept on the lead row (and in step with its open queue row) so that a
-- batch that locks the row re-checks it on the row's latest version.
------------------------------------------------------------------------------------------

ALTER TABLE @extschema@.leads ADD COLUMN routing_due_at timestamptz;
UPDATE @extschema@.leads l
   SET routing_due_at = coalesce(
           (SELECT q.next_retry_at FROM @extschema@.routing_queue q
             WHERE q.lead_id OPERATOR(pg_catalog.=) l.id AND q.processed_at IS NULL),
           l.created_at);
ALTER TABLE @extschema@.leads ALTER COLUMN routing_due_at SET NOT NULL;
COMMENT ON COLUMN @extschema@.leads.routing_due_at IS
    'When a pending lead is next due for routing: created_at, or the retry time after a failed attempt (set by the leads trigger and the routing functions)';
DROP INDEX @extschema@.leads_pending_idx;
CREATE INDEX leads_due_idx ON @extschema@.leads (routing_due_at, id)
    WHERE routing_status = 'pending';

------------------------------------------------------------------------------------------
-- Rules: validated on write, cache invalidated on change
------------------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.routing_rules_validate() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lr_routing_rules_validate' LANGUAGE C
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.routing_rules_validate() IS
    'Rejects a rule whose conditions do not validate or whose destination is missing, inactive, not a partner, or its own workspace (SQLSTATE 22023)';
CREATE TRIGGER routing_rules_validate BEFORE INSERT OR UPDATE ON @extschema@.routing_rules
    FOR EACH ROW EXECUTE FUNCTION @extschema@.routing_rules_validate();

CREATE FUNCTION @extschema@.routing_rules_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lr_routing_rules_changed' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.routing_rules_changed() IS
    'Marks every session''s compiled rules stale when rules or workspaces change';
CREATE TRIGGER routing_rules_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.routing_rules
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.routing_rules_changed();
CREATE TRIGGER workspaces_changed
    AFTER UPDATE OR DELETE OR TRUNCATE ON @extschema@.workspaces
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.routing_rules_changed();

REVOKE ALL ON FUNCTION @extschema@.routing_rules_validate() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.routing_rules_changed() FROM PUBLIC;

------------------------------------------------------------------------------------------
-- Routing
------------------------------------------------------------------------------------------

CREATE TYPE @extschema@.route_result AS (
    success                  boolean,
    status                   text,
    destination_workspace_id uuid,
    matched_rule_id          uuid,
    is_duplicate             boolean,
    duplicate_lead_id        uuid,
    error                    text,
    attempt                  integer
);
COMMENT ON TYPE @extschema@.route_result IS
    'Outcome of route_lead: status is routed, duplicate, queued, failed, locked or expired; success is true for routed and duplicate';

CREATE FUNCTION @extschema@.route_lead(lead_id uuid, source_workspace_id uuid DEFAULT NULL,
                                       max_attempts integer DEFAULT 3)
    RETURNS @extschema@.route_result
    AS 'MODULE_PATHNAME', 'lr_route_lead'
    LANGUAGE C VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.route_lead(uuid, uuid, integer) IS
    'Routes one lead in the caller''s transaction: lock (never waits), duplicate check, first matching rule, then routed, duplicate, queued or failed; idempotent on a routed lead';

CREATE FUNCTION @extschema@.route_pending_leads(batch_size integer DEFAULT 100)
    RETURNS TABLE (lead_id uuid, success boolean, status text, destination_workspace_id uuid,
                   matched_rule_id uuid, is_duplicate boolean, duplicate_lead_id uuid,
                   error text, attempt integer)
    AS 'MODULE_PATHNAME', 'lr_route_pending_leads'
    LANGUAGE C VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.route_pending_leads(integer) IS
    'Routes up to batch_size due pending leads, oldest first, skipping leads other sessions hold; one row per lead';

CREATE FUNCTION @extschema@.explain_route(lead_id uuid)
    RETURNS TABLE (rule_id uuid, rule_name text, priority integer, destination_workspace_id uuid,
                   matched boolean, failed_condition text, expected text, lead_value text)
    AS 'MODULE_PATHNAME', 'lr_explain_route'
    LANGUAGE C STABLE PARALLEL RESTRICTED
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.explain_route(uuid) IS
    'Dry run: every active rule of the lead''s source workspace in evaluation order, whether it matches, and the first failing condition with the lead''s value';

REVOKE ALL ON FUNCTION @extschema@.route_lead(uuid, uuid, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.route_pending_leads(integer) FROM PUBLIC;
