-- lead_router 0.1.0: schema, state machine and the dedupe and lock primitives.
--
-- Written to PostgreSQL's "Security Considerations for Extensions": every object is
-- created fresh (no CREATE OR REPLACE, no IF NOT EXISTS), every reference is qualified
-- with @extschema@ or pg_catalog, and the functions pin their own search_path.

\echo Use "CREATE EXTENSION lead_router" to load this file. \quit

------------------------------------------------------------------------------------------
-- Types
------------------------------------------------------------------------------------------

CREATE TYPE @extschema@.lead_routing_status AS ENUM
    ('pending', 'routing', 'routed', 'failed', 'expired');
COMMENT ON TYPE @extschema@.lead_routing_status IS
    'Routing state of a lead: pending -> routing -> routed | pending (retry) | failed; pending | failed -> expired';

------------------------------------------------------------------------------------------
-- Tables
------------------------------------------------------------------------------------------

CREATE TABLE @extschema@.workspaces (
    id             uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
    name           text NOT NULL,
    workspace_type text NOT NULL DEFAULT 'internal',
    is_active      boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT workspaces_name_length CHECK (pg_catalog.length(name) BETWEEN 1 AND 200),
    CONSTRAINT workspaces_type_format CHECK (workspace_type ~ '^[a-z][a-z0-9_]{0,31}$')
);
COMMENT ON TABLE @extschema@.workspaces IS
    'Workspaces leads arrive in and are routed to; workspace_type ''partner'' marks buyers of leads';

CREATE TABLE @extschema@.leads (
    id                        uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
    -- identity, hashed into dedupe_hash
    email                     text,
    phone                     text,
    company_name              text,
    company_domain            text,
    -- routing inputs
    company_industry          text,
    company_size              integer,
    company_location          text,
    country                   text,
    attributes                jsonb NOT NULL DEFAULT '{}',
    -- ownership
    source_workspace_id       uuid NOT NULL REFERENCES @extschema@.workspaces (id),
    workspace_id              uuid NOT NULL REFERENCES @extschema@.workspaces (id),
    -- routing state
    routing_status            @extschema@.lead_routing_status NOT NULL DEFAULT 'pending',
    routing_locked_by         uuid,
    routing_locked_at         timestamptz,
    routing_attempts          integer NOT NULL DEFAULT 0,
    routing_error             text,
    routing_last_attempted_at timestamptz,
    dedupe_hash               text,
    duplicate_of              uuid REFERENCES @extschema@.leads (id) ON DELETE SET NULL,
    lead_expires_at           timestamptz NOT NULL,
    created_at                timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at                timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT leads_email_length CHECK (pg_catalog.length(email) <= 320),
    CONSTRAINT leads_phone_length CHECK (pg_catalog.length(phone) <= 64),
    CONSTRAINT leads_company_name_length CHECK (pg_catalog.length(company_name) <= 500),
    CONSTRAINT leads_company_domain_length CHECK (pg_catalog.length(company_domain) <= 253),
    CONSTRAINT leads_company_size_non_negative CHECK (company_size >= 0),
    CONSTRAINT leads_attributes_object CHECK (pg_catalog.jsonb_typeof(attributes) = 'object'),
    CONSTRAINT leads_attempts_non_negative CHECK (routing_attempts >= 0),
    CONSTRAINT leads_dedupe_hash_format CHECK (dedupe_hash ~ '^[0-9a-f]{64}$'),
    -- a lead in routing has a lock owner and a lock time; a lead in any other state has neither
    CONSTRAINT leads_lock_iff_routing CHECK (
        (routing_status = 'routing') = (routing_locked_by IS NOT NULL)
        AND (routing_locked_by IS NULL) = (routing_locked_at IS NULL)),
    -- a duplicate is routed, stays in the workspace it arrived in, and is not its own original
    CONSTRAINT leads_duplicate_stays_home CHECK (
        duplicate_of IS NULL
        OR (routing_status = 'routed' AND workspace_id = source_workspace_id
            AND duplicate_of <> id))
);
COMMENT ON TABLE @extschema@.leads IS
    'Sales leads with their routing state; dedupe_hash, workspace_id (on insert), lead_expires_at (on insert) and updated_at are maintained by the leads_before_write trigger';

CREATE TABLE @extschema@.routing_rules (
    id                       uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
    workspace_id             uuid NOT NULL REFERENCES @extschema@.workspaces (id) ON DELETE CASCADE,
    name                     text NOT NULL,
    priority                 integer NOT NULL DEFAULT 0,
    is_active                boolean NOT NULL DEFAULT true,
    conditions               jsonb NOT NULL DEFAULT '{}',
    destination_workspace_id uuid NOT NULL REFERENCES @extschema@.workspaces (id),
    created_at               timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at               timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT routing_rules_name_length CHECK (pg_catalog.length(name) BETWEEN 1 AND 200),
    CONSTRAINT routing_rules_conditions_object CHECK (pg_catalog.jsonb_typeof(conditions) = 'object'),
    CONSTRAINT routing_rules_not_to_self CHECK (destination_workspace_id <> workspace_id)
);
COMMENT ON TABLE @extschema@.routing_rules IS
    'Rules that route leads of a source workspace (workspace_id) to a destination; higher priority first';

