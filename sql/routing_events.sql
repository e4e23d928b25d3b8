-- routing_events(after_id, max_rows): the audit log as a durable cursor.  Rows come in id
-- order, at most max_rows, after after_id; row-level security shows each application user
-- its workspaces' rows only; a transaction's own uncommitted audit rows are never returned
-- (they hold the horizon back); PREPARE TRANSACTION of a transaction that wrote audit rows
-- is refused; the id sequence must hand out ids one at a time.  The settings of arrival
-- routing: route_on_arrival (reload) and workers (server start).
-- Needs the library preloaded: routing_events_1.out is the output of a server without it
-- (routing_events() refused with 55000, lead_router.workers undefined, PREPARE not refused).
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;
SET lead_router.identity_scope = session;
-- a lock left behind (say, by a prepared transaction) fails the test instead of hanging it
SET lock_timeout = '1min';

-- the settings: arrival routing is on by default and set in the server configuration
SHOW lead_router.route_on_arrival;
SHOW lead_router.workers;
SELECT pg_temp.error_of('SET lead_router.route_on_arrival = off') AS set_route_on_arrival;
SELECT pg_temp.error_of('SET lead_router.workers = 2') AS set_workers;

-- the trigger that makes the feed gap-free fires for every session_replication_role
SELECT tgname, tgenabled, pg_get_triggerdef(oid) LIKE '%BEFORE INSERT%FOR EACH STATEMENT%' AS before_statement
  FROM pg_trigger WHERE tgrelid = 'routing_logs'::regclass AND tgname = 'routing_logs_id_floor';

CREATE ROLE lead_router_app NOLOGIN;
CREATE ROLE regress_lr_events_alice LOGIN IN ROLE lead_router_app;
CREATE ROLE regress_lr_events_bob LOGIN IN ROLE lead_router_app;
CREATE ROLE regress_lr_events_nobody LOGIN;
GRANT USAGE ON SCHEMA lead_router TO lead_router_app, regress_lr_events_nobody;
GRANT SELECT ON routing_logs, leads, user_workspaces TO lead_router_app;
\set alice aaaaaaaa-0000-0000-0000-000000000001
\set bob   bbbbbbbb-0000-0000-0000-000000000002
-- alice works in inbound and for partner one; bob in the second inbound workspace
INSERT INTO user_workspaces (user_id, workspace_id) VALUES
    (:'alice', :'inbound'), (:'alice', :'partner1'), (:'bob', :'inbound2');

INSERT INTO routing_rules (id, workspace_id, name, conditions, destination_workspace_id) VALUES
    ('20000000-0000-0000-0000-000000000001', :'inbound', 'software', '{"company_industry": "software"}', :'partner1'),
    ('20000000-0000-0000-0000-000000000002', :'inbound2', 'all', '{}', :'partner2');
