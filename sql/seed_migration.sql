-- migrate_from_seed_schema: a database of the original (seed) design moves into lead_router.
-- The fixture (test/seed/) is the seed schema reconstructed from the seed documents, with a
-- lead in every state.  Bad input first (each moves nothing), then the dry run, the real
-- run, every invariant of lead_router afterwards, the mapping lead by lead, and a second
-- run that changes nothing.
\i sql/fixtures/setup.sql
-- errors shown in full below are shown without their PL/pgSQL line numbers
\set SHOW_CONTEXT never

-- The seed schema, in a schema of its own; a second copy to break for the bad-input cases.
\set ECHO none
SET client_min_messages = warning;
CREATE SCHEMA seed;
SET search_path = seed;
\i test/seed/seed_schema.sql
\i test/seed/seed_data.sql
CREATE SCHEMA seed_bad;
SET search_path = seed_bad;
\i test/seed/seed_schema.sql
\i test/seed/seed_data.sql
RESET search_path;
RESET client_min_messages;
\set ECHO all

-- A digest of every lead_router table, to show that a refused or dry run changed nothing.
CREATE FUNCTION pg_temp.lead_router_digest() RETURNS text LANGUAGE sql AS $$
    SELECT md5(concat_ws('|',
        (SELECT count(*) || ':' || md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) FROM lead_router.workspaces x),
        (SELECT count(*) || ':' || md5(coalesce(string_agg(x::text, ',' ORDER BY x.user_id, x.workspace_id), '')) FROM lead_router.user_workspaces x),
        (SELECT count(*) || ':' || md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) FROM lead_router.leads x),
        (SELECT count(*) || ':' || md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) FROM lead_router.routing_queue x),
        (SELECT count(*) || ':' || md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) FROM lead_router.routing_logs x),
        (SELECT count(*) || ':' || md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) FROM lead_router.routing_rules x)))
$$;
SELECT pg_temp.lead_router_digest() AS before \gset

------------------------------------------------------------------------------------------
-- Bad input: a clear error or report, and nothing moved
------------------------------------------------------------------------------------------

-- arguments and caller
SELECT pg_temp.error_of($$SELECT * FROM lead_router.migrate_from_seed_schema('no_such_schema')$$) AS missing_schema;
SELECT pg_temp.error_of($$SELECT * FROM lead_router.migrate_from_seed_schema(NULL)$$) AS null_schema;
SELECT pg_temp.error_of($$SELECT * FROM lead_router.migrate_from_seed_schema('seed', NULL)$$) AS null_dry_run;
SELECT pg_temp.error_of($$SELECT * FROM lead_router.migrate_from_seed_schema('lead_router')$$) AS into_itself;
SELECT has_function_privilege('public', 'lead_router.migrate_from_seed_schema(name, boolean)', 'EXECUTE') AS public_may_run;
CREATE ROLE regress_lr_seed_admin;
GRANT USAGE ON SCHEMA lead_router, seed TO regress_lr_seed_admin;
GRANT EXECUTE ON FUNCTION lead_router.migrate_from_seed_schema(name, boolean) TO regress_lr_seed_admin;
SET ROLE regress_lr_seed_admin;
SELECT pg_temp.error_of($$SELECT * FROM lead_router.migrate_from_seed_schema('seed')$$) AS without_bypassrls;
RESET ROLE;

-- a partial seed schema: a table or a column missing
BEGIN;
DROP TABLE seed_bad.lead_routing_logs;
SELECT pg_temp.error_of($$SELECT * FROM lead_router.migrate_from_seed_schema('seed_bad', false)$$) AS missing_table;
ROLLBACK;
BEGIN;
ALTER TABLE seed_bad.leads DROP COLUMN routing_attempts;
ALTER TABLE seed_bad.lead_routing_queue DROP COLUMN next_retry_at;
SELECT pg_temp.error_of($$SELECT * FROM lead_router.migrate_from_seed_schema('seed_bad')$$) AS missing_columns;
ROLLBACK;
-- the whole list is in the DETAIL
BEGIN;
ALTER TABLE seed_bad.leads DROP COLUMN routing_attempts;
ALTER TABLE seed_bad.lead_routing_queue DROP COLUMN next_retry_at;
\set VERBOSITY default
SELECT * FROM lead_router.migrate_from_seed_schema('seed_bad');
\set VERBOSITY terse
ROLLBACK;

