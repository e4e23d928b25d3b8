-- route_pending_leads: routes up to N due pending leads, longest due first, one row per
-- lead; leads waiting for a scheduled retry, and leads in other states, are left alone.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;

INSERT INTO routing_rules (workspace_id, name, conditions, destination_workspace_id) VALUES
    (:'inbound', 'software', '{"company_industry": "software"}', :'partner1'),
    (:'inbound2', 'everything', '{}', :'partner2');

INSERT INTO leads (id, company_industry, source_workspace_id, created_at)
SELECT ('10000000-0000-0000-0000-0000000000' || lpad(i::text, 2, '0'))::uuid,
       CASE WHEN i % 3 = 0 THEN 'retail' ELSE 'software' END,
       CASE WHEN i % 5 = 0 THEN '00000000-0000-0000-0000-0000000000a2'::uuid
            ELSE '00000000-0000-0000-0000-0000000000a1'::uuid END,
       '2026-01-01'::timestamptz + i * interval '1 minute'
  FROM generate_series(1, 12) i;
-- lead 01 waits for a retry an hour from now; lead 02 has a retry that is due
INSERT INTO routing_queue (lead_id, workspace_id, attempt_number, next_retry_at) VALUES
    ('10000000-0000-0000-0000-000000000001', :'inbound', 2, now() + interval '1 hour'),
    ('10000000-0000-0000-0000-000000000002', :'inbound', 2, now() - interval '1 second');
UPDATE leads l SET routing_due_at = q.next_retry_at
  FROM routing_queue q WHERE q.lead_id = l.id;
-- lead 04 is already routed
UPDATE leads SET routing_status = 'routed', workspace_id = :'partner2'
 WHERE id = '10000000-0000-0000-0000-000000000004';

-- the first batch of 5 takes the oldest due pending leads: 02, 03, 05, 06, 07
SELECT right(lead_id::text, 2) AS lead, success, status, right(destination_workspace_id::text, 2) AS destination, error, attempt
  FROM route_pending_leads(5);
-- the rest
SELECT right(lead_id::text, 2) AS lead, status, right(destination_workspace_id::text, 2) AS destination
  FROM route_pending_leads();
-- nothing due is left
SELECT count(*) AS routed_now FROM route_pending_leads(100);
SELECT right(id::text, 2) AS lead, routing_status FROM leads ORDER BY id;

-- batch size bounds
SELECT pg_temp.error_of('SELECT * FROM lead_router.route_pending_leads(0)') AS zero;
SELECT pg_temp.error_of('SELECT * FROM lead_router.route_pending_leads(-1)') AS negative;
SELECT pg_temp.error_of('SELECT * FROM lead_router.route_pending_leads(10001)') AS too_large;
SELECT pg_temp.error_of('SELECT * FROM lead_router.route_pending_leads(NULL)') AS null_size;

-- the pick is index-backed
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT l.id FROM lead_router.leads l
 WHERE l.routing_status = 'pending' AND l.routing_due_at <= now()
 ORDER BY l.routing_due_at, l.id LIMIT 100 FOR UPDATE SKIP LOCKED;
-- the lead row carries its retry time, in step with its open queue row
SELECT right(l.id::text, 2) AS lead, l.routing_due_at = q.next_retry_at AS in_step
  FROM lead_router.leads l JOIN lead_router.routing_queue q ON q.lead_id = l.id AND q.processed_at IS NULL
 WHERE q.next_retry_at > now() ORDER BY l.id;
RESET enable_seqscan;

\i sql/fixtures/teardown.sql
