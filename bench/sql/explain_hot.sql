-- EXPLAIN (ANALYZE, BUFFERS) of the extension's hot statements, for bench/README.md.
--
-- The SQL texts are copied from extension/pg/route_flow.cpp, lead_transitions.cpp,
-- rule_cache.cpp, retry_queue.cpp and functions/dedupe_functions.cpp (keep them in step).  The
-- extension runs them as SPI plans kept with SPI_keepplan, which PostgreSQL's plan cache turns
-- into generic plans after a few executions; so each statement is PREPAREd with its $n
-- parameters and explained as EXECUTE with concrete values, by default under
-- plan_cache_mode = force_generic_plan (what a long-lived backend runs).  Statements that
-- write are explained inside a subtransaction that is rolled back: nothing changes.
--
--   SELECT * FROM bench.explain_hot();          -- generic plans
--   SELECT * FROM bench.explain_hot(false);     -- custom plans
-- The driver calls it after the 1,000,000-lead scale measurement.

\set ON_ERROR_STOP 1

-- Explains one statement; returns the plan text (or the error it raised).
CREATE FUNCTION bench.explain_statement(sql text, types text, args text[], generic boolean)
    RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    plan text := '';
    line text;
    arg_list text;
BEGIN
    SELECT string_agg(coalesce(quote_literal(a), 'NULL'), ', ') INTO arg_list FROM unnest(args) a;
    PERFORM set_config('plan_cache_mode',
                       CASE WHEN generic THEN 'force_generic_plan' ELSE 'force_custom_plan' END,
                       true);
    BEGIN
        IF types = '' THEN
            EXECUTE 'PREPARE bench_explain AS ' || sql;
            arg_list := '';
        ELSE
            EXECUTE format('PREPARE bench_explain(%s) AS %s', types, sql);
            arg_list := '(' || arg_list || ')';
        END IF;
        FOR line IN EXECUTE 'EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_explain' || arg_list LOOP
            plan := plan || line || E'\n';
        END LOOP;
        RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'bench: roll back';
    EXCEPTION WHEN OTHERS THEN
        IF SQLERRM <> 'bench: roll back' THEN
            plan := plan || 'ERROR: ' || SQLERRM || E'\n';
        END IF;
    END;
    -- prepared statements are not transactional: drop it whatever happened above
    IF EXISTS (SELECT 1 FROM pg_prepared_statements WHERE name = 'bench_explain') THEN
        DEALLOCATE bench_explain;
    END IF;
    RETURN plan;
END $$;

CREATE FUNCTION bench.explain_hot(generic boolean DEFAULT true)
    RETURNS TABLE (name text, source text, statement text, args text[], plan text)
    LANGUAGE plpgsql AS $$
DECLARE
    lead_id text;
    source_ws text;
    lead_hash text;
    original_id text;
    original_hash text;
    rule_id text;
    dest text := (bench.partner_workspaces())[1]::text;
    owner text := gen_random_uuid()::text;
    cutoff text := (now() - interval '5 minutes')::text;
    lead_columns constant text :=
        'l.id, l.routing_status::text, l.routing_locked_at < $2, l.source_workspace_id, '
        'l.workspace_id, l.routing_attempts, l.dedupe_hash, l.duplicate_of, l.company_industry, '
        'l.company_size, l.company_location, l.country, l.email, l.phone, l.company_name, '
        'l.company_domain, l.attributes';
    s record;
