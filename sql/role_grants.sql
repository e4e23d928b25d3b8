-- When the documented roles exist, CREATE EXTENSION grants them what the README lists:
-- the application role its tables and routing functions, the service role everything.
\set VERBOSITY terse
CREATE ROLE lead_router_app NOLOGIN;
CREATE ROLE lead_router_service NOLOGIN BYPASSRLS;
CREATE EXTENSION lead_router;

SELECT c.relname,
       has_table_privilege('lead_router_app', c.oid, 'SELECT') AS app_select,
       has_table_privilege('lead_router_app', c.oid, 'INSERT') AS app_insert,
       has_table_privilege('lead_router_app', c.oid, 'DELETE') AS app_delete,
       has_any_column_privilege('lead_router_app', c.oid, 'UPDATE') AS app_update_some,
       has_table_privilege('lead_router_service', c.oid, 'SELECT,INSERT,UPDATE,DELETE') AS service_all
  FROM pg_class c
 WHERE c.relnamespace = 'lead_router'::regnamespace AND c.relkind = 'r'
 ORDER BY c.relname;

SELECT p.proname,
       has_function_privilege('lead_router_app', p.oid, 'EXECUTE') AS app,
       has_function_privilege('lead_router_service', p.oid, 'EXECUTE') AS service
  FROM pg_proc p
 WHERE p.pronamespace = 'lead_router'::regnamespace AND p.prorettype <> 'trigger'::regtype
 ORDER BY p.proname;

-- on leads, only identity and routing inputs
SELECT string_agg(attname, ', ' ORDER BY attnum) AS app_may_update
  FROM pg_attribute
 WHERE attrelid = 'lead_router.leads'::regclass AND attnum > 0
   AND has_column_privilege('lead_router_app', attrelid, attnum, 'UPDATE');

DROP EXTENSION lead_router;
DROP OWNED BY lead_router_app, lead_router_service;  -- their USAGE on the schema, which stays
DROP ROLE lead_router_app, lead_router_service;