-- a column of the wrong type
BEGIN;
ALTER TABLE seed_bad.leads ALTER COLUMN company_size TYPE text;
UPDATE seed_bad.leads SET company_size = '51-200' WHERE id = '5eed1ead-0000-4000-8000-000000000011';
SELECT pg_temp.error_of($$SELECT * FROM lead_router.migrate_from_seed_schema('seed_bad', false)$$) AS wrong_type;
ROLLBACK;
BEGIN;
ALTER TABLE seed_bad.lead_routing_queue ALTER COLUMN attempt_number TYPE numeric;
ALTER TABLE seed_bad.workspaces ALTER COLUMN is_active TYPE text;
ALTER TABLE seed_bad.leads ALTER COLUMN routing_locked_by TYPE text;
\set VERBOSITY default
SELECT * FROM lead_router.migrate_from_seed_schema('seed_bad');
\set VERBOSITY terse
ROLLBACK;

-- rows in states lead_router cannot represent: the dry run names them, the real run refuses
BEGIN;
UPDATE seed_bad.leads SET routing_attempts = -1 WHERE id = '5eed1ead-0000-4000-8000-000000000011';
UPDATE seed_bad.lead_routing_queue SET attempt_number = 4 WHERE id = '5eed0d00-0000-4000-8000-000000000004';
UPDATE seed_bad.workspaces SET workspace_type = 'Partner Program' WHERE id = '5eed0a00-0000-4000-8000-000000000006';
SELECT object, found, to_move, cannot_map FROM lead_router.migrate_from_seed_schema('seed_bad')
 WHERE cannot_map > 0 OR object LIKE 'seed schema%';
SELECT object, detail FROM lead_router.migrate_from_seed_schema('seed_bad')
 WHERE object IN ('seed schema seed_bad', 'workspaces', 'leads: cannot map') OR object LIKE 'lead_routing_queue%';
SELECT pg_temp.error_of($$SELECT * FROM lead_router.migrate_from_seed_schema('seed_bad', false)$$) AS impossible_states;
\set VERBOSITY default
SELECT * FROM lead_router.migrate_from_seed_schema('seed_bad', false);
\set VERBOSITY terse
ROLLBACK;

