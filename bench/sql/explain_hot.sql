-- EXPLAIN (ANALYZE, BUFFERS) of the extension's hot statements, for bench/README.md.
--
-- The SQL texts are not copies: run_bench.sh loads bench.statements (below) with what
-- bench/extract_statements.pl reads from the extension's C++ sources at bench time (every
-- `Statement name_stmt = {"...", NARGS, {OIDs}}`), so the bench explains the texts the built
-- extension runs.  bench.explain_hot joins them, by C++ variable name and source file, with
-- its list of hot statements and the concrete arguments of each; a hot statement the sources
-- no longer declare gives a row whose plan is an ERROR line, not a missing row.
--
-- The extension prepares these statements with CURSOR_OPT_GENERIC_PLAN and keeps them
-- (SPI_keepplan), so a backend runs their generic plans; each statement is PREPAREd with its
-- $n parameter types and explained as EXECUTE with concrete values, by default under
-- plan_cache_mode = force_generic_plan.  Statements that write are explained inside a
-- subtransaction that is rolled back: nothing changes.
--
--   SELECT * FROM bench.explain_hot();          -- generic plans
--   SELECT * FROM bench.explain_hot(false);     -- custom plans
-- The driver calls it after the 1,000,000-lead scale measurement.

\set ON_ERROR_STOP 1

-- The extension's saved statements, one row per C++ declaration (bench/extract_statements.pl).
CREATE TABLE bench.statements (
    name   text NOT NULL,      -- the C++ variable, e.g. route_to_stmt
    source text NOT NULL,      -- its file, relative to the repository
    line   integer NOT NULL,
    sql    text NOT NULL,
    types  text[] NOT NULL,    -- SQL type names of $1, $2, ...
    PRIMARY KEY (name, source)
);

-- Explains one statement; returns the plan text (or the error it raised).
CREATE FUNCTION bench.explain_statement(sql text, types text[], args text[], generic boolean)
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
        IF cardinality(types) = 0 THEN
            EXECUTE 'PREPARE bench_explain AS ' || sql;
            arg_list := '';
        ELSE
            EXECUTE format('PREPARE bench_explain(%s) AS %s', array_to_string(types, ', '), sql);
            arg_list := '(' || coalesce(arg_list, '') || ')';
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

-- The hot statements, in the order of a routing: each row names a statement of
-- bench.statements (C++ variable and file), who runs it, and its arguments (text, arrays as
-- '{...}' literals).  Batch statements appear twice: with one lead, as route_lead runs them,
-- and with the first 100 due pending leads, as route_pending_leads(100) runs them.
CREATE FUNCTION bench.explain_hot(generic boolean DEFAULT true)
    RETURNS TABLE (name text, source text, statement text, args text[], plan text)
    LANGUAGE plpgsql AS $$
DECLARE
    lead_id text;           -- the longest-due pending lead
    source_ws text;
    dest text;              -- destination and rule: the first rule of the lead's workspace
    rule_id text;
    batch int;              -- the first 100 due pending leads, as lock_due_pending takes them
    batch_ids text;
    batch_dests text;
    batch_rules text;
    batch_hashes text;
    original_id text;       -- a routed lead a partner owns
    original_hash text;
    originals text;         -- `batch` of them
    logged_id text;         -- a lead with a success audit row
    queue_id text;          -- an open queue row
    owner text := gen_random_uuid()::text;
    cutoff text := (now() - interval '5 minutes')::text;
    retry_at text := (now() + interval '1 minute')::text;
    s record;