CREATE TABLE @extschema@.routing_queue (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id        uuid NOT NULL REFERENCES @extschema@.leads (id) ON DELETE CASCADE,
    workspace_id   uuid NOT NULL REFERENCES @extschema@.workspaces (id) ON DELETE CASCADE,
    attempt_number integer NOT NULL,
    max_attempts   integer NOT NULL DEFAULT 3,
    next_retry_at  timestamptz NOT NULL,
    last_error     text,
    processed_at   timestamptz,
    created_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT routing_queue_attempt_range CHECK (attempt_number BETWEEN 1 AND max_attempts),
    CONSTRAINT routing_queue_max_attempts_range CHECK (max_attempts BETWEEN 1 AND 100)
);
COMMENT ON TABLE @extschema@.routing_queue IS
    'Retry queue: at most one open (processed_at IS NULL) row per lead, due at next_retry_at';

-- No foreign keys here on purpose: the audit trail outlives the leads and workspaces it
-- describes (it holds no personal data), and rows are never updated.
CREATE TABLE @extschema@.routing_logs (
    id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id                  uuid NOT NULL,
    source_workspace_id      uuid NOT NULL,
    destination_workspace_id uuid,
    matched_rule_id          uuid,
    routing_result           text NOT NULL,
    error_message            text,
    attempt                  integer NOT NULL DEFAULT 0,
    created_at               timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT routing_logs_result_known CHECK (routing_result = ANY (ARRAY[
        'locked', 'success', 'duplicate', 'retry', 'failed', 'expired', 'no_match', 'released'])),
    CONSTRAINT routing_logs_attempt_non_negative CHECK (attempt >= 0)
);
COMMENT ON TABLE @extschema@.routing_logs IS
    'Append-only audit log: one row per routing state change; UPDATE/DELETE/TRUNCATE are refused';

