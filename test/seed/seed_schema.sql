-- The seed schema: the database of the original design (a Supabase project running
-- supabase/migrations/20260131000001_lead_routing_fixes.sql), reconstructed from the seed
-- documents (/work/shared/seeds/001_*, 003_*, 000_*) as a test fixture for
-- lead_router.migrate_from_seed_schema() and the lead_router_seed_compat extension.
--
-- Where it goes.  Every object is created unqualified, so it lands in the first schema of
-- the search_path, exactly as a Supabase migration lands in public:
--
--     psql -f test/seed/seed_schema.sql -f test/seed/seed_data.sql          -- into public
--     CREATE SCHEMA seed; SET search_path = seed;                            -- or a schema
--     \i test/seed/seed_schema.sql                                            -- of its own
--     \i test/seed/seed_data.sql
--
-- (plain SQL, no psql variables, so that the libpq test can send it as it is).  Only the
-- `auth` stub has a fixed schema, as on Supabase.  The functions capture the schema they were
-- created in (SET search_path FROM CURRENT), so several copies can live in one database.
--
-- What the documents fix (kept verbatim where they give SQL):
--   * the enum lead_routing_status ('pending', 'routing', 'routed', 'failed', 'expired');
--   * the routing columns of leads: routing_status, routing_locked_by, routing_locked_at,
--     routing_attempts, dedupe_hash, lead_expires_at (001), and routing_error,
--     routing_last_attempted_at (dropped by the rollback script in 003);
--   * lead_routing_queue and lead_routing_logs with the columns and types of 001;
--   * the seven functions with the signatures of the rollback script (003) and the bodies of
--     001's "Atomic Operations Flow" and 000's queries;
--   * the seven indexes of the migration (000 "Current Indexes") and the RLS policies on the
--     queue (001 "Database Isolation Pattern");
--   * lead_routing_rules read by the service (000 "Caching Strategy": workspace_id, is_active,
--     priority; 001: id, destination_workspace_id).
--
-- Assumptions (A1 ... A20), each marked where it applies:
--   A1  workspaces, user_workspaces and leads existed before the routing migration, with the
--       columns a Supabase lead platform has; only the columns the documents use are
--       certain (workspaces.id, workspace_type = 'partner'; leads.id, workspace_id,
--       company_industry, company_location, dedupe_hash; user_workspaces.user_id,
--       workspace_id).
--   A2  workspaces.workspace_type is free text written by an admin UI, so its case varies
--       ('Partner', 'INTERNAL'); other types than partner and internal exist ('Agency').
--   A3  user_workspaces.user_id is auth.users(id); the stub has no auth.users, so there is no
--       foreign key.  A membership has a role column.
--   A4  leads keeps its identity in email, phone and company_name (what
--       generate_dedupe_hash(p_email, p_phone, p_company) hashes), the routing inputs the
--       service evaluates in company_industry, company_size (an employee count, integer) and
--       company_location; there is no country column.  Other columns (first_name, last_name,
--       job_title, linkedin_url, lead_score, source, notes, metadata, created_by) are what
--       the importers of 001 phase 4 write.
--   A5  leads has no source workspace column: complete_routing() overwrites workspace_id
--       with the destination, so a routed lead's source survives only in
--       lead_routing_logs.source_workspace_id.
--   A6  the routing columns were added nullable (ALTER TABLE ... ADD COLUMN with a DEFAULT
--       but no NOT NULL, as 001 lists them); rows written by the pre-migration importers that
--       set every column explicitly carry NULL routing_status and routing_attempts.  The
--       seed's backfill (SPEC "the seed's own backfill rule") was: routed when the owner is
--       a partner workspace other than the source, else pending; it is shown below as a
--       comment and was not run for the NULL rows of the fixture.
--   A7  dedupe_hash is varchar(64), maintained by a BEFORE INSERT OR UPDATE trigger that calls
--       generate_dedupe_hash(email, phone, company_name).
--   A8  generate_dedupe_hash: SHA-256 (hex) of lower(trim(email)) || '|' || the digits of the
--       phone || '|' || lower(trim(company)); NULL when all three are empty.  (The documents
--       say only "SHA256 hash generation".)
--   A9  lead_expires_at defaults to now() + 90 days (the 90-day TTL of 001).
--   A10 lead_routing_queue and lead_routing_logs are exactly as 001 shows them, nullable
--       columns included, plus DEFAULTs for id (gen_random_uuid()) and, on the queue, a
--       created_at column (a Supabase habit; 001's listing is abridged).  Their foreign keys
--       have no ON DELETE action (001 shows none).
--   A11 the retry backoff of the queue is per attempt_number of the queued row: attempt 1
--       immediate, 2 +1 min, 3 +5 min, 4 +15 min, 5 and later +1 h (001 "Retry Queue
--       Exponential Backoff"); fail_routing queues attempt routing_attempts + 1.  A hotfix
--       release of the service inserted queue rows itself without next_retry_at (hence
--       nullable, and "the backoff was lost" for those rows).
--   A12 acquire_routing_lock takes pending or failed leads whose lock is absent or older
--       than 5 minutes (000's optimised query); UPDATE ... FOR UPDATE SKIP LOCKED as written
--       in the documents is not valid SQL, so the row is picked by a sub-select with FOR
--       UPDATE SKIP LOCKED.  It counts the attempt and sets routing_last_attempted_at.
--   A13 complete_routing is 001's synchronous version (000's pg_notify variant was a
--       proposal).  It reads the source before the update.  An earlier release used 000's
--       "UPDATE ... RETURNING workspace_id INTO v_source_workspace_id", which returns the
--       NEW workspace_id, so some success rows name the destination as their source.
--   A14 The service's duplicate path ("Mark as routed but flag as duplicate") calls
--       complete_routing with the workspace that owns the duplicate (duplicate[0].workspace_id)
--       as destination and no rule: the duplicate is delivered to the partner that already
--       has the person, and its log row is an ordinary 'success' with matched_rule_id NULL.
--   A15 lead_routing_logs.routing_result values: 'success' (complete_routing),
--       'retry_scheduled' and 'failed' (fail_routing), 'lock_released'
--       (release_stale_routing_locks), 'expired' (mark_expired_leads); written by the
--       TypeScript service: 'lock_failed' (acquire_routing_lock returned false); by people:
--       'manual_override' (support moving a lead by hand); rows from before the migration:
--       'routed'.  fail_routing's error_message is the service's reason ('No matching rule').
--   A16 lead_routing_rules: id, workspace_id (the source it applies to), rule_name, priority
--       (higher first), is_active, conditions jsonb, destination_workspace_id, timestamps.
--       conditions is the service's own format, evaluated in TypeScript (all keys must hold,
--       {} matches everything, text compared case-insensitively):
--         industry: "X" | industries: [..]     company_industry equals / is one of
--         company_size: n | {"min": a, "max": b}   employee count equals / in the range
--         company_sizes: ["11-50", "1000+"]    employee count in one of the buckets
--         location: "X" | locations: [..]      company_location equals / is one of
--         job_titles: [..]                     job_title matches one of these regular expressions
--         lead_score_min: n                    lead_score >= n
--         exclude_domains: [..]                company_domain is none of these
--         custom: "<js expression>"            evaluated with new Function() (!)
--   A17 RLS: on the queue as 001 shows it; on the logs the same pattern on
--       source_workspace_id or destination_workspace_id; on leads (from before the routing
--       migration) workspace_id in the user's workspaces.  auth.role() = 'service_role' is the
--       admin bypass, as in 001.
--   A18 auth.uid() and auth.role() read request.jwt.claims (and the older per-claim setting
--       request.jwt.claim.sub), as Supabase's own definitions do.
--   A19 The application has other tables with foreign keys to leads: lead_notes here.
--   A20 The additional indexes of 000 ("Additional Recommended Indexes") were applied too
--       (scripts/add_performance_indexes.sql): a team that followed the performance guide.

------------------------------------------------------------------------------------------
-- The auth stub (A18): what Supabase's auth schema provides to SQL.
------------------------------------------------------------------------------------------

CREATE SCHEMA IF NOT EXISTS auth;

CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog
AS $$
    SELECT coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb
$$;

CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
    LANGUAGE sql STABLE
    SET search_path = pg_catalog
AS $$
    SELECT coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                    auth.jwt() ->> 'sub')::uuid
