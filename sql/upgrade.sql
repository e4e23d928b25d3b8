-- Upgrade path: a 0.1.0 installation with data is updated to the current version through
-- the upgrade scripts, keeps its data, and ends with the same objects as a fresh install.
\set VERBOSITY terse
CREATE EXTENSION lead_router VERSION '0.1.0';
SELECT extversion FROM pg_extension WHERE extname = 'lead_router';
INSERT INTO lead_router.workspaces (id, name, workspace_type) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'Inbound', 'internal'),
    ('00000000-0000-0000-0000-0000000000b1', 'Partner', 'partner');
INSERT INTO lead_router.leads (id, email, source_workspace_id)
VALUES ('10000000-0000-0000-0000-000000000001', 'a@x.com', '00000000-0000-0000-0000-0000000000a1');
-- a rule stored by 0.1.0, before rules were validated
INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id)
VALUES ('00000000-0000-0000-0000-0000000000a1', 'all', '{}', '00000000-0000-0000-0000-0000000000b1');

-- the update path PostgreSQL sees
SELECT source, target, path FROM pg_extension_update_paths('lead_router')
 WHERE source = '0.1.0' ORDER BY target;
ALTER EXTENSION lead_router UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'lead_router';
SELECT status, right(destination_workspace_id::text, 2) AS destination
  FROM lead_router.route_lead('10000000-0000-0000-0000-000000000001');

-- the updated extension has exactly the members of a fresh install
CREATE TEMP TABLE updated_members AS
SELECT pg_describe_object(classid, objid, 0) AS member FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'lead_router');
DROP EXTENSION lead_router;
CREATE EXTENSION lead_router;
CREATE TEMP TABLE fresh_members AS
SELECT pg_describe_object(classid, objid, 0) AS member FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'lead_router');
SELECT count(*) AS members, count(*) FILTER (WHERE member NOT IN (SELECT member FROM updated_members)) AS only_fresh,
       (SELECT count(*) FROM updated_members WHERE member NOT IN (SELECT member FROM fresh_members)) AS only_updated
  FROM fresh_members;
DROP EXTENSION lead_router;
