-- A user who controls a schema early in the search_path shadows functions and operators the
-- extension uses (lower(text), now(), = on uuid and text, count(*), gen_random_uuid(), a
-- table named leads) and calls every lead_router function: none of the shadowing objects
-- runs, because the functions pin search_path and qualify what they touch.
\i sql/fixtures/setup.sql

CREATE SCHEMA hijack;
CREATE TABLE hijack.calls (what text);
CREATE FUNCTION hijack.lower(text) RETURNS text LANGUAGE sql
    AS $$ INSERT INTO hijack.calls VALUES ('lower'); SELECT 'hijacked' $$;
CREATE FUNCTION hijack.now() RETURNS timestamptz LANGUAGE sql
    AS $$ INSERT INTO hijack.calls VALUES ('now'); SELECT '2000-01-01'::timestamptz $$;
CREATE FUNCTION hijack.gen_random_uuid() RETURNS uuid LANGUAGE sql
    AS $$ INSERT INTO hijack.calls VALUES ('gen_random_uuid'); SELECT '00000000-0000-0000-0000-000000000000'::uuid $$;
CREATE FUNCTION hijack.count(anyelement) RETURNS bigint LANGUAGE sql
    AS $$ INSERT INTO hijack.calls VALUES ('count'); SELECT 42::bigint $$;
CREATE FUNCTION hijack.uuid_eq(uuid, uuid) RETURNS boolean LANGUAGE sql
    AS $$ INSERT INTO hijack.calls VALUES ('= uuid'); SELECT true $$;
CREATE OPERATOR hijack.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = hijack.uuid_eq);
CREATE FUNCTION hijack.text_eq(text, text) RETURNS boolean LANGUAGE sql
    AS $$ INSERT INTO hijack.calls VALUES ('= text'); SELECT true $$;
CREATE OPERATOR hijack.= (LEFTARG = text, RIGHTARG = text, FUNCTION = hijack.text_eq);
CREATE FUNCTION hijack.ts_lt(timestamptz, timestamptz) RETURNS boolean LANGUAGE sql
    AS $$ INSERT INTO hijack.calls VALUES ('< timestamptz'); SELECT true $$;
CREATE OPERATOR hijack.< (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = hijack.ts_lt);
CREATE TABLE hijack.leads (id uuid, routing_status text);
CREATE TABLE hijack.routing_logs (id int);

INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id)
VALUES (:'inbound', 'software', '{"company_industry": "software"}', :'partner1');
INSERT INTO lead_router.leads (id, email, company_industry, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000001', 'a@x.com', 'software', :'inbound'),
    ('10000000-0000-0000-0000-000000000002', 'b@x.com', 'mining',   :'inbound'),
    ('10000000-0000-0000-0000-000000000003', 'c@x.com', 'software', :'inbound'),
    ('10000000-0000-0000-0000-000000000004', 'd@x.com', 'software', :'inbound'),
    ('10000000-0000-0000-0000-000000000005', 'e@x.com', 'software', :'inbound');
INSERT INTO lead_router.routing_logs (lead_id, source_workspace_id, routing_result, created_at)
VALUES ('10000000-0000-0000-0000-000000000001', :'inbound', 'retry', '2000-01-01');

-- the hijacker's schema comes first, even before pg_catalog
SET search_path = hijack, pg_catalog, lead_router, public;
SELECT lower('X') AS shadowing_works, now() = '2000-01-01' AS so_does_this;
TRUNCATE hijack.calls;

-- every lead_router function
SELECT length(lead_router.generate_dedupe_hash('A@X.com', '+1 555', 'Acme')) AS hash_length;
SELECT lead_router.current_user_id() IS NULL AS no_user;
SELECT lead_router.acquire_routing_lock('10000000-0000-0000-0000-000000000003', :'owner1') AS locked;
SELECT lead_router.complete_routing('10000000-0000-0000-0000-000000000003', :'partner1', NULL, :'owner1') AS completed;
SELECT lead_router.acquire_routing_lock('10000000-0000-0000-0000-000000000004', :'owner1') AS locked;
SELECT lead_router.fail_routing('10000000-0000-0000-0000-000000000004', 'x', :'owner1') AS failed;
SELECT status FROM lead_router.route_lead('10000000-0000-0000-0000-000000000001');
SELECT count(*) AS batch_rows FROM lead_router.route_pending_leads(10);
SELECT count(*) AS explained FROM lead_router.explain_route('10000000-0000-0000-0000-000000000002');
SELECT count(*) AS owners FROM lead_router.check_cross_partner_duplicate(
    lead_router.generate_dedupe_hash('a@x.com', NULL, NULL), :'inbound');
SELECT lead_router.release_stale_routing_locks() AS released;
SELECT lead_router.mark_expired_leads() AS expired;
UPDATE lead_router.routing_queue SET next_retry_at = '2000-01-01' WHERE processed_at IS NULL;
UPDATE lead_router.leads SET routing_due_at = '2000-01-01'
 WHERE routing_status OPERATOR(pg_catalog.=) 'pending';
SELECT processed FROM lead_router.process_retry_queue(10);
SELECT verdict IS NOT NULL AS health FROM lead_router.routing_health();
SELECT lead_router.check_routing_health() IS NOT NULL AS checked;
SELECT lead_router.reset_routing_stats();
CALL lead_router.prune_routing_history('1 day', 1);
SELECT pg_temp.error_of('SELECT * FROM lead_router.schedule_maintenance()') AS schedule;
SELECT pg_temp.error_of('SELECT lead_router.unschedule_maintenance()') AS unschedule;
-- and the triggers: leads, rules, workspaces, the audit log (this test's own statements
-- qualify their operators, so that only the extension's code is on trial)
UPDATE lead_router.leads SET email = 'new@x.com'
 WHERE id OPERATOR(pg_catalog.=) '10000000-0000-0000-0000-000000000005';
INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id)
VALUES (:'inbound2', 'all', '{"country": {"in": ["DE"]}}', :'partner2');
UPDATE lead_router.workspaces SET name = 'Inbound (renamed)' WHERE id OPERATOR(pg_catalog.=) :'inbound';
SELECT pg_temp.error_of('DELETE FROM lead_router.routing_logs') AS append_only;

RESET search_path;
-- not one call reached the hijacker's objects
SELECT count(*) AS hijacked_calls, string_agg(DISTINCT what, ', ') AS which FROM hijack.calls;
-- and the results are the real ones
SELECT right(id::text, 1) AS lead, routing_status, dedupe_hash = lead_router.generate_dedupe_hash(email, phone, company_name) AS hash_ok
  FROM lead_router.leads ORDER BY id;
SELECT count(*) AS old_logs_pruned_to FROM lead_router.routing_logs WHERE created_at < '2001-01-01';

\i sql/fixtures/teardown.sql
DROP SCHEMA hijack CASCADE;
