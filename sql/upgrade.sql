-- Upgrade paths: installations of 0.1.0 and of 0.5.0 holding data are updated to the current
-- version through the upgrade scripts, keep their data and keep routing, and end with exactly
-- the catalog of a fresh install: members, columns, defaults, constraints, indexes,
-- triggers (and whether they fire for replicas), policies, functions with their attributes
-- and bodies, privileges, comments, and the tables pg_dump dumps.
\set VERBOSITY terse

CREATE EXTENSION lead_router;
CREATE TEMP TABLE fresh (line text);
-- An error's SQLSTATE, and whether its context tells how to fix it.
CREATE FUNCTION pg_temp.refusal(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    context text;
    hint text;
BEGIN
    EXECUTE statement;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS context = PG_EXCEPTION_CONTEXT, hint = PG_EXCEPTION_HINT;
    RETURN SQLSTATE || CASE WHEN context || hint LIKE '%ALTER EXTENSION lead_router UPDATE%'
                            THEN ', with the fix' ELSE ', without the fix' END;
END $$;
CREATE FUNCTION pg_temp.catalog() RETURNS SETOF text LANGUAGE sql AS $$
    SELECT 'member ' || pg_describe_object(classid, objid, 0) FROM pg_depend
     WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
       AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'lead_router')
    UNION ALL
    SELECT format('relation %s kind=%s rls=%s forced=%s options=%s acl=%s comment=%s', c.relname,
                  c.relkind, c.relrowsecurity, c.relforcerowsecurity, c.reloptions, c.relacl,
                  obj_description(c.oid, 'pg_class'))
      FROM pg_class c WHERE c.relnamespace = 'lead_router'::regnamespace
    UNION ALL
    SELECT format('column %s.%s #%s %s notnull=%s default=%s identity=%s acl=%s comment=%s',
                  c.relname, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod),
                  a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attacl,
                  col_description(c.oid, a.attnum))
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE c.relnamespace = 'lead_router'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT format('constraint %s.%s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
      FROM pg_constraint WHERE connamespace = 'lead_router'::regnamespace
    UNION ALL
    SELECT 'index ' || pg_get_indexdef(indexrelid) FROM pg_index
     WHERE indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'lead_router'::regnamespace)
    UNION ALL
    SELECT format('trigger %s enabled=%s', pg_get_triggerdef(t.oid), t.tgenabled)
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE c.relnamespace = 'lead_router'::regnamespace AND NOT t.tgisinternal
    UNION ALL
    SELECT format('policy %s.%s cmd=%s using=%s check=%s', p.polrelid::regclass, p.polname, p.polcmd,
                  pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
      FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
     WHERE c.relnamespace = 'lead_router'::regnamespace
    UNION ALL
    SELECT format('function %s returns %s %s acl=%s comment=%s', p.oid::regprocedure,
                  pg_get_function_result(p.oid),
                  CASE WHEN p.prokind = 'p' OR p.prorettype = 'trigger'::regtype
                       THEN concat_ws(' ', p.prokind, p.provolatile, p.proparallel, p.prosecdef, p.proconfig, p.prosrc)
                       ELSE pg_get_functiondef(p.oid) END,
                  p.proacl, obj_description(p.oid, 'pg_proc'))
      FROM pg_proc p WHERE p.pronamespace = 'lead_router'::regnamespace
    UNION ALL
    SELECT format('type %s labels=%s comment=%s', t.typname,
                  (SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid),
                  obj_description(t.oid, 'pg_type'))
      FROM pg_type t WHERE t.typnamespace = 'lead_router'::regnamespace AND t.typtype IN ('e', 'c')
    UNION ALL
    SELECT format('dumped %s where %L', c.relname, e.extcondition[i])
      FROM pg_extension e, generate_subscripts(e.extconfig, 1) AS i
      JOIN pg_class c ON true
     WHERE e.extname = 'lead_router' AND c.oid = e.extconfig[i]
$$;
CREATE FUNCTION pg_temp.differences() RETURNS TABLE (side text, line text) LANGUAGE sql AS $$
    (SELECT 'only fresh', f.line FROM fresh f EXCEPT SELECT 'only fresh', c FROM pg_temp.catalog() c)
    UNION ALL
    (SELECT 'only updated', c FROM pg_temp.catalog() c EXCEPT SELECT 'only updated', f.line FROM fresh f)
    ORDER BY 1, 2
$$;

-- the catalog of a fresh install of the current version
INSERT INTO fresh SELECT * FROM pg_temp.catalog();
SELECT split_part(line, ' ', 1) AS kind, count(*) FROM fresh GROUP BY 1 ORDER BY 1;
DROP EXTENSION lead_router;

-- the update paths PostgreSQL sees
CREATE EXTENSION lead_router VERSION '0.1.0';
SELECT source, target, path FROM pg_extension_update_paths('lead_router')
 WHERE source IN ('0.1.0', '0.5.0') AND path IS NOT NULL ORDER BY source, target;

-- from 0.1.0: a rule stored before rules were validated, and a pending lead
INSERT INTO lead_router.workspaces (id, name, workspace_type) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'Inbound', 'internal'),
    ('00000000-0000-0000-0000-0000000000b1', 'Partner', 'partner');
