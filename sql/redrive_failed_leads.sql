-- redrive_failed_leads(lead_ids, max_attempts): failed leads back to pending, attempts
-- counted afresh, due now, with a queue row that carries max_attempts and an audit row
-- `redriven`; every other state is left alone and reported; a failed lead past
-- lead_expires_at is expired instead.  Access as route_lead checks it: a lead of another
-- workspace looks unknown (P0002); NULL redrives every failed lead the caller may see.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;
SET lead_router.identity_scope = session;

CREATE TEMP VIEW lead_state AS
SELECT right(id::text, 2) AS lead, routing_status, routing_attempts AS attempts,
       routing_due_at <= now() AS due, routing_error
  FROM lead_router.leads ORDER BY id;
CREATE TEMP VIEW open_queue AS
SELECT right(lead_id::text, 2) AS lead, attempt_number, max_attempts, next_retry_at <= now() AS due,
       last_error
  FROM lead_router.routing_queue WHERE processed_at IS NULL ORDER BY lead_id;

-- one lead in each state; no rule matches anything yet, so route_lead(..., 1) fails a lead
-- for good at its first attempt
INSERT INTO leads (id, company_industry, source_workspace_id, lead_expires_at) VALUES
    ('10000000-0000-0000-0000-000000000001', 'software', :'inbound', NULL),  -- pending
    ('10000000-0000-0000-0000-000000000002', 'software', :'inbound', NULL),  -- routing
    ('10000000-0000-0000-0000-000000000003', 'software', :'inbound', NULL),  -- routed
    ('10000000-0000-0000-0000-000000000004', 'software', :'inbound', NULL),  -- failed
    ('10000000-0000-0000-0000-000000000005', 'software', :'inbound', NULL),  -- failed, then past expiry
    ('10000000-0000-0000-0000-000000000006', 'software', :'inbound', now() - interval '1 day'),  -- expired
    ('10000000-0000-0000-0000-000000000007', 'software', :'inbound2', NULL);  -- failed, bob's workspace
SELECT right(id::text, 2) AS lead, (route_lead(id, NULL, 1)).status
  FROM leads WHERE id IN ('10000000-0000-0000-0000-000000000004', '10000000-0000-0000-0000-000000000005',
                          '10000000-0000-0000-0000-000000000006', '10000000-0000-0000-0000-000000000007')
 ORDER BY id;
UPDATE leads SET lead_expires_at = now() - interval '1 minute' WHERE id = '10000000-0000-0000-0000-000000000005';
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000002', :'owner1');
INSERT INTO routing_rules (workspace_id, name, conditions, destination_workspace_id)
VALUES (:'inbound', 'software', '{"company_industry": "software"}', :'partner1');
SELECT status FROM route_lead('10000000-0000-0000-0000-000000000003');
SELECT * FROM lead_state;

-- each state, listed (a lead listed twice is reported once, in the order first given)
SELECT right(lead_id::text, 2) AS lead, status
  FROM redrive_failed_leads(ARRAY['10000000-0000-0000-0000-000000000004', '10000000-0000-0000-0000-000000000001',
                                  '10000000-0000-0000-0000-000000000002', '10000000-0000-0000-0000-000000000003',
                                  '10000000-0000-0000-0000-000000000005', '10000000-0000-0000-0000-000000000006',
                                  '10000000-0000-0000-0000-000000000004']::uuid[], 5);
SELECT * FROM lead_state;
SELECT * FROM open_queue;
SELECT right(lead_id::text, 2) AS lead, routing_result, attempt, error_message
  FROM routing_logs WHERE routing_result IN ('redriven', 'expired') ORDER BY id;

-- a second redrive of the same lead: it is pending now, so nothing happens
SELECT right(lead_id::text, 2) AS lead, status
  FROM redrive_failed_leads(ARRAY['10000000-0000-0000-0000-000000000004']::uuid[]);
SELECT count(*) AS redriven_rows FROM routing_logs WHERE routing_result = 'redriven';

-- the retry queue routes the redriven lead as its first attempt of a new life
SELECT * FROM process_retry_queue(10);
SELECT lead, routing_status, attempts FROM lead_state WHERE lead = '04';
SELECT right(lead_id::text, 2) AS lead, routing_result, attempt FROM routing_logs
 WHERE lead_id = '10000000-0000-0000-0000-000000000004' ORDER BY id;