CREATE TABLE @extschema@.user_workspaces (
    user_id      uuid NOT NULL,
    workspace_id uuid NOT NULL REFERENCES @extschema@.workspaces (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (user_id, workspace_id)
);
COMMENT ON TABLE @extschema@.user_workspaces IS
    'Which application user (lead_router.user_id) may see which workspace';

------------------------------------------------------------------------------------------
-- Indexes: one per access path of the functions; partial where only some states are read,
-- which also keeps routing updates from writing entries they do not need.
------------------------------------------------------------------------------------------

-- pending leads in arrival order (status access path)
CREATE INDEX leads_pending_idx ON @extschema@.leads (created_at, id)
    WHERE routing_status = 'pending';
-- stale lock release: locks by age (seed: idx_leads_active_routing)
CREATE INDEX leads_routing_lock_idx ON @extschema@.leads (routing_locked_at)
    WHERE routing_status = 'routing';
-- cross-partner duplicate check: owners of a hash (seed: idx_leads_dedupe_hash)
CREATE INDEX leads_dedupe_owner_idx ON @extschema@.leads (dedupe_hash) INCLUDE (workspace_id)
    WHERE routing_status = 'routed' AND duplicate_of IS NULL;
-- expiry (seed: idx_leads_expires_at)
CREATE INDEX leads_expiry_idx ON @extschema@.leads (lead_expires_at)
    WHERE routing_status IN ('pending', 'failed');
-- ownership lookups, foreign keys, and (later) row-level security
CREATE INDEX leads_source_workspace_idx ON @extschema@.leads (source_workspace_id);
CREATE INDEX leads_workspace_idx ON @extschema@.leads (workspace_id);
CREATE INDEX leads_duplicate_of_idx ON @extschema@.leads (duplicate_of)
    WHERE duplicate_of IS NOT NULL;

-- rule evaluation order per source workspace
CREATE INDEX routing_rules_evaluation_idx ON @extschema@.routing_rules (workspace_id, priority DESC, id)
    WHERE is_active;
CREATE INDEX routing_rules_destination_idx ON @extschema@.routing_rules (destination_workspace_id);

-- one open queue row per lead; due rows in time order (seed: idx_routing_queue_processing)
CREATE UNIQUE INDEX routing_queue_open_lead_idx ON @extschema@.routing_queue (lead_id)
    WHERE processed_at IS NULL;
CREATE INDEX routing_queue_due_idx ON @extschema@.routing_queue (next_retry_at, workspace_id, attempt_number)
    WHERE processed_at IS NULL;
CREATE INDEX routing_queue_lead_idx ON @extschema@.routing_queue (lead_id);
CREATE INDEX routing_queue_workspace_idx ON @extschema@.routing_queue (workspace_id);

-- audit log by lead, by workspace and time, and by time (seed: idx_routing_logs_lead,
-- idx_routing_logs_workspace, idx_routing_logs_analytics)
CREATE INDEX routing_logs_lead_idx ON @extschema@.routing_logs (lead_id, id);
CREATE INDEX routing_logs_workspace_idx ON @extschema@.routing_logs (source_workspace_id, created_at);
CREATE INDEX routing_logs_analytics_idx ON @extschema@.routing_logs (created_at, routing_result, source_workspace_id);

CREATE INDEX user_workspaces_workspace_idx ON @extschema@.user_workspaces (workspace_id);

------------------------------------------------------------------------------------------
-- Triggers
------------------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.leads_before_write() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lr_leads_before_write' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.leads_before_write() IS
    'Keeps dedupe_hash in step with email/phone/company_name, fills workspace_id and lead_expires_at on insert, sets updated_at, refuses transitions the state machine does not allow';
CREATE TRIGGER leads_before_write BEFORE INSERT OR UPDATE ON @extschema@.leads
    FOR EACH ROW EXECUTE FUNCTION @extschema@.leads_before_write();

CREATE FUNCTION @extschema@.set_updated_at() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lr_set_updated_at' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.set_updated_at() IS 'Sets updated_at to now() on UPDATE';
CREATE TRIGGER workspaces_set_updated_at BEFORE UPDATE ON @extschema@.workspaces
    FOR EACH ROW EXECUTE FUNCTION @extschema@.set_updated_at();
CREATE TRIGGER routing_rules_set_updated_at BEFORE UPDATE ON @extschema@.routing_rules
    FOR EACH ROW EXECUTE FUNCTION @extschema@.set_updated_at();

CREATE FUNCTION @extschema@.routing_logs_append_only() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lr_routing_logs_append_only' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.routing_logs_append_only() IS
    'Refuses UPDATE, DELETE and TRUNCATE on routing_logs';
CREATE TRIGGER routing_logs_append_only BEFORE UPDATE OR DELETE ON @extschema@.routing_logs
    FOR EACH ROW EXECUTE FUNCTION @extschema@.routing_logs_append_only();
CREATE TRIGGER routing_logs_no_truncate BEFORE TRUNCATE ON @extschema@.routing_logs
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.routing_logs_append_only();

REVOKE ALL ON FUNCTION @extschema@.leads_before_write() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.set_updated_at() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.routing_logs_append_only() FROM PUBLIC;

------------------------------------------------------------------------------------------
-- Functions (C++; see extension/functions/)
------------------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.generate_dedupe_hash(email text, phone text, company text)
    RETURNS text
    AS 'MODULE_PATHNAME', 'lr_generate_dedupe_hash'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.generate_dedupe_hash(text, text, text) IS
    'SHA-256 (hex) of the normalised identity; NULL when all three parts are empty';

CREATE FUNCTION @extschema@.acquire_routing_lock(lead_id uuid, lock_owner uuid)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'lr_acquire_routing_lock'
    LANGUAGE C VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.acquire_routing_lock(uuid, uuid) IS
    'pending | failed | stale routing -> routing owned by lock_owner; false, without waiting, when not lockable';

CREATE FUNCTION @extschema@.complete_routing(lead_id uuid, destination_workspace_id uuid,
                                             matched_rule_id uuid, lock_owner uuid)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'lr_complete_routing'
    LANGUAGE C VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.complete_routing(uuid, uuid, uuid, uuid) IS
    'routing -> routed in destination_workspace_id if lock_owner holds the lock; writes the audit row';

CREATE FUNCTION @extschema@.fail_routing(lead_id uuid, error_message text, lock_owner uuid,
                                         max_attempts integer DEFAULT 3)
    RETURNS text
    AS 'MODULE_PATHNAME', 'lr_fail_routing'
    LANGUAGE C VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.fail_routing(uuid, text, uuid, integer) IS
    'routing -> pending with a queue row (backoff 1 min, 5 min, 15 min, 1 h; +/-10 % jitter) or -> failed at max_attempts; returns queued or failed';

CREATE FUNCTION @extschema@.release_stale_routing_locks(older_than interval DEFAULT NULL)
    RETURNS integer
    AS 'MODULE_PATHNAME', 'lr_release_stale_routing_locks'
    LANGUAGE C VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.release_stale_routing_locks(interval) IS
    'routing locks older than older_than (default lead_router.lock_timeout, 5 min) -> pending; returns the count';

CREATE FUNCTION @extschema@.check_cross_partner_duplicate(dedupe_hash text, source_workspace_id uuid)
    RETURNS TABLE (id uuid, workspace_id uuid)
    AS 'MODULE_PATHNAME', 'lr_check_cross_partner_duplicate'
    LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 1
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.check_cross_partner_duplicate(text, uuid) IS
    'Routed leads with this dedupe hash owned by a partner workspace other than source_workspace_id';

CREATE FUNCTION @extschema@.mark_expired_leads()
    RETURNS integer
    AS 'MODULE_PATHNAME', 'lr_mark_expired_leads'
    LANGUAGE C VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.mark_expired_leads() IS
    'pending | failed leads past lead_expires_at -> expired; returns the count';

-- State-changing functions are for the roles the README names, not for everyone.
REVOKE ALL ON FUNCTION @extschema@.acquire_routing_lock(uuid, uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.complete_routing(uuid, uuid, uuid, uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.fail_routing(uuid, text, uuid, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.release_stale_routing_locks(interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.mark_expired_leads() FROM PUBLIC;