BEGIN
    SELECT l.id::text, l.source_workspace_id::text
      INTO lead_id, source_ws
      FROM lead_router.leads l
     WHERE l.routing_status = 'pending' AND l.routing_due_at <= now()
     ORDER BY l.routing_due_at, l.id LIMIT 1;
    SELECT r.id::text, r.destination_workspace_id::text INTO rule_id, dest
      FROM lead_router.routing_rules r
     WHERE r.workspace_id::text = source_ws AND r.is_active ORDER BY r.priority DESC LIMIT 1;
    dest := coalesce(dest, (bench.partner_workspaces())[1]::text);
    SELECT count(*), array_agg(d.id ORDER BY d.n)::text,
           array_agg(coalesce(r.destination_workspace_id, (bench.partner_workspaces())[1])
                     ORDER BY d.n)::text,
           array_agg(r.id ORDER BY d.n)::text,
           array_agg(d.dedupe_hash ORDER BY d.n) FILTER (WHERE d.dedupe_hash IS NOT NULL)::text
      INTO batch, batch_ids, batch_dests, batch_rules, batch_hashes
      FROM (SELECT l.id, l.source_workspace_id, l.dedupe_hash,
                   row_number() OVER (ORDER BY l.routing_due_at, l.id) AS n
              FROM lead_router.leads l
             WHERE l.routing_status = 'pending' AND l.routing_due_at <= now()
             ORDER BY l.routing_due_at, l.id LIMIT 100) d
      LEFT JOIN LATERAL (SELECT r.id, r.destination_workspace_id
                           FROM lead_router.routing_rules r
                          WHERE r.workspace_id = d.source_workspace_id AND r.is_active
                          ORDER BY r.priority DESC LIMIT 1) r ON true;
    SELECT l.id::text, l.dedupe_hash INTO original_id, original_hash
      FROM lead_router.leads l
     WHERE l.routing_status = 'routed' AND l.duplicate_of IS NULL
       AND l.workspace_id = ANY (bench.partner_workspaces())
     LIMIT 1;
    SELECT array_agg(o.id)::text INTO originals
      FROM (SELECT l.id FROM lead_router.leads l
             WHERE l.routing_status = 'routed' AND l.duplicate_of IS NULL
               AND l.workspace_id = ANY (bench.partner_workspaces())
             LIMIT greatest(batch, 1)) o;
    SELECT g.lead_id::text INTO logged_id FROM lead_router.routing_logs g
     WHERE g.routing_result = 'success' ORDER BY g.id DESC LIMIT 1;
    SELECT q.id::text INTO queue_id FROM lead_router.routing_queue q
     WHERE q.processed_at IS NULL LIMIT 1;

    FOR s IN
        SELECT h.stmt, h.variant, h.file, h.caller, h.args, st.sql, st.types, st.line
          FROM (VALUES
            (1, 'lock_lead_stmt', 'extension/pg/route_flow.cpp', NULL,
             'route_lead: lock the lead',
             ARRAY[lead_id, cutoff]),
            (2, 'lock_due_pending_stmt', 'extension/pg/route_flow.cpp', NULL,
             'route_pending_leads(100): pick and lock due leads',
             ARRAY['100', cutoff, 'true', NULL]),
            (3, 'partner_owners_stmt', 'extension/pg/route_batch.cpp', '1 hash',
             'route_lead: partner owners of the identity',
             ARRAY['{' || original_hash || '}']),
            (4, 'partner_owners_stmt', 'extension/pg/route_batch.cpp',
             cardinality(batch_hashes::text[]) || ' hashes',
             'route_pending_leads(100): partner owners of the identities',
             ARRAY[batch_hashes]),
            (5, 'route_to_stmt', 'extension/pg/lead_moves.cpp', '1 lead',
             'route_lead: routed',
             ARRAY['{' || lead_id || '}', '{' || dest || '}', '{' || rule_id || '}', NULL, '1']),
            (6, 'route_to_stmt', 'extension/pg/lead_moves.cpp', batch || ' leads',
             'route_pending_leads(100): routed',
             ARRAY[batch_ids, batch_dests, batch_rules, NULL, '1']),
            (7, 'lock_originals_stmt', 'extension/pg/lead_moves.cpp', '1 lead',
             'route_lead: duplicate, lock the original',
             ARRAY['{' || original_id || '}']),
            (8, 'lock_originals_stmt', 'extension/pg/lead_moves.cpp', batch || ' leads',
             'route_pending_leads(100): duplicates, lock the originals',
             ARRAY[originals]),
            (9, 'duplicates_stmt', 'extension/pg/lead_moves.cpp', '1 lead',
             'route_lead: duplicate',
             ARRAY['{' || lead_id || '}', '{' || original_id || '}']),
            (10, 'duplicates_stmt', 'extension/pg/lead_moves.cpp', batch || ' leads',
             'route_pending_leads(100): duplicates',
             ARRAY[batch_ids, originals]),
            (11, 'requeue_stmt', 'extension/pg/lead_moves.cpp', '1 lead',
             'route_lead: no match, queued for retry',
             ARRAY['{' || lead_id || '}', '{"no matching rule"}', '{"' || retry_at || '"}', '{3}',
                   '{no_match}', '1']),
            (12, 'requeue_stmt', 'extension/pg/lead_moves.cpp', batch || ' leads',
             'route_pending_leads(100): no match, queued for retry',
             ARRAY[batch_ids, array_fill('no matching rule'::text, ARRAY[batch])::text,
                   array_fill(retry_at::timestamptz, ARRAY[batch])::text,
                   array_fill(3, ARRAY[batch])::text,
                   array_fill('no_match'::text, ARRAY[batch])::text, '1']),
            (13, 'fail_stmt', 'extension/pg/lead_moves.cpp', '1 lead',
             'route_lead: no match at the last attempt',
             ARRAY['{' || lead_id || '}', '{"no matching rule"}', '1']),
            (14, 'fail_stmt', 'extension/pg/lead_moves.cpp', batch || ' leads',
             'route_pending_leads(100): no match at the last attempt',
             ARRAY[batch_ids, array_fill('no matching rule'::text, ARRAY[batch])::text, '1']),
            (15, 'routed_rule_stmt', 'extension/pg/lead_transitions.cpp', NULL,
             'route_lead on a routed lead: its rule',
             ARRAY[coalesce(logged_id, original_id)]),
            (16, 'acquire_stmt', 'extension/pg/lead_transitions.cpp', NULL,
             'acquire_routing_lock, seed flow',
             ARRAY[lead_id, owner, cutoff]),
            (17, 'partner_owners_stmt', 'extension/functions/dedupe_functions.cpp', NULL,
             'check_cross_partner_duplicate, seed flow',
             ARRAY[original_hash, source_ws]),
            (18, 'pick_due_stmt', 'extension/pg/retry_queue.cpp', NULL,
             'process_retry_queue(200): pick due queue rows',
             ARRAY['200', 'true', NULL]),
            (19, 'lock_leads_stmt', 'extension/pg/route_flow.cpp', batch || ' leads',
             'process_retry_queue: lock the leads of the picked rows',
             ARRAY[batch_ids, cutoff]),
            (20, 'close_stale_stmt', 'extension/pg/retry_queue.cpp', NULL,
             'process_retry_queue: close a queue row whose lead moved on',
             ARRAY['{' || queue_id || '}', '{"lead is routed"}']),
            (21, 'load_rules_stmt', 'extension/pg/rule_cache.cpp', NULL,
             'rules of a workspace, once per backend and rule change',
             ARRAY[source_ws]),
            (22, 'expire_stmt', 'extension/pg/lead_transitions.cpp', NULL,
             'mark_expired_leads, daily',
             ARRAY[]::text[]),
            (23, 'release_stmt', 'extension/pg/lead_transitions.cpp', NULL,
             'release_stale_routing_locks, every 10 minutes',
             ARRAY[cutoff])
          ) AS h(ord, stmt, file, variant, caller, args)
          LEFT JOIN bench.statements st ON st.name = h.stmt AND st.source = h.file
         ORDER BY h.ord
    LOOP
        name := s.stmt || coalesce(' (' || s.variant || ')', '');
        source := s.file || coalesce(':' || s.line, '') || ' (' || s.caller || ')';
        statement := coalesce(s.sql, '');
        args := s.args;
        IF s.sql IS NULL THEN
            plan := format(E'ERROR: statement %s not found in the extension sources (%s):\n'
                           'bench.statements holds what bench/extract_statements.pl read there\n',
                           s.stmt, s.file);
        ELSE
            plan := bench.explain_statement(s.sql, s.types, s.args, generic);
        END IF;
        RETURN NEXT;
    END LOOP;
END $$;