INSERT INTO leads (id, email, company_industry, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-0000000000a1', 'ann@x.com', 'software', :'inbound'),
    ('10000000-0000-0000-0000-0000000000a2', 'amy@x.com', 'mining',   :'inbound'),
    ('10000000-0000-0000-0000-0000000000b1', 'ANN@x.com', 'software', :'inbound2'),
    ('10000000-0000-0000-0000-0000000000b2', 'bea@x.com', 'software', :'inbound2');
-- a success to partner one, a no_match (queued), a duplicate of the first, a success to
-- partner two: audit ids 1 to 4
SELECT right(id::text, 2) AS lead, (route_lead(id)).status FROM leads ORDER BY id;

-- the service path (superuser here) reads every row, with the outcome of each
SELECT id, right(lead_id::text, 2) AS lead, routing_result, right(source_workspace_id::text, 2) AS source,
       right(destination_workspace_id::text, 2) AS destination, matched_rule_id IS NOT NULL AS rule,
       right(duplicate_lead_id::text, 2) AS original, duplicate_key,
       right(duplicate_owner_workspace_id::text, 2) AS owner, error_message, attempt,
       created_at <= now() AS created
  FROM routing_events();

-- paging: remember the last id, pass it next time
SELECT array_agg(id ORDER BY id) AS page_1 FROM routing_events(0, 2);
SELECT array_agg(id ORDER BY id) AS page_2 FROM routing_events(2, 2);
SELECT count(*) AS page_3 FROM routing_events(4, 2);
SELECT count(*) AS after_the_end FROM routing_events(1000);

-- row-level security: each user reads the rows of its workspaces (source or destination)
SET ROLE regress_lr_events_alice;
SET lead_router.user_id = :'alice';
SELECT id, right(lead_id::text, 2) AS lead, routing_result FROM routing_events();
SET ROLE regress_lr_events_bob;
SET lead_router.user_id = :'bob';
SELECT id, right(lead_id::text, 2) AS lead, routing_result,
       right(duplicate_lead_id::text, 2) AS original FROM routing_events();
-- bob pages the same way: the first of his rows after id 1
SELECT id, right(lead_id::text, 2) AS lead FROM routing_events(1, 1);
-- no application user: no rows
RESET lead_router.user_id;
SELECT count(*) AS no_user FROM routing_events();
-- a role that may not read the audit log at all
SET ROLE regress_lr_events_nobody;
SELECT pg_temp.error_of('SELECT * FROM lead_router.routing_events()') AS no_select;
RESET ROLE;

-- bad arguments
SELECT pg_temp.error_of('SELECT * FROM lead_router.routing_events(NULL)') AS null_after;
SELECT pg_temp.error_of('SELECT * FROM lead_router.routing_events(-1)') AS negative_after;
SELECT pg_temp.error_of('SELECT * FROM lead_router.routing_events(0, NULL)') AS null_max;
SELECT pg_temp.error_of('SELECT * FROM lead_router.routing_events(0, 0)') AS zero_max;
SELECT pg_temp.error_of('SELECT * FROM lead_router.routing_events(0, 10001)') AS huge_max;

-- a transaction's own uncommitted audit rows are not returned, nor any after them: they
-- could still roll back
INSERT INTO leads (id, company_industry, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-0000000000a3', 'software', :'inbound'),
    ('10000000-0000-0000-0000-0000000000a4', 'software', :'inbound');
BEGIN;
SELECT status FROM route_lead('10000000-0000-0000-0000-0000000000a3');
SELECT count(*) AS own_rows_in_transaction FROM routing_events(4);
COMMIT;
SELECT id, right(lead_id::text, 2) AS lead, routing_result FROM routing_events(4);
BEGIN;
SELECT status FROM route_lead('10000000-0000-0000-0000-0000000000a4');
ROLLBACK;
SELECT count(*) AS rolled_back FROM routing_events(5);

-- PREPARE TRANSACTION of a transaction that wrote audit rows is refused (and rolled back).
-- Whatever the server did, nothing stays prepared: a prepared transaction keeps its locks,
-- and the teardown's DROP EXTENSION would wait for it for ever.
BEGIN;
SELECT status FROM route_lead('10000000-0000-0000-0000-0000000000a4');
PREPARE TRANSACTION 'regress_lr_events_wrote';
SELECT count(*) AS prepared FROM pg_prepared_xacts WHERE gid = 'regress_lr_events_wrote';
SELECT count(*) > 0 AS was_prepared FROM pg_prepared_xacts WHERE gid = 'regress_lr_events_wrote' \gset
\if :was_prepared
ROLLBACK PREPARED 'regress_lr_events_wrote';
\endif
SELECT routing_status FROM leads WHERE id = '10000000-0000-0000-0000-0000000000a4';
-- one that did not is not refused
BEGIN;
SELECT count(*) FROM leads;
PREPARE TRANSACTION 'regress_lr_events_read';
SELECT count(*) > 0 AS was_prepared FROM pg_prepared_xacts WHERE gid = 'regress_lr_events_read' \gset
\if :was_prepared
ROLLBACK PREPARED 'regress_lr_events_read';
\endif
SELECT count(*) AS left_prepared FROM pg_prepared_xacts WHERE gid LIKE 'regress_lr_events%';
-- and the audit rows that follow are read as before
SELECT status FROM route_lead('10000000-0000-0000-0000-0000000000a4');
SELECT id, right(lead_id::text, 2) AS lead, routing_result FROM routing_events(5);

-- the id sequence must hand out ids one at a time
ALTER SEQUENCE routing_logs_id_seq CACHE 20;
SELECT pg_temp.error_of('SELECT * FROM lead_router.routing_events()') AS cached_ids;
ALTER SEQUENCE routing_logs_id_seq CACHE 1 CYCLE;
SELECT pg_temp.error_of('SELECT * FROM lead_router.routing_events()') AS cycling_ids;
ALTER SEQUENCE routing_logs_id_seq NO CYCLE;
SELECT count(*) AS rows_again FROM routing_events();

\i sql/fixtures/teardown.sql
DROP OWNED BY regress_lr_events_alice, regress_lr_events_bob, regress_lr_events_nobody, lead_router_app;
DROP ROLE regress_lr_events_alice, regress_lr_events_bob, regress_lr_events_nobody, lead_router_app;