INSERT INTO lead_router.leads (id, email, source_workspace_id)
VALUES ('10000000-0000-0000-0000-000000000001', 'a@x.com', '00000000-0000-0000-0000-0000000000a1');
INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id)
VALUES ('00000000-0000-0000-0000-0000000000a1', 'all', '{}', '00000000-0000-0000-0000-0000000000b1');
ALTER EXTENSION lead_router UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'lead_router';
SELECT status, right(destination_workspace_id::text, 2) AS destination
  FROM lead_router.route_lead('10000000-0000-0000-0000-000000000001');
SELECT * FROM pg_temp.differences();
DROP EXTENSION lead_router;

-- from 0.5.0: a routed lead, a duplicate of it, a queued lead with its open queue row, audit
-- rows (written as 0.5.0 wrote them: this library routes only its own SQL version)
CREATE EXTENSION lead_router VERSION '0.5.0';
INSERT INTO lead_router.workspaces (id, name, workspace_type) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'Inbound', 'internal'),
    ('00000000-0000-0000-0000-0000000000a2', 'Inbound two', 'internal'),
    ('00000000-0000-0000-0000-0000000000b1', 'Partner', 'partner');
INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id)
VALUES ('00000000-0000-0000-0000-0000000000a1', 'software', '{"company_industry": "software"}',
        '00000000-0000-0000-0000-0000000000b1');
INSERT INTO lead_router.leads (id, email, company_industry, source_workspace_id, workspace_id,
                               routing_status, routing_attempts, duplicate_of) VALUES
    ('10000000-0000-0000-0000-000000000001', 'a@x.com', 'software', '00000000-0000-0000-0000-0000000000a1',
     '00000000-0000-0000-0000-0000000000b1', 'routed', 1, NULL),
    ('10000000-0000-0000-0000-000000000002', 'A@X.com', 'software', '00000000-0000-0000-0000-0000000000a2',
     '00000000-0000-0000-0000-0000000000a2', 'routed', 1, '10000000-0000-0000-0000-000000000001'),
    ('10000000-0000-0000-0000-000000000003', 'c@x.com', 'mining', '00000000-0000-0000-0000-0000000000a1',
     '00000000-0000-0000-0000-0000000000a1', 'pending', 1, NULL);
INSERT INTO lead_router.routing_queue (lead_id, workspace_id, attempt_number, next_retry_at)
VALUES ('10000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-0000000000a1', 2, now() + interval '1 minute');
INSERT INTO lead_router.routing_logs (lead_id, source_workspace_id, destination_workspace_id, routing_result, attempt) VALUES
    ('10000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b1', 'success', 1),
    ('10000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-0000000000a2', NULL, 'duplicate', 1),
    ('10000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-0000000000a1', NULL, 'no_match', 1);
-- the new library refuses to route for the old SQL, and says how to fix it
SELECT pg_temp.refusal($$SELECT * FROM lead_router.routing_health()$$) AS old_sql_new_library;
CREATE TEMP TABLE rows_before AS
SELECT 'lead ' || (l.id, l.email, l.routing_status, l.workspace_id, l.duplicate_of, l.dedupe_hash)::text AS row
  FROM lead_router.leads l
UNION ALL SELECT 'queue ' || q::text FROM lead_router.routing_queue q
UNION ALL SELECT 'log ' || (g.id, g.lead_id, g.routing_result, g.attempt)::text FROM lead_router.routing_logs g;
ALTER EXTENSION lead_router UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'lead_router';
-- every row is still there, and routing goes on
SELECT count(*) AS rows_before, count(*) FILTER (WHERE b.row IN (
           SELECT 'lead ' || (l.id, l.email, l.routing_status, l.workspace_id, l.duplicate_of, l.dedupe_hash)::text
             FROM lead_router.leads l
           UNION ALL SELECT 'queue ' || q::text FROM lead_router.routing_queue q
           UNION ALL SELECT 'log ' || (g.id, g.lead_id, g.routing_result, g.attempt)::text
             FROM lead_router.routing_logs g)) AS rows_kept
  FROM rows_before b;
UPDATE lead_router.leads SET company_industry = 'software', routing_due_at = now()
 WHERE id = '10000000-0000-0000-0000-000000000003';
SELECT status, right(destination_workspace_id::text, 2) AS destination
  FROM lead_router.route_lead('10000000-0000-0000-0000-000000000003');
-- the leads of 0.5.0 wait for their keys; rebuild_identity_keys() gives them, and a lead
-- routed under 0.5.0 is the original of a new variant of the same person
SELECT outdated_identity_keys FROM lead_router.routing_health();
SET client_min_messages = warning;
CALL lead_router.rebuild_identity_keys(2);
RESET client_min_messages;
SELECT outdated_identity_keys FROM lead_router.routing_health();
SELECT right(id::text, 2) AS lead, email_key IS NOT NULL AS email_key, routed_at IS NOT NULL AS routed_at
  FROM lead_router.leads ORDER BY id;
INSERT INTO lead_router.leads (id, email, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000004', ' Ａ@X.COM ', '00000000-0000-0000-0000-0000000000a2');
SELECT status, right(duplicate_lead_id::text, 2) AS original, duplicate_key
  FROM lead_router.route_lead('10000000-0000-0000-0000-000000000004');
SELECT * FROM pg_temp.differences();
DROP EXTENSION lead_router;
