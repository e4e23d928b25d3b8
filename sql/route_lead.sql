-- route_lead: the whole flow in one call — lock, duplicate check, first matching rule, then
-- routed / duplicate / queued / failed; idempotent on routed leads; never waits.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;

INSERT INTO routing_rules (id, workspace_id, name, priority, conditions, destination_workspace_id, created_at) VALUES
    ('20000000-0000-0000-0000-000000000001', :'inbound', 'software to partner one', 100,
     '{"company_industry": "software"}', :'partner1', '2026-01-01'),
    ('20000000-0000-0000-0000-000000000002', :'inbound', 'big companies to partner two', 50,
     '{"company_size": {"gte": 500}}', :'partner2', '2026-01-01'),
    ('20000000-0000-0000-0000-000000000003', :'inbound', 'enterprise plan to partner one', 50,
     '{"attributes.plan": {"in": ["enterprise", "premium"]}}', :'partner1', '2026-01-02');

INSERT INTO leads (id, email, company_industry, company_size, attributes, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000001', 'ann@globex.com',  'Software',      20, '{}', :'inbound'),
    ('10000000-0000-0000-0000-000000000002', 'bob@initech.com', 'manufacturing', 800, '{}', :'inbound'),
    ('10000000-0000-0000-0000-000000000003', 'cid@school.edu',  'education',     10, '{}', :'inbound'),
    ('10000000-0000-0000-0000-000000000004', ' ANN@Globex.com', 'software',      20, '{}', :'inbound'),
    ('10000000-0000-0000-0000-000000000005', 'dee@hooli.com',   'retail',       900, '{"plan": "premium"}', :'inbound'),
    ('10000000-0000-0000-0000-000000000006', 'eve@corp.com',    'retail',        5, '{"plan": "ENTERPRISE"}', :'inbound');

-- the result row, with ids shortened to their last two characters
CREATE FUNCTION pg_temp.route(lead text, max_attempts int DEFAULT 3)
RETURNS TABLE (success boolean, status text, destination text, rule text, is_duplicate boolean,
               duplicate_of text, error text, attempt int)
LANGUAGE sql AS $$
    SELECT r.success, r.status, right(r.destination_workspace_id::text, 2), right(r.matched_rule_id::text, 2),
           r.is_duplicate, right(r.duplicate_lead_id::text, 2), r.error, r.attempt
      FROM lead_router.route_lead(('10000000-0000-0000-0000-0000000000' || lead)::uuid, NULL, max_attempts) r
$$;
CREATE TEMP VIEW lead_state AS
SELECT right(id::text, 2) AS lead, routing_status, right(workspace_id::text, 2) AS owner,
       right(duplicate_of::text, 2) AS duplicate_of, routing_attempts AS attempts, routing_error
  FROM lead_router.leads ORDER BY id;
CREATE TEMP VIEW audit AS
SELECT right(lead_id::text, 2) AS lead, routing_result, right(destination_workspace_id::text, 2) AS destination,
       right(matched_rule_id::text, 2) AS rule, attempt, error_message
  FROM lead_router.routing_logs ORDER BY id;

-- a match: the highest-priority matching rule wins (text compares case-insensitively)
SELECT * FROM pg_temp.route('01');
-- priority 50 tie between rules 02 and 03: the older rule (02) is evaluated first
SELECT * FROM pg_temp.route('05');
-- attributes: 'ENTERPRISE' is in ["enterprise", "premium"]
SELECT * FROM pg_temp.route('06');
SELECT * FROM pg_temp.route('02');

-- the same person again (different spelling) is a duplicate of lead 01, now partner one's:
-- routed as a duplicate, kept in its source workspace, never delivered twice
SELECT * FROM pg_temp.route('04');

-- no rule matches: queued with backoff, then failed at the last attempt
SELECT * FROM pg_temp.route('03');
SELECT right(lead_id::text, 2) AS lead, attempt_number, max_attempts,
       extract(epoch FROM next_retry_at - now()) BETWEEN 54 AND 66 AS about_1_min
  FROM routing_queue WHERE processed_at IS NULL;
SELECT * FROM pg_temp.route('03');
SELECT * FROM pg_temp.route('03');
SELECT count(*) FILTER (WHERE processed_at IS NULL) AS open_queue_rows FROM routing_queue;

SELECT * FROM lead_state;
SELECT * FROM audit;

-- idempotent: routing a routed lead again returns its recorded outcome and changes nothing
SELECT count(*) AS audit_rows_before FROM routing_logs;
SELECT * FROM pg_temp.route('01');
SELECT * FROM pg_temp.route('04');
SELECT count(*) AS audit_rows_after FROM routing_logs;

-- a failed lead can be routed again with more attempts (and matches once a rule exists)
INSERT INTO routing_rules (id, workspace_id, name, conditions, destination_workspace_id)
VALUES ('20000000-0000-0000-0000-000000000004', :'inbound', 'education to partner two', '{"company_industry": {"eq": "education"}}', :'partner2');
SELECT * FROM pg_temp.route('03', 5);

-- max_attempts 1: the first miss is final
INSERT INTO leads (id, company_industry, source_workspace_id)
VALUES ('10000000-0000-0000-0000-000000000007', 'mining', :'inbound');
SELECT * FROM pg_temp.route('07', 1);

-- the source workspace, when given, must be the lead's
INSERT INTO leads (id, company_industry, source_workspace_id)
VALUES ('10000000-0000-0000-0000-000000000008', 'software', :'inbound');
SELECT pg_temp.error_of(format('SELECT lead_router.route_lead(%L, %L)',
       '10000000-0000-0000-0000-000000000008', :'inbound2')) AS wrong_source;
SELECT status, right(destination_workspace_id::text, 2) AS destination
  FROM route_lead('10000000-0000-0000-0000-000000000008', :'inbound');

-- a lead under a fresh routing lock is reported locked; a stale lock is taken over
INSERT INTO leads (id, company_industry, source_workspace_id)
VALUES ('10000000-0000-0000-0000-000000000009', 'software', :'inbound');
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000009', :'owner1');
SELECT * FROM pg_temp.route('09');
UPDATE leads SET routing_locked_at = now() - interval '10 minutes'
 WHERE id = '10000000-0000-0000-0000-000000000009';
SELECT * FROM pg_temp.route('09');
SELECT * FROM audit WHERE lead = '09';

-- an expired lead is not routed
INSERT INTO leads (id, company_industry, source_workspace_id, routing_status)
VALUES ('10000000-0000-0000-0000-000000000010', 'software', :'inbound', 'expired');
SELECT * FROM pg_temp.route('10');

-- a rule whose destination is deactivated is skipped; the next matching rule is used
INSERT INTO leads (id, company_industry, company_size, attributes, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000011', 'retail', 5, '{"plan": "enterprise"}', :'inbound'),
    ('10000000-0000-0000-0000-000000000012', 'software', 600, '{}', :'inbound');
UPDATE workspaces SET is_active = false WHERE id = :'partner1';
SELECT * FROM pg_temp.route('12');
SELECT * FROM pg_temp.route('11');
UPDATE workspaces SET is_active = true WHERE id = :'partner1';

-- bad input
SELECT pg_temp.error_of(format('SELECT lead_router.route_lead(%L)', :'nolead')) AS unknown_lead;
SELECT pg_temp.error_of('SELECT lead_router.route_lead(NULL)') AS null_lead;
SELECT pg_temp.error_of('SELECT lead_router.route_lead(''10000000-0000-0000-0000-000000000012'', NULL, 0)') AS zero_attempts;
SELECT pg_temp.error_of('SELECT lead_router.route_lead(''10000000-0000-0000-0000-000000000012'', NULL, -3)') AS negative_attempts;
SELECT pg_temp.error_of('SELECT lead_router.route_lead(''10000000-0000-0000-0000-000000000012'', NULL, NULL)') AS null_attempts;
SELECT pg_temp.error_of('SELECT lead_router.route_lead(''zz'')') AS malformed_uuid;

-- the unqualified and the qualified form agree, whatever the search_path
SET search_path = public;
SELECT status FROM lead_router.route_lead('10000000-0000-0000-0000-000000000012');
SET search_path = lead_router, public;
SELECT status FROM route_lead('10000000-0000-0000-0000-000000000012');

\i sql/fixtures/teardown.sql
