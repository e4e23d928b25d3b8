-- explain_route: a dry run over every active rule of the lead's source workspace, in
-- evaluation order, with the first failing condition and the lead's value; no changes.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;

INSERT INTO routing_rules (id, workspace_id, name, priority, conditions, destination_workspace_id, created_at, is_active) VALUES
    ('20000000-0000-0000-0000-000000000001', :'inbound', 'big software', 100,
     '{"company_industry": "software", "company_size": {"between": [500, 10000]}}', :'partner1', '2026-01-01', true),
    ('20000000-0000-0000-0000-000000000002', :'inbound', 'north america', 90,
     '{"country": {"in": ["US", "CA"]}}', :'partner2', '2026-01-01', true),
    ('20000000-0000-0000-0000-000000000003', :'inbound', 'budget or referral', 80,
     '{"any": [{"attributes.budget": {"gte": 10000}}, {"attributes.referral": {"exists": true}}]}', :'partner2', '2026-01-01', true),
    ('20000000-0000-0000-0000-000000000004', :'inbound', 'switched off', 70, '{}', :'partner1', '2026-01-01', false),
    ('20000000-0000-0000-0000-000000000005', :'inbound', 'catch-all', 0, '{}', :'partner1', '2026-01-01', true),
    ('20000000-0000-0000-0000-000000000006', :'inbound2', 'other workspace', 100, '{}', :'partner1', '2026-01-01', true);

INSERT INTO leads (id, email, company_industry, company_size, country, attributes, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000001', 'a@x.com', 'software', 800, 'DE', '{"budget": 5000}', :'inbound');

SELECT right(rule_id::text, 2) AS rule, rule_name, priority, right(destination_workspace_id::text, 2) AS destination,
       matched, failed_condition, expected, lead_value
  FROM explain_route('10000000-0000-0000-0000-000000000001');

-- another lead: the first rule fails on company_size, which it does not have
INSERT INTO leads (id, company_industry, country, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000002', 'Software', 'us', :'inbound');
SELECT right(rule_id::text, 2) AS rule, matched, failed_condition, expected, lead_value
  FROM explain_route('10000000-0000-0000-0000-000000000002');

-- a rule whose destination is inactive is shown and explained, not matched
UPDATE workspaces SET is_active = false WHERE id = :'partner2';
SELECT right(rule_id::text, 2) AS rule, matched, failed_condition, expected, lead_value
  FROM explain_route('10000000-0000-0000-0000-000000000002');
UPDATE workspaces SET is_active = true WHERE id = :'partner2';

-- a dry run changes nothing and writes no audit row
SELECT routing_status, routing_attempts FROM leads ORDER BY id;
SELECT count(*) AS audit_rows FROM routing_logs;
-- it agrees with route_lead
SELECT status, right(matched_rule_id::text, 2) AS rule FROM route_lead('10000000-0000-0000-0000-000000000002');

-- bad input
SELECT pg_temp.error_of(format('SELECT * FROM lead_router.explain_route(%L)', :'nolead')) AS unknown_lead;
SELECT pg_temp.error_of('SELECT * FROM lead_router.explain_route(NULL)') AS null_lead;

\i sql/fixtures/teardown.sql
