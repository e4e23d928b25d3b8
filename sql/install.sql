-- CREATE EXTENSION installs the documented objects; DROP EXTENSION removes every one of
-- them; saved statement plans survive a drop and re-create in the same session.
\set VERBOSITY terse
CREATE EXTENSION lead_router;

SELECT e.extname, e.extversion, n.nspname AS schema, e.extrelocatable
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'lead_router';

-- every member object, by kind
SELECT pg_describe_object(classid, objid, 0) AS member
  FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'lead_router')
 ORDER BY 1;

-- every index, with its definition
SELECT indexrelid::regclass AS index, pg_get_indexdef(indexrelid) AS definition
  FROM pg_index
 WHERE indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'lead_router'::regnamespace)
 ORDER BY indexrelid::regclass::text;

-- storage parameters: leads keeps room on each page for its rows' routed versions
SELECT oid::regclass AS relation, reloptions FROM pg_class
 WHERE relnamespace = 'lead_router'::regnamespace AND reloptions IS NOT NULL
 ORDER BY oid::regclass::text;

-- volatility, parallel safety, strictness, pinned search_path of every function
SELECT p.oid::regprocedure AS function, p.prokind, p.provolatile, p.proparallel, p.proisstrict,
       p.prosecdef, p.proconfig
  FROM pg_proc p
 WHERE p.pronamespace = 'lead_router'::regnamespace AND p.prorettype <> 'trigger'::regtype
 ORDER BY p.proname;

-- row-level security on every table with workspace data, forced, with its policies
SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
       (SELECT string_agg(p.polname || ' ' || p.polcmd::text || ' using=' || (p.polqual IS NOT NULL)
                          || ' check=' || (p.polwithcheck IS NOT NULL), ', ')
          FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
  FROM pg_class c
 WHERE c.relnamespace = 'lead_router'::regnamespace AND c.relkind = 'r'
 ORDER BY c.relname;

-- state-changing functions are not executable by PUBLIC
SELECT p.proname, has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
  FROM pg_proc p
 WHERE p.pronamespace = 'lead_router'::regnamespace
 ORDER BY p.proname;

-- a statement plan saved in this session keeps working across DROP/CREATE EXTENSION
INSERT INTO lead_router.workspaces (id, name) VALUES ('00000000-0000-0000-0000-0000000000a1', 'w');
INSERT INTO lead_router.leads (id, source_workspace_id)
VALUES ('10000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1');
SELECT lead_router.acquire_routing_lock('10000000-0000-0000-0000-000000000001',
                                        '0000000a-0000-0000-0000-000000000001');

DROP EXTENSION lead_router;

-- nothing is left: no object in the schema, no member, no function of the library
SELECT count(*) AS relations FROM pg_class WHERE relnamespace = 'lead_router'::regnamespace;
SELECT count(*) AS functions FROM pg_proc WHERE pronamespace = 'lead_router'::regnamespace;
SELECT count(*) AS types FROM pg_type WHERE typnamespace = 'lead_router'::regnamespace;
SELECT count(*) AS library_functions FROM pg_proc WHERE probin LIKE '%lead_router%';

CREATE EXTENSION lead_router;
INSERT INTO lead_router.workspaces (id, name) VALUES ('00000000-0000-0000-0000-0000000000a1', 'w');
INSERT INTO lead_router.leads (id, source_workspace_id)
VALUES ('10000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1');
SELECT lead_router.acquire_routing_lock('10000000-0000-0000-0000-000000000001',
                                        '0000000a-0000-0000-0000-000000000001');
SELECT routing_status FROM lead_router.leads;

-- the unqualified form works once the schema is on the search_path
SET search_path = lead_router, public;
SELECT generate_dedupe_hash('a@b.c', NULL, NULL) = lead_router.generate_dedupe_hash('a@b.c', NULL, NULL) AS same;
RESET search_path;

DROP EXTENSION lead_router;