-- attempts counted afresh, up to the new max_attempts: a lead failed after 1 attempt,
-- redriven with max_attempts 2, is queued once more and then failed again
INSERT INTO leads (id, company_industry, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000008', 'mining', :'inbound');
SELECT status, attempt FROM route_lead('10000000-0000-0000-0000-000000000008', NULL, 1);
SELECT right(lead_id::text, 2) AS lead, status
  FROM redrive_failed_leads(ARRAY['10000000-0000-0000-0000-000000000008']::uuid[], 2);
SELECT * FROM process_retry_queue(10);
SELECT * FROM lead_state WHERE lead = '08';
UPDATE routing_queue SET next_retry_at = now() WHERE processed_at IS NULL;
UPDATE leads SET routing_due_at = now() WHERE id = '10000000-0000-0000-0000-000000000008';
SELECT * FROM process_retry_queue(10);
SELECT * FROM lead_state WHERE lead = '08';
SELECT right(lead_id::text, 2) AS lead, routing_result, attempt FROM routing_logs
 WHERE lead_id = '10000000-0000-0000-0000-000000000008' ORDER BY id;

-- access, as route_lead checks it
CREATE ROLE lead_router_app NOLOGIN;
CREATE ROLE regress_lr_redrive_alice LOGIN IN ROLE lead_router_app;
GRANT USAGE ON SCHEMA lead_router TO lead_router_app;
GRANT EXECUTE ON FUNCTION redrive_failed_leads(uuid[], integer) TO lead_router_app;
\set alice aaaaaaaa-0000-0000-0000-000000000001
INSERT INTO user_workspaces (user_id, workspace_id) VALUES (:'alice', :'inbound');
INSERT INTO leads (id, company_industry, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000009', 'mining', :'inbound');
SELECT status FROM route_lead('10000000-0000-0000-0000-000000000009', NULL, 1);
SET ROLE regress_lr_redrive_alice;
-- no application user: a listed lead looks unknown, and NULL finds nothing
SELECT pg_temp.error_of($$SELECT * FROM lead_router.redrive_failed_leads(ARRAY['10000000-0000-0000-0000-000000000009']::uuid[])$$) AS no_user_listed;
SELECT count(*) AS no_user_all FROM redrive_failed_leads();
SET lead_router.user_id = :'alice';
-- a lead of bob's workspace looks unknown too, and nothing is redriven, not even alice's
SELECT pg_temp.error_of($$SELECT * FROM lead_router.redrive_failed_leads(ARRAY['10000000-0000-0000-0000-000000000009', '10000000-0000-0000-0000-000000000007']::uuid[])$$) AS other_workspace;
SELECT pg_temp.error_of($$SELECT * FROM lead_router.redrive_failed_leads(ARRAY['1000dead-0000-0000-0000-000000000000']::uuid[])$$) AS unknown_lead;
RESET ROLE;
SELECT lead, routing_status FROM lead_state WHERE lead IN ('07', '09');
SET ROLE regress_lr_redrive_alice;
-- NULL: every failed lead alice may see (08, 09), not bob's (07)
SELECT right(lead_id::text, 2) AS lead, status FROM redrive_failed_leads();
RESET ROLE;
SELECT lead, routing_status FROM lead_state WHERE lead IN ('07', '09');
-- the service path (superuser here): every failed lead
SELECT right(lead_id::text, 2) AS lead, status FROM redrive_failed_leads(NULL, 3);
SELECT lead, routing_status FROM lead_state WHERE lead = '07';
-- nothing failed any more
SELECT count(*) AS nothing_left FROM redrive_failed_leads();
-- without the grant (PUBLIC has none) it may not be run
RESET lead_router.user_id;
REVOKE EXECUTE ON FUNCTION redrive_failed_leads(uuid[], integer) FROM lead_router_app;
SET ROLE regress_lr_redrive_alice;
SELECT pg_temp.error_of('SELECT * FROM lead_router.redrive_failed_leads()') AS without_grant;
RESET ROLE;

-- bad arguments
SELECT pg_temp.error_of('SELECT * FROM lead_router.redrive_failed_leads(NULL, 0)') AS zero_attempts;
SELECT pg_temp.error_of('SELECT * FROM lead_router.redrive_failed_leads(NULL, 101)') AS too_many_attempts;
SELECT pg_temp.error_of('SELECT * FROM lead_router.redrive_failed_leads(NULL, NULL)') AS null_attempts;
SELECT pg_temp.error_of($$SELECT * FROM lead_router.redrive_failed_leads(ARRAY[NULL]::uuid[])$$) AS null_element;
SELECT count(*) AS empty_list FROM redrive_failed_leads(ARRAY[]::uuid[]);

\i sql/fixtures/teardown.sql
DROP OWNED BY regress_lr_redrive_alice, lead_router_app;
DROP ROLE regress_lr_redrive_alice, lead_router_app;