BEGIN
    -- concrete values: a due pending lead, a routed original owned by a partner, a rule
    SELECT l.id::text, l.source_workspace_id::text, l.dedupe_hash
      INTO lead_id, source_ws, lead_hash
      FROM lead_router.leads l
     WHERE l.routing_status = 'pending' AND l.routing_due_at <= now()
     ORDER BY l.routing_due_at, l.id LIMIT 1;
    SELECT l.id::text, l.dedupe_hash INTO original_id, original_hash
      FROM lead_router.leads l
     WHERE l.routing_status = 'routed' AND l.duplicate_of IS NULL
       AND l.workspace_id = ANY (bench.partner_workspaces())
     LIMIT 1;
    SELECT r.id::text INTO rule_id FROM lead_router.routing_rules r
     WHERE r.workspace_id::text = source_ws ORDER BY r.priority DESC LIMIT 1;

    FOR s IN SELECT * FROM (VALUES
        ('lock_lead', 'route_flow.cpp (route_lead)',
         'SELECT ' || lead_columns || ' FROM lead_router.leads l WHERE l.id = $1 FOR UPDATE SKIP LOCKED',
         'uuid, timestamptz', ARRAY[lead_id, cutoff]),
        ('lock_due_pending', 'route_flow.cpp (route_pending_leads)',
         'SELECT ' || lead_columns || ' FROM lead_router.leads l
 WHERE l.routing_status = ''pending'' AND l.routing_due_at <= pg_catalog.now()
 ORDER BY l.routing_due_at, l.id
 LIMIT $1
   FOR UPDATE SKIP LOCKED',
         'integer, timestamptz', ARRAY['100', cutoff]),
        ('partner_owner', 'route_flow.cpp (duplicate check of route_lead)',
         'SELECT l.id FROM lead_router.leads l
  JOIN lead_router.workspaces w ON w.id = l.workspace_id
 WHERE l.dedupe_hash = $1 AND l.routing_status = ''routed'' AND l.duplicate_of IS NULL
   AND l.workspace_id <> $2 AND w.workspace_type = ''partner''
 ORDER BY l.created_at, l.id LIMIT 1',
         'text, uuid', ARRAY[original_hash, source_ws]),
        ('route_to', 'lead_transitions.cpp (route_lead and complete_routing)',
         'WITH lead AS (
    UPDATE lead_router.leads l
       SET routing_status = ''routed'', workspace_id = $2, routing_locked_by = NULL,
           routing_locked_at = NULL, routing_error = NULL,
           routing_attempts = l.routing_attempts + $5,
           routing_last_attempted_at = CASE WHEN $5 > 0 THEN pg_catalog.now()
                                            ELSE l.routing_last_attempted_at END
     WHERE l.id = $1
       AND ($4::uuid IS NULL OR (l.routing_status = ''routing'' AND l.routing_locked_by = $4))
       AND EXISTS (SELECT 1 FROM lead_router.workspaces w WHERE w.id = $2 AND w.is_active)
 RETURNING l.id, l.source_workspace_id, l.routing_attempts
), closed AS (
    UPDATE lead_router.routing_queue q SET processed_at = pg_catalog.now()
      FROM lead WHERE q.lead_id = lead.id AND q.processed_at IS NULL
), audit AS (
    INSERT INTO lead_router.routing_logs (lead_id, source_workspace_id,
           destination_workspace_id, matched_rule_id, routing_result, attempt)
    SELECT id, source_workspace_id, $2, $3, ''success'', routing_attempts FROM lead
)
SELECT routing_attempts FROM lead',
         'uuid, uuid, uuid, uuid, integer', ARRAY[lead_id, dest, rule_id, NULL, '1']),
        ('mark_duplicate', 'lead_transitions.cpp (route_lead, duplicate)',
         'WITH lead AS (
    UPDATE lead_router.leads l
       SET routing_status = ''routed'', duplicate_of = $2, workspace_id = l.source_workspace_id,
           routing_locked_by = NULL, routing_locked_at = NULL, routing_error = NULL,
           routing_attempts = l.routing_attempts + 1, routing_last_attempted_at = pg_catalog.now()
     WHERE l.id = $1
 RETURNING l.id, l.source_workspace_id, l.routing_attempts
), closed AS (
    UPDATE lead_router.routing_queue q SET processed_at = pg_catalog.now()
      FROM lead WHERE q.lead_id = lead.id AND q.processed_at IS NULL
), audit AS (
    INSERT INTO lead_router.routing_logs
           (lead_id, source_workspace_id, routing_result, error_message, attempt)
    SELECT id, source_workspace_id, ''duplicate'', ''duplicate of lead '' || $2::text,
           routing_attempts FROM lead
)
SELECT routing_attempts FROM lead',
         'uuid, uuid', ARRAY[lead_id, original_id]),
        ('lock_original', 'lead_transitions.cpp (route_lead, duplicate)',
         'SELECT 1 FROM lead_router.leads WHERE id = $1 FOR KEY SHARE SKIP LOCKED',
         'uuid', ARRAY[original_id]),
        ('requeue', 'lead_transitions.cpp (route_lead no match, fail_routing)',
         'WITH lead AS (
    UPDATE lead_router.leads l
       SET routing_status = ''pending'', routing_locked_by = NULL, routing_locked_at = NULL,
           routing_error = $2, routing_attempts = l.routing_attempts + $5, routing_due_at = $3,
           routing_last_attempted_at = CASE WHEN $5 > 0 THEN pg_catalog.now()
                                            ELSE l.routing_last_attempted_at END
     WHERE l.id = $1
 RETURNING l.id, l.source_workspace_id, l.routing_attempts
), queued AS (
    INSERT INTO lead_router.routing_queue AS q
           (lead_id, workspace_id, attempt_number, max_attempts, next_retry_at, last_error)
    SELECT id, source_workspace_id, routing_attempts + 1, $4, $3, $2 FROM lead
        ON CONFLICT (lead_id) WHERE processed_at IS NULL DO UPDATE
       SET attempt_number = excluded.attempt_number, max_attempts = excluded.max_attempts,
           next_retry_at = excluded.next_retry_at, last_error = excluded.last_error
), audit AS (
    INSERT INTO lead_router.routing_logs
           (lead_id, source_workspace_id, routing_result, error_message, attempt)
    SELECT id, source_workspace_id, $6, $2, routing_attempts FROM lead
)
SELECT routing_attempts FROM lead',
         'uuid, text, timestamptz, integer, integer, text',
         ARRAY[lead_id, 'no matching rule', (now() + interval '1 minute')::text, '3', '1', 'no_match']),
        ('acquire', 'lead_transitions.cpp (acquire_routing_lock, seed flow)',
         'WITH target AS (
    SELECT l.id, l.routing_status AS old_status, l.routing_locked_by AS old_owner
      FROM lead_router.leads l
     WHERE l.id = $1
       AND (l.routing_status IN (''pending'', ''failed'')
            OR (l.routing_status = ''routing'' AND l.routing_locked_at < $3))
       FOR UPDATE SKIP LOCKED
), locked AS (
    UPDATE lead_router.leads l
       SET routing_status = ''routing'', routing_locked_by = $2,
           routing_locked_at = pg_catalog.now(), routing_last_attempted_at = pg_catalog.now(),
           routing_attempts = l.routing_attempts + 1
      FROM target t
     WHERE l.id = t.id
 RETURNING l.id, l.source_workspace_id, l.routing_attempts, t.old_status, t.old_owner
), audit AS (
    INSERT INTO lead_router.routing_logs
           (lead_id, source_workspace_id, routing_result, error_message, attempt)
    SELECT id, source_workspace_id, ''released'',
           ''stale routing lock of '' || old_owner::text || '' taken over'', routing_attempts - 1
      FROM locked WHERE old_status = ''routing''
    UNION ALL
    SELECT id, source_workspace_id, ''locked'', NULL, routing_attempts FROM locked
)
SELECT count(*)::int4 FROM locked',
         'uuid, uuid, timestamptz', ARRAY[lead_id, owner, cutoff]),
        ('partner_owners', 'dedupe_functions.cpp (check_cross_partner_duplicate, seed flow)',
         'SELECT l.id, l.workspace_id
  FROM lead_router.leads l
  JOIN lead_router.workspaces w ON w.id = l.workspace_id
 WHERE l.dedupe_hash = $1 AND l.routing_status = ''routed'' AND l.duplicate_of IS NULL
   AND l.workspace_id IS DISTINCT FROM $2 AND w.workspace_type = ''partner''
 ORDER BY l.created_at, l.id',
         'text, uuid', ARRAY[original_hash, source_ws]),
        ('routed_rule', 'lead_transitions.cpp (route_lead on a routed lead)',
         'SELECT matched_rule_id FROM lead_router.routing_logs
 WHERE lead_id = $1 AND routing_result = ''success''
 ORDER BY id DESC LIMIT 1',
         'uuid', ARRAY[original_id]),
        ('pick_due_queue_rows', 'retry_queue.cpp (process_retry_queue)',
         'SELECT q.id, q.lead_id, q.workspace_id, q.max_attempts
  FROM lead_router.routing_queue q
 WHERE q.processed_at IS NULL AND q.next_retry_at <= pg_catalog.now()
 ORDER BY q.next_retry_at
 LIMIT $1
   FOR UPDATE SKIP LOCKED',
         'integer', ARRAY['200']),
        ('load_rules', 'rule_cache.cpp (once per backend and rule change)',
         'SELECT r.id, r.name, r.priority, r.created_at, r.destination_workspace_id,
       d.is_active AND d.workspace_type = ''partner'' AND d.id <> r.workspace_id,
       r.conditions::text
  FROM lead_router.routing_rules r
  JOIN lead_router.workspaces d ON d.id = r.destination_workspace_id
 WHERE r.workspace_id = $1 AND r.is_active',
         'uuid', ARRAY[source_ws]),
        ('expire', 'lead_transitions.cpp (mark_expired_leads, daily)',
         'WITH due AS (
    SELECT id FROM lead_router.leads
     WHERE routing_status IN (''pending'', ''failed'') AND lead_expires_at < pg_catalog.now()
       FOR UPDATE SKIP LOCKED
), expired AS (
    UPDATE lead_router.leads l SET routing_status = ''expired''
      FROM due WHERE l.id = due.id
 RETURNING l.id, l.source_workspace_id, l.routing_attempts
), closed AS (
    UPDATE lead_router.routing_queue q
       SET processed_at = pg_catalog.now(), last_error = ''lead expired''
      FROM expired e WHERE q.lead_id = e.id AND q.processed_at IS NULL
), audit AS (
    INSERT INTO lead_router.routing_logs
           (lead_id, source_workspace_id, routing_result, attempt)
    SELECT id, source_workspace_id, ''expired'', routing_attempts FROM expired
)
SELECT count(*) FROM expired',
         '', ARRAY[]::text[]),
        ('release_stale', 'lead_transitions.cpp (release_stale_routing_locks, every 10 min)',
         'WITH stale AS (
    SELECT id, routing_locked_by AS old_owner
      FROM lead_router.leads
     WHERE routing_status = ''routing'' AND routing_locked_at < $1
       FOR UPDATE SKIP LOCKED
), released AS (
    UPDATE lead_router.leads l
       SET routing_status = ''pending'', routing_locked_by = NULL, routing_locked_at = NULL,
           routing_error = ''routing lock expired''
      FROM stale s
     WHERE l.id = s.id
 RETURNING l.id, l.source_workspace_id, l.routing_attempts, s.old_owner
), audit AS (
    INSERT INTO lead_router.routing_logs
           (lead_id, source_workspace_id, routing_result, error_message, attempt)
    SELECT id, source_workspace_id, ''released'',
           ''stale routing lock of '' || old_owner::text || '' released'', routing_attempts
      FROM released
)
SELECT count(*) FROM released',
         'timestamptz', ARRAY[cutoff])
    ) AS v(name, source, sql, types, args)
    LOOP
        name := s.name;
        source := s.source;
        statement := s.sql;
        args := s.args;
        plan := bench.explain_statement(s.sql, s.types, s.args, generic);
        RETURN NEXT;
    END LOOP;
END $$;