-- a hostile source schema: its functions and operators never run in place of the built-in
-- ones (the seed's tables are read with pg_catalog first on the search path)
BEGIN;
CREATE FUNCTION seed_bad.hijacked() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'a function of the source schema ran'; END $$;
CREATE FUNCTION seed_bad.to_jsonb(anyelement) RETURNS jsonb LANGUAGE sql AS $$ SELECT NULL::jsonb WHERE seed_bad.hijacked() $$;
CREATE FUNCTION seed_bad.lower(text) RETURNS text LANGUAGE sql AS $$ SELECT NULL::text WHERE seed_bad.hijacked() $$;
CREATE FUNCTION seed_bad.uuid_eq(uuid, uuid) RETURNS boolean LANGUAGE sql AS $$ SELECT seed_bad.hijacked() $$;
CREATE OPERATOR seed_bad.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = seed_bad.uuid_eq);
CREATE FUNCTION seed_bad.text_eq(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT seed_bad.hijacked() $$;
CREATE OPERATOR seed_bad.= (LEFTARG = text, RIGHTARG = text, FUNCTION = seed_bad.text_eq);
SELECT count(*) AS report_rows, sum(to_move) FILTER (WHERE object = 'leads') AS leads_to_move
  FROM lead_router.migrate_from_seed_schema('seed_bad');
ROLLBACK;

SELECT pg_temp.lead_router_digest() = :'before' AS nothing_moved;

------------------------------------------------------------------------------------------
-- The dry run (the default): the report, and nothing changed
------------------------------------------------------------------------------------------

-- (how many persons lead_router sees depends on its identity normalisation: shown as N)
SELECT object, CASE WHEN object = 'leads: persons' THEN NULL ELSE found END AS found, to_move, cannot_map
  FROM lead_router.migrate_from_seed_schema('seed');
SELECT object, regexp_replace(detail, 'by lead_router''s: [0-9]+', 'by lead_router''s: N') AS detail
  FROM lead_router.migrate_from_seed_schema('seed');
SELECT pg_temp.lead_router_digest() = :'before' AS dry_run_changed_nothing;

------------------------------------------------------------------------------------------
-- The real run, in one transaction
------------------------------------------------------------------------------------------

BEGIN;
SELECT object, found, to_move, cannot_map FROM lead_router.migrate_from_seed_schema('seed', false)
 WHERE to_move IS NOT NULL;
COMMIT;

-- every seed row is accounted for
SELECT (SELECT count(*) FROM seed.workspaces) AS seed_workspaces,
       (SELECT count(*) FROM lead_router.workspaces w WHERE w.id IN (SELECT id FROM seed.workspaces)) AS moved,
       (SELECT count(*) FROM seed.leads) AS seed_leads,
       (SELECT count(*) FROM lead_router.leads) AS leads,
       (SELECT count(*) FROM seed.lead_routing_queue) AS seed_queue,
       (SELECT count(*) FROM lead_router.routing_queue) AS queue,
       (SELECT count(*) FROM seed.lead_routing_logs) AS seed_logs,
       (SELECT count(*) FROM lead_router.routing_logs) AS logs;

------------------------------------------------------------------------------------------
-- Every invariant of lead_router holds (each query lists the rows that break one)
------------------------------------------------------------------------------------------

-- every CHECK constraint holds for every row (evaluated again here)
CREATE FUNCTION pg_temp.check_violations() RETURNS TABLE (constraint_name name, violations bigint)
LANGUAGE plpgsql AS $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT conname, conrelid::regclass AS rel, pg_get_constraintdef(oid) AS def
               FROM pg_constraint
              WHERE connamespace = 'lead_router'::regnamespace AND contype = 'c' AND conrelid <> 0
              ORDER BY conname LOOP
        constraint_name := c.conname;
        EXECUTE format('SELECT count(*) FROM %s WHERE NOT %s', c.rel, substr(c.def, 7)) INTO violations;
        RETURN NEXT;
    END LOOP;
    -- a domain's check, on every column of that domain (VALUE is the column)
    FOR c IN SELECT k.conname, a.attrelid::regclass AS rel,
                    replace(pg_get_constraintdef(k.oid), 'VALUE', quote_ident(a.attname)) AS def
               FROM pg_constraint k
               JOIN pg_attribute a ON a.atttypid = k.contypid AND a.attnum > 0 AND NOT a.attisdropped
               JOIN pg_class r ON r.oid = a.attrelid AND r.relkind = 'r'
              WHERE k.connamespace = 'lead_router'::regnamespace AND k.contype = 'c' AND k.contypid <> 0
              ORDER BY k.conname, a.attname LOOP
        constraint_name := c.conname;
        EXECUTE format('SELECT count(*) FROM %s WHERE NOT %s', c.rel, substr(c.def, 7)) INTO violations;
        RETURN NEXT;
    END LOOP;
END $$;
SELECT count(*) > 10 AS checked, sum(violations) AS violations FROM pg_temp.check_violations();
-- no lead is in routing (the seed's locks are released)
SELECT id FROM lead_router.leads WHERE routing_status = 'routing';
-- a lead not routed is still in the workspace it arrived in; lock columns only in routing
SELECT id FROM lead_router.leads
 WHERE (routing_status <> 'routed' AND workspace_id <> source_workspace_id)
    OR routing_locked_by IS NOT NULL OR routing_locked_at IS NOT NULL;
-- dedupe_hash is lead_router's, recomputed from the identity
SELECT id FROM lead_router.leads
 WHERE dedupe_hash IS DISTINCT FROM lead_router.generate_dedupe_hash(email, phone, company_name);
-- open queue rows: at most one per lead, only for pending leads, due when the lead is due
SELECT q.lead_id FROM lead_router.routing_queue q JOIN lead_router.leads l ON l.id = q.lead_id
 WHERE q.processed_at IS NULL
   AND (l.routing_status <> 'pending' OR l.routing_due_at <> q.next_retry_at OR q.workspace_id <> l.workspace_id);
SELECT lead_id FROM lead_router.routing_queue WHERE processed_at IS NULL GROUP BY lead_id HAVING count(*) > 1;
-- every audit row has a known result and a source; attempts never run backwards per lead
SELECT id FROM lead_router.routing_logs
 WHERE source_workspace_id IS NULL
    OR routing_result NOT IN ('locked', 'success', 'duplicate', 'retry', 'failed', 'expired', 'no_match', 'released');
SELECT lead_id FROM (SELECT lead_id, attempt, lag(attempt) OVER (PARTITION BY lead_id ORDER BY id) AS before
                       FROM lead_router.routing_logs) a
 WHERE attempt < before;
-- error messages are within lead_router's 1,000 bytes
SELECT 'leads' AS t FROM lead_router.leads WHERE octet_length(routing_error) > 1000
UNION ALL SELECT 'queue' FROM lead_router.routing_queue WHERE octet_length(last_error) > 1000
UNION ALL SELECT 'logs' FROM lead_router.routing_logs WHERE octet_length(error_message) > 1000;
-- rules: each one compiles and routes only to an active partner (the validation trigger again)
SELECT r.id FROM lead_router.routing_rules r JOIN lead_router.workspaces d ON d.id = r.destination_workspace_id
 WHERE d.workspace_type <> 'partner' OR NOT d.is_active OR r.destination_workspace_id = r.workspace_id
    OR pg_temp.error_of(format('UPDATE lead_router.routing_rules SET conditions = conditions || ''{}'' WHERE id = %L', r.id)) <> 'ok';
-- every lead can be explained (its source's rules compile)
SELECT l.id FROM lead_router.leads l
 WHERE pg_temp.error_of(format('SELECT count(*) FROM lead_router.explain_route(%L)', l.id)) <> 'ok';

------------------------------------------------------------------------------------------
-- What each lead became (ids shortened: lead and workspace numbers of the fixture)
------------------------------------------------------------------------------------------

SELECT right(s.id::text, 2) AS lead,
       coalesce(s.routing_status::text, 'NULL') AS seed_status,
       l.routing_status AS status,
       right(s.workspace_id::text, 2) AS seed_owner,
       right(l.workspace_id::text, 2) AS owner,
       right(l.source_workspace_id::text, 2) AS source,
       coalesce(s.routing_attempts, 0) = l.routing_attempts AS attempts_kept,
       l.routing_attempts AS attempts,
       CASE WHEN q.lead_id IS NULL THEN NULL
            WHEN sq.next_retry_at IS NULL THEN 'rebuilt: queued + ' || extract(epoch FROM l.routing_due_at - sq.created_at)::int || ' s'
            WHEN l.routing_due_at = sq.next_retry_at THEN 'kept'
            ELSE 'changed' END AS open_retry_due,
       l.routing_error,
       l.attributes ->> 'job_title' AS job_title
  FROM seed.leads s
  JOIN lead_router.leads l ON l.id = s.id
  LEFT JOIN lead_router.routing_queue q ON q.lead_id = l.id AND q.processed_at IS NULL
  LEFT JOIN seed.lead_routing_queue sq ON sq.lead_id = s.id AND sq.processed_at IS NULL AND sq.attempt_number = q.attempt_number
 ORDER BY s.id;

-- attributes: every other column of the seed's leads, under its own name
SELECT jsonb_pretty(attributes) FROM lead_router.leads WHERE id = '5eed1ead-0000-4000-8000-000000000001';
-- workspace types lower-cased
SELECT right(id::text, 2) AS ws, name, workspace_type, is_active FROM lead_router.workspaces
 WHERE id IN (SELECT id FROM seed.workspaces) ORDER BY id;

-- the queue: open retries with their seed due times, closed rows with why
SELECT right(q.lead_id::text, 2) AS lead, q.attempt_number, q.max_attempts,
       q.processed_at IS NULL AS open,
       coalesce(q.next_retry_at = sq.next_retry_at, false) AS due_kept,
       sq.processed_at IS NULL AND q.processed_at IS NOT NULL AS closed_by_migration,
       q.last_error
  FROM lead_router.routing_queue q
  JOIN seed.lead_routing_queue sq ON sq.lead_id = q.lead_id AND sq.attempt_number = q.attempt_number
 ORDER BY q.lead_id, q.attempt_number;

-- the audit history, in order, with the seed's result beside lead_router's
SELECT right(g.lead_id::text, 2) AS lead, g.routing_result, sg.routing_result AS seed_result,
       right(g.source_workspace_id::text, 2) AS source, right(g.destination_workspace_id::text, 2) AS destination,
       right(g.matched_rule_id::text, 2) AS rule, g.attempt, g.error_message,
       g.created_at = sg.created_at AS at_kept
  FROM lead_router.routing_logs g
  LEFT JOIN seed.lead_routing_logs sg
    ON sg.lead_id = g.lead_id AND sg.created_at = g.created_at
 ORDER BY g.lead_id, g.id;

-- the rules that moved, with their lead_router conditions
SELECT right(id::text, 2) AS rule, name, priority, is_active, conditions,
       right(destination_workspace_id::text, 2) AS destination
  FROM lead_router.routing_rules WHERE id IN (SELECT id FROM seed.lead_routing_rules) ORDER BY id;

------------------------------------------------------------------------------------------
-- Idempotent: a second run finds everything in place, changes nothing, writes no audit row
------------------------------------------------------------------------------------------

SELECT pg_temp.lead_router_digest() AS after_first_run \gset
BEGIN;
SELECT object, CASE WHEN object = 'leads: persons' THEN NULL ELSE found END AS found, to_move, cannot_map,
       regexp_replace(detail, 'by lead_router''s: [0-9]+', 'by lead_router''s: N') AS detail
  FROM lead_router.migrate_from_seed_schema('seed', false)
 WHERE object NOT LIKE 'function %' AND object NOT LIKE 'rule %';
COMMIT;
SELECT pg_temp.lead_router_digest() = :'after_first_run' AS second_run_changed_nothing;

-- resumable: rows the seed gained since (the application kept writing) move on the next run,
-- and nothing else does
INSERT INTO seed.leads (id, workspace_id, email, company_industry, company_size, source)
VALUES ('5eed1ead-0000-4000-8000-000000000036', '5eed0a00-0000-4000-8000-000000000001',
        'late@arrival.io', 'Software', 120, 'web_form');
INSERT INTO seed.lead_routing_queue (lead_id, workspace_id, attempt_number, next_retry_at, last_error)
VALUES ('5eed1ead-0000-4000-8000-000000000036', '5eed0a00-0000-4000-8000-000000000001', 2,
        now() + interval '1 minute', 'No matching rule');
BEGIN;
SELECT object, found, to_move, cannot_map FROM lead_router.migrate_from_seed_schema('seed', false)
 WHERE to_move > 0 OR object LIKE 'seed schema%';
COMMIT;
SELECT right(l.id::text, 2) AS lead, l.routing_status, l.routing_due_at = q.next_retry_at AS due_with_its_retry
  FROM lead_router.leads l JOIN lead_router.routing_queue q ON q.lead_id = l.id AND q.processed_at IS NULL
 WHERE l.id = '5eed1ead-0000-4000-8000-000000000036';

-- the default source schema is public (a Supabase project's): a copy there is found, and
-- since its rows are in lead_router already, nothing is left to move
\set ECHO none
SET client_min_messages = warning;
SET search_path = public;
\i test/seed/seed_schema.sql
\i test/seed/seed_data.sql
RESET search_path;
RESET client_min_messages;
\set ECHO all
SELECT object, found, to_move, cannot_map, detail FROM lead_router.migrate_from_seed_schema()
 WHERE object IN ('seed schema public', 'leads', 'lead_routing_queue');

\i sql/fixtures/teardown.sql
SET client_min_messages = warning;
DROP SCHEMA seed, seed_bad, auth CASCADE;
DROP TABLE public.lead_notes, public.lead_routing_logs, public.lead_routing_queue,
           public.lead_routing_rules, public.user_workspaces, public.leads, public.workspaces;
DROP FUNCTION public.acquire_routing_lock(uuid, uuid), public.complete_routing(uuid, uuid, uuid, uuid),
              public.fail_routing(uuid, text, uuid, integer), public.release_stale_routing_locks(),
              public.check_cross_partner_duplicate(varchar, uuid), public.mark_expired_leads(),
              public.generate_dedupe_hash(text, text, text), public.leads_set_dedupe_hash();
DROP TYPE public.lead_routing_status;
RESET client_min_messages;
DROP OWNED BY regress_lr_seed_admin;
DROP ROLE regress_lr_seed_admin;
