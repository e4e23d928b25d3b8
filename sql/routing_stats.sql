-- routing_stats: outcomes over a window per source and destination workspace, from the audit
-- log, with a duplicate counted towards the partner that owned the person (recorded on the
-- duplicate's audit row); row-level security limits it to what the caller may see.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;

INSERT INTO routing_rules (workspace_id, name, conditions, destination_workspace_id) VALUES
    (:'inbound', 'software', '{"company_industry": "software"}', :'partner1'),
    (:'inbound2', 'all', '{}', :'partner2');
INSERT INTO leads (id, email, company_industry, source_workspace_id, lead_expires_at) VALUES
    ('10000000-0000-0000-0000-000000000001', 'a@x.com', 'software', :'inbound', DEFAULT),
    ('10000000-0000-0000-0000-000000000002', 'b@x.com', 'software', :'inbound', DEFAULT),
    ('10000000-0000-0000-0000-000000000003', 'c@x.com', 'mining',   :'inbound', DEFAULT),
    ('10000000-0000-0000-0000-000000000004', 'd@x.com', 'mining',   :'inbound', DEFAULT),
    ('10000000-0000-0000-0000-000000000005', 'e@x.com', 'mining',   :'inbound', now() - interval '1 day'),
    ('10000000-0000-0000-0000-000000000006', 'f@x.com', 'any',      :'inbound2', DEFAULT),
    -- the same people as 01 and 02, arriving in the other inbound workspace
    ('10000000-0000-0000-0000-000000000007', 'A@X.com', 'any',      :'inbound2', DEFAULT),
    ('10000000-0000-0000-0000-000000000008', 'B@x.com', 'any',      :'inbound2', DEFAULT);
SELECT right(lead_id::text, 2) AS lead, status FROM route_pending_leads(10) ORDER BY lead_id;
-- lead 04 matches nothing on its last attempt: failed
SELECT status FROM route_lead('10000000-0000-0000-0000-000000000004', NULL, 1);

-- the duplicate's audit row names the partner that owned the person
SELECT right(lead_id::text, 2) AS lead, routing_result, right(duplicate_owner_workspace_id::text, 2) AS owner
  FROM routing_logs WHERE routing_result = 'duplicate' ORDER BY lead_id;

SELECT right(source_workspace_id::text, 2) AS source, right(destination_workspace_id::text, 2) AS destination,
       routed, duplicates, no_match, deferred, failed, expired
  FROM routing_stats();
-- a window that ends before anything happened
SELECT count(*) AS rows_in_an_empty_window FROM routing_stats('0 seconds');

-- an application user counts only the audit rows it may see
CREATE ROLE regress_lr_stats;
GRANT USAGE ON SCHEMA lead_router TO regress_lr_stats;
GRANT SELECT ON routing_logs, user_workspaces TO regress_lr_stats;
INSERT INTO user_workspaces (user_id, workspace_id) VALUES ('aaaaaaaa-0000-0000-0000-000000000001', :'inbound2');
SET ROLE regress_lr_stats;
BEGIN;
SELECT act_as('aaaaaaaa-0000-0000-0000-000000000001') IS NOT NULL AS acting;
SELECT right(source_workspace_id::text, 2) AS source, right(destination_workspace_id::text, 2) AS destination,
       routed, duplicates, no_match, deferred, failed, expired
  FROM routing_stats();
COMMIT;
RESET ROLE;

\i sql/fixtures/teardown.sql
DROP OWNED BY regress_lr_stats;
DROP ROLE regress_lr_stats;
