-- process_retry_queue: due queue rows are retried through the route_lead flow; each row is
-- closed, and a failure again gets a new row at the next backoff; rows that no longer
-- describe a waiting lead are closed without routing.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;

INSERT INTO leads (id, company_industry, source_workspace_id)
SELECT ('10000000-0000-0000-0000-00000000000' || i)::uuid,
       CASE WHEN i <= 3 THEN 'software' ELSE 'mining' END, :'inbound'
  FROM generate_series(1, 6) i;
-- nothing matches yet: every lead is queued
SELECT status, count(*) FROM route_pending_leads(10) GROUP BY 1;
INSERT INTO routing_rules (workspace_id, name, conditions, destination_workspace_id)
VALUES (:'inbound', 'software', '{"company_industry": "software"}', :'partner1');

-- all rows due now; lead 5's queue row allows 2 attempts, so its retry is final; lead 6
-- still matches nothing and is queued again
UPDATE routing_queue SET next_retry_at = now() - interval '1 second';
UPDATE routing_queue SET max_attempts = 2 WHERE lead_id = '10000000-0000-0000-0000-000000000005';
-- lead 4 was routed by hand in the meantime: its queue row is stale
UPDATE leads SET routing_status = 'routed', workspace_id = :'partner2'
 WHERE id = '10000000-0000-0000-0000-000000000004';

SELECT * FROM process_retry_queue(100);
SELECT right(id::text, 1) AS lead, routing_status, routing_attempts FROM leads ORDER BY id;
SELECT right(lead_id::text, 1) AS lead, attempt_number, max_attempts, processed_at IS NOT NULL AS processed,
       last_error, next_retry_at > now() + interval '4 minutes' AS backoff_5_min
  FROM routing_queue ORDER BY lead_id, id;
SELECT right(lead_id::text, 1) AS lead, routing_result, attempt FROM routing_logs ORDER BY lead_id, id;

-- nothing due: nothing happens
SELECT * FROM process_retry_queue(100);

-- a queue row that does not match its lead (written by hand) is closed, not trusted
INSERT INTO leads (id, company_industry, source_workspace_id)
VALUES ('10000000-0000-0000-0000-000000000007', 'software', :'inbound');
INSERT INTO routing_queue (lead_id, workspace_id, attempt_number, next_retry_at)
VALUES ('10000000-0000-0000-0000-000000000007', :'inbound2', 1, now() - interval '1 second');
SELECT * FROM process_retry_queue(100);
SELECT routing_status FROM leads WHERE id = '10000000-0000-0000-0000-000000000007';
SELECT processed_at IS NOT NULL AS processed, last_error FROM routing_queue
 WHERE lead_id = '10000000-0000-0000-0000-000000000007';

-- batch size: only that many rows per call, oldest due first
INSERT INTO leads (id, company_industry, source_workspace_id)
SELECT ('20000000-0000-0000-0000-00000000000' || i)::uuid, 'software', :'inbound' FROM generate_series(1, 5) i;
INSERT INTO routing_queue (lead_id, workspace_id, attempt_number, next_retry_at)
SELECT id, :'inbound', 1, now() - (10 - right(id::text, 1)::int) * interval '1 minute'
  FROM leads WHERE id::text LIKE '2%';
SELECT * FROM process_retry_queue(2);
SELECT right(id::text, 1) AS lead, routing_status FROM leads WHERE id::text LIKE '2%' ORDER BY id;

-- bad input
SELECT pg_temp.error_of('SELECT * FROM lead_router.process_retry_queue(0)') AS zero;
SELECT pg_temp.error_of('SELECT * FROM lead_router.process_retry_queue(-5)') AS negative;
SELECT pg_temp.error_of('SELECT * FROM lead_router.process_retry_queue(1000000)') AS huge;
SELECT pg_temp.error_of('SELECT * FROM lead_router.process_retry_queue(NULL)') AS null_size;

-- the pick is index-backed
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT q.id FROM lead_router.routing_queue q
 WHERE q.processed_at IS NULL AND q.next_retry_at <= now()
 ORDER BY q.next_retry_at LIMIT 200 FOR UPDATE SKIP LOCKED;
RESET enable_seqscan;

\i sql/fixtures/teardown.sql