$$;

CREATE OR REPLACE FUNCTION auth.role() RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog
AS $$
    SELECT coalesce(nullif(current_setting('request.jwt.claim.role', true), ''),
                    auth.jwt() ->> 'role')
$$;

------------------------------------------------------------------------------------------
-- Tables from before the routing migration (A1 - A4)
------------------------------------------------------------------------------------------

CREATE TABLE workspaces (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name           text NOT NULL,
    slug           text UNIQUE,
    workspace_type text NOT NULL DEFAULT 'internal',   -- A2: free text, case varies
    is_active      boolean NOT NULL DEFAULT true,
    settings       jsonb NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_workspaces (
    user_id      uuid NOT NULL,                          -- A3: auth.users(id)
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    role         text NOT NULL DEFAULT 'member',
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, workspace_id)
);

CREATE TABLE leads (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id     uuid NOT NULL REFERENCES workspaces (id),   -- the current owner (A5)
    first_name       text,
    last_name        text,
    email            text,
    phone            text,
    job_title        text,
    company_name     text,
    company_domain   text,
    company_industry text,
    company_size     integer,                                    -- A4: employee count
    company_location text,
    linkedin_url     text,
    lead_score       integer,
    source           text,             -- 'bulk_upload', 'datashopper', 'audience_labs', 'web_form'
    notes            text,
    metadata         jsonb DEFAULT '{}',
    created_by       uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE lead_routing_rules (                              -- A16
    id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id             uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    rule_name                text NOT NULL,
    priority                 integer NOT NULL DEFAULT 0,
    is_active                boolean NOT NULL DEFAULT true,
    conditions               jsonb NOT NULL DEFAULT '{}',
    destination_workspace_id uuid NOT NULL REFERENCES workspaces (id),
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now()
);

-- A19: one of the application's own tables that point at leads
CREATE TABLE lead_notes (
    id         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    lead_id    uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    author_id  uuid,
    body       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

------------------------------------------------------------------------------------------
-- 20260131000001_lead_routing_fixes.sql (001 "Phase 1")
------------------------------------------------------------------------------------------

-- 1. State machine enum (001, verbatim)
CREATE TYPE lead_routing_status AS ENUM (
  'pending', 'routing', 'routed', 'failed', 'expired'
);

-- 2. New columns on leads (001; routing_error and routing_last_attempted_at from the rollback
--    script of 003).  A6: nullable, with defaults; A9: the 90-day TTL.
ALTER TABLE leads
  ADD COLUMN routing_status lead_routing_status DEFAULT 'pending',
  ADD COLUMN routing_locked_by UUID,
  ADD COLUMN routing_locked_at TIMESTAMPTZ,
  ADD COLUMN routing_attempts INTEGER DEFAULT 0,
  ADD COLUMN routing_error TEXT,
  ADD COLUMN routing_last_attempted_at TIMESTAMPTZ,
  ADD COLUMN dedupe_hash VARCHAR(64),                          -- A7
  ADD COLUMN lead_expires_at TIMESTAMPTZ DEFAULT (NOW() + INTERVAL '90 days');

-- The seed's backfill of existing rows (A6), not run by this fixture:
--   UPDATE leads l SET routing_status = CASE WHEN w.workspace_type ILIKE 'partner'
--                                            THEN 'routed' ELSE 'pending' END
--     FROM workspaces w WHERE w.id = l.workspace_id AND l.routing_status IS NULL;

-- 3. Retry queue table (001, verbatim, plus the DEFAULTs and created_at of A10)
CREATE TABLE lead_routing_queue (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  lead_id UUID REFERENCES leads(id),
  workspace_id UUID REFERENCES workspaces(id),
  attempt_number INTEGER,
  max_attempts INTEGER DEFAULT 3,
  next_retry_at TIMESTAMPTZ,
  last_error TEXT,
  processed_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ DEFAULT NOW()
);

-- 4. Audit log table (001, verbatim, plus the DEFAULT of A10)
CREATE TABLE lead_routing_logs (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  lead_id UUID REFERENCES leads(id),
  source_workspace_id UUID,
  destination_workspace_id UUID,
  matched_rule_id UUID,
  routing_result TEXT,
  error_message TEXT,
  created_at TIMESTAMPTZ DEFAULT NOW()
);

------------------------------------------------------------------------------------------
-- 5. Atomic PostgreSQL functions (signatures of the rollback script in 003).  They name
--    their tables unqualified, as the seed did; SET search_path FROM CURRENT (below) binds
--    them to the schema this file was loaded into.
------------------------------------------------------------------------------------------

-- A8
CREATE FUNCTION generate_dedupe_hash(p_email TEXT, p_phone TEXT, p_company TEXT)
RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN coalesce(btrim(p_email), '') = '' AND coalesce(btrim(p_phone), '') = ''
             AND coalesce(btrim(p_company), '') = '' THEN NULL
        ELSE encode(sha256(convert_to(
                 lower(btrim(coalesce(p_email, ''))) || '|' ||
                 regexp_replace(coalesce(p_phone, ''), '[^0-9]', '', 'g') || '|' ||
                 lower(btrim(coalesce(p_company, ''))), 'UTF8')), 'hex')
    END
$$;

-- A12
CREATE FUNCTION acquire_routing_lock(p_lead_id UUID, p_lock_owner UUID)
RETURNS BOOLEAN LANGUAGE plpgsql AS $$
DECLARE
  v_id UUID;
BEGIN
  SELECT id INTO v_id FROM leads
   WHERE id = p_lead_id
     AND routing_status IN ('pending', 'failed')
     AND COALESCE(routing_locked_at, TIMESTAMPTZ '1970-01-01') < NOW() - INTERVAL '5 minutes'
     FOR UPDATE SKIP LOCKED;
  IF v_id IS NULL THEN
    RETURN false;
  END IF;
  UPDATE leads
     SET routing_status = 'routing',
         routing_locked_by = p_lock_owner,
         routing_locked_at = NOW(),
         routing_attempts = COALESCE(routing_attempts, 0) + 1,
         routing_last_attempted_at = NOW()
   WHERE id = v_id;
  RETURN true;
END;
$$;

-- A13
CREATE FUNCTION complete_routing(
  p_lead_id UUID,
  p_destination_workspace_id UUID,
  p_matched_rule_id UUID,
  p_lock_owner UUID
) RETURNS BOOLEAN LANGUAGE plpgsql AS $$
DECLARE
  v_source_workspace_id UUID;
BEGIN
  SELECT workspace_id INTO v_source_workspace_id FROM leads
   WHERE id = p_lead_id AND routing_locked_by = p_lock_owner AND routing_status = 'routing'
     FOR UPDATE;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  UPDATE leads
  SET
    routing_status = 'routed',
    workspace_id = p_destination_workspace_id,
    routing_locked_by = NULL,
    routing_locked_at = NULL,
    routing_error = NULL,
    updated_at = NOW()
  WHERE id = p_lead_id;
  INSERT INTO lead_routing_logs (lead_id, source_workspace_id, destination_workspace_id,
                                 matched_rule_id, routing_result)
  VALUES (p_lead_id, v_source_workspace_id, p_destination_workspace_id, p_matched_rule_id,
          'success');
  RETURN true;
END;
$$;

-- A11, A15
CREATE FUNCTION fail_routing(p_lead_id UUID, p_error_message TEXT, p_lock_owner UUID,
                             p_max_attempts INTEGER DEFAULT 3)
RETURNS TEXT LANGUAGE plpgsql AS $$
DECLARE
  v_attempts INTEGER;
  v_workspace UUID;
BEGIN
  SELECT COALESCE(routing_attempts, 0), workspace_id INTO v_attempts, v_workspace FROM leads
   WHERE id = p_lead_id AND routing_locked_by = p_lock_owner AND routing_status = 'routing'
     FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF v_attempts < p_max_attempts THEN
    UPDATE leads SET routing_status = 'pending', routing_error = p_error_message,
                     routing_locked_by = NULL, routing_locked_at = NULL, updated_at = NOW()
     WHERE id = p_lead_id;
    INSERT INTO lead_routing_queue (lead_id, workspace_id, attempt_number, max_attempts,
                                    next_retry_at, last_error)
    VALUES (p_lead_id, v_workspace, v_attempts + 1, p_max_attempts,
            NOW() + CASE v_attempts + 1 WHEN 1 THEN INTERVAL '0' WHEN 2 THEN INTERVAL '1 minute'
                                        WHEN 3 THEN INTERVAL '5 minutes'
                                        WHEN 4 THEN INTERVAL '15 minutes'
                                        ELSE INTERVAL '1 hour' END,
            p_error_message);
    INSERT INTO lead_routing_logs (lead_id, source_workspace_id, routing_result, error_message)
    VALUES (p_lead_id, v_workspace, 'retry_scheduled', p_error_message);
    RETURN 'queued';
  END IF;
  UPDATE leads SET routing_status = 'failed', routing_error = p_error_message,
                   routing_locked_by = NULL, routing_locked_at = NULL, updated_at = NOW()
   WHERE id = p_lead_id;
  INSERT INTO lead_routing_logs (lead_id, source_workspace_id, routing_result, error_message)
  VALUES (p_lead_id, v_workspace, 'failed', p_error_message);
  RETURN 'failed';
END;
$$;

CREATE FUNCTION release_stale_routing_locks()
RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
  v_count INTEGER;
BEGIN
  WITH released AS (
    UPDATE leads SET routing_status = 'pending', routing_locked_by = NULL,
                     routing_locked_at = NULL, updated_at = NOW()
     WHERE routing_status = 'routing' AND routing_locked_at < NOW() - INTERVAL '5 minutes'
    RETURNING id, workspace_id
  ), logged AS (
    INSERT INTO lead_routing_logs (lead_id, source_workspace_id, routing_result, error_message)
    SELECT id, workspace_id, 'lock_released', 'Stale lock released' FROM released
  )
  SELECT count(*) INTO v_count FROM released;
  RETURN v_count;
END;
$$;

-- 000 "Optimize Cross-Partner Duplicate Check", the version with the workspace type filter
CREATE FUNCTION check_cross_partner_duplicate(p_dedupe_hash VARCHAR, p_source_workspace_id UUID)
RETURNS TABLE (id UUID, workspace_id UUID) LANGUAGE sql STABLE AS $$
    SELECT l.id, l.workspace_id
      FROM leads l
     INNER JOIN workspaces w ON l.workspace_id = w.id
     WHERE l.dedupe_hash = p_dedupe_hash
       AND l.workspace_id != p_source_workspace_id
       AND l.routing_status = 'routed'
       AND lower(w.workspace_type) = 'partner'
     LIMIT 1
$$;

CREATE FUNCTION mark_expired_leads()
RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
  v_count INTEGER;
BEGIN
  WITH expired AS (
    UPDATE leads SET routing_status = 'expired', updated_at = NOW()
     WHERE routing_status IN ('pending', 'failed') AND lead_expires_at < NOW()
    RETURNING id, workspace_id
  ), logged AS (
    INSERT INTO lead_routing_logs (lead_id, source_workspace_id, routing_result)
    SELECT id, workspace_id, 'expired' FROM expired
  )
  SELECT count(*) INTO v_count FROM expired;
  RETURN v_count;
END;
$$;

ALTER FUNCTION generate_dedupe_hash(TEXT, TEXT, TEXT) SET search_path FROM CURRENT;
ALTER FUNCTION acquire_routing_lock(UUID, UUID) SET search_path FROM CURRENT;
ALTER FUNCTION complete_routing(UUID, UUID, UUID, UUID) SET search_path FROM CURRENT;
ALTER FUNCTION fail_routing(UUID, TEXT, UUID, INTEGER) SET search_path FROM CURRENT;
ALTER FUNCTION release_stale_routing_locks() SET search_path FROM CURRENT;
ALTER FUNCTION check_cross_partner_duplicate(VARCHAR, UUID) SET search_path FROM CURRENT;
ALTER FUNCTION mark_expired_leads() SET search_path FROM CURRENT;

-- A7: the hash follows the identity
CREATE FUNCTION leads_set_dedupe_hash() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.dedupe_hash := generate_dedupe_hash(NEW.email, NEW.phone, NEW.company_name);
  RETURN NEW;
END;
$$;
ALTER FUNCTION leads_set_dedupe_hash() SET search_path FROM CURRENT;
CREATE TRIGGER leads_set_dedupe_hash BEFORE INSERT OR UPDATE OF email, phone, company_name
    ON leads FOR EACH ROW EXECUTE FUNCTION leads_set_dedupe_hash();

------------------------------------------------------------------------------------------
-- 6. RLS policies (001 "Database Isolation Pattern", verbatim for the queue; A17)
------------------------------------------------------------------------------------------

ALTER TABLE lead_routing_queue ENABLE ROW LEVEL SECURITY;
ALTER TABLE lead_routing_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE leads ENABLE ROW LEVEL SECURITY;

CREATE POLICY "workspace_isolation_queue_select" ON lead_routing_queue
  FOR SELECT USING (
    workspace_id IN (
      SELECT workspace_id FROM user_workspaces
      WHERE user_id = auth.uid()
    )
  );

CREATE POLICY "admin_bypass_queue" ON lead_routing_queue
  FOR ALL USING (
    auth.role() = 'service_role'
  );

CREATE POLICY "workspace_isolation_logs_select" ON lead_routing_logs
  FOR SELECT USING (
    source_workspace_id IN (SELECT workspace_id FROM user_workspaces WHERE user_id = auth.uid())
    OR destination_workspace_id IN (SELECT workspace_id FROM user_workspaces WHERE user_id = auth.uid())
  );

CREATE POLICY "admin_bypass_logs" ON lead_routing_logs
  FOR ALL USING (
    auth.role() = 'service_role'
  );

CREATE POLICY "workspace_isolation_leads" ON leads
  FOR ALL USING (
    workspace_id IN (SELECT workspace_id FROM user_workspaces WHERE user_id = auth.uid())
  );

CREATE POLICY "admin_bypass_leads" ON leads
  FOR ALL USING (
    auth.role() = 'service_role'
  );

------------------------------------------------------------------------------------------
-- 7. Performance indexes (000 "Current Indexes", verbatim) and the additional ones (A20)
------------------------------------------------------------------------------------------

CREATE INDEX idx_leads_routing_status ON leads(routing_status);
CREATE INDEX idx_leads_routing_locked ON leads(routing_locked_by, routing_locked_at);
CREATE INDEX idx_leads_dedupe_hash ON leads(dedupe_hash);
CREATE INDEX idx_leads_expires_at ON leads(lead_expires_at);
CREATE INDEX idx_routing_queue_retry ON lead_routing_queue(next_retry_at, processed_at);
CREATE INDEX idx_routing_logs_lead ON lead_routing_logs(lead_id);
CREATE INDEX idx_routing_logs_workspace ON lead_routing_logs(source_workspace_id);

CREATE INDEX idx_leads_lock_acquisition ON leads(
  routing_status,
  routing_locked_by,
  routing_locked_at
) WHERE routing_status IN ('pending', 'failed');
CREATE INDEX idx_leads_active_routing ON leads(id, routing_locked_at)
WHERE routing_status = 'routing';
CREATE INDEX idx_routing_queue_processing ON lead_routing_queue(
  next_retry_at,
  workspace_id,
  attempt_number
) WHERE processed_at IS NULL;
CREATE INDEX idx_routing_logs_analytics ON lead_routing_logs(
  created_at DESC,
  routing_result,
  source_workspace_id
);
CREATE INDEX idx_leads_routing_fetch ON leads(
  id,
  workspace_id,
  company_industry,
  company_location,
  dedupe_hash
) WHERE routing_status IN ('pending', 'routing');
