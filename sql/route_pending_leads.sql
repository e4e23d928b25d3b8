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

-- A large batch_size takes at most a quarter of the lock table's identity locks (three per
-- lead, held until commit): it routes that many leads and leaves the rest due, instead of
-- failing with "out of shared memory".  3,000 leads with three keys each need 9,000 locks,
-- more than this server's lock table holds.
CREATE TEMP TABLE lock_budget AS
SELECT (current_setting('max_locks_per_transaction')::int
        * (current_setting('max_connections')::int + current_setting('autovacuum_max_workers')::int + 1
           + current_setting('max_worker_processes')::int + current_setting('max_wal_senders')::int
           + current_setting('max_prepared_transactions')::int)) AS lock_entries;
SELECT lock_entries < 9000 AS batch_would_overflow, lock_entries / 4 / 3 AS leads_per_call FROM lock_budget \gset
SELECT :'batch_would_overflow' AS batch_would_overflow;
INSERT INTO leads (email, phone, company_name, source_workspace_id)
SELECT 'bulk' || i || '@example.com', '+1 415 555 ' || lpad(i::text, 4, '0'), 'Bulk ' || i, :'inbound2'
  FROM generate_series(1, 3000) i;
CREATE TEMP TABLE bulk_routed (call int, lead_id uuid, status text);
INSERT INTO bulk_routed SELECT 1, lead_id, status FROM route_pending_leads(10000);
SELECT count(*) = :leads_per_call AS first_call_routes_its_share,
       count(*) FILTER (WHERE status = 'routed') = count(*) AS all_routed
  FROM bulk_routed;
-- later calls, each a transaction of its own, route the rest, each lead once
SELECT format('INSERT INTO bulk_routed SELECT %s, lead_id, status FROM lead_router.route_pending_leads(10000)', c)
  FROM generate_series(2, 20) c \gexec
SELECT count(*) AS routed, count(DISTINCT lead_id) AS distinct_leads,
       count(DISTINCT call) = ceil(3000.0 / :leads_per_call) AS calls_as_expected
  FROM bulk_routed;
SELECT routing_status, count(*) FROM leads WHERE source_workspace_id = :'inbound2' AND email LIKE 'bulk%'
 GROUP BY 1;
-- A session starts its scan where it found the due queue's head last time, not past every
-- lead routed since VACUUM.  A lead that becomes due behind that point (here: inserted with
-- an earlier routing_due_at) is still found: by the same call when the queue above comes up
-- short, and otherwise by the first call after at most a second (each session scans from the
-- start at least once a second).
SELECT count(*) AS due_before FROM leads WHERE routing_status = 'pending' AND routing_due_at <= now();
INSERT INTO leads (email, source_workspace_id, routing_due_at)
SELECT 'head' || i || '@example.com', :'inbound2', now() - interval '1 hour' + i * interval '1 second'
  FROM generate_series(1, 20) i;
SELECT count(*) AS routed_from_the_head FROM route_pending_leads(5);
INSERT INTO leads (email, source_workspace_id, routing_due_at)
VALUES ('late1@example.com', :'inbound2', now() - interval '2 hours');
SELECT count(*) AS routed_from_the_position FROM route_pending_leads(5);
SELECT pg_sleep(1.1);
SELECT count(*) AS routed_after_a_second FROM route_pending_leads(1);
SELECT routing_status FROM leads WHERE email = 'late1@example.com';
SELECT count(*) AS routed_from_the_position FROM route_pending_leads(5);
-- five head leads are left above the position: a call for 100 routes them and the late one
INSERT INTO leads (email, source_workspace_id, routing_due_at)
VALUES ('late2@example.com', :'inbound2', now() - interval '2 hours');
SELECT count(*) AS routed_with_the_late_one,
       count(*) FILTER (WHERE lead_id = (SELECT id FROM leads WHERE email = 'late2@example.com')) AS late_one
  FROM route_pending_leads(100);
SELECT count(*) AS head_leads_left FROM leads
 WHERE email LIKE 'head%@example.com' AND routing_status = 'pending';

-- the retry queue takes the same share per call
INSERT INTO leads (email, phone, company_name, company_industry, source_workspace_id)
SELECT 'retry' || i || '@example.com', '+1 415 556 ' || lpad(i::text, 4, '0'), 'Retry ' || i, 'software', :'inbound'
  FROM generate_series(1, 3000) i;
INSERT INTO routing_queue (lead_id, workspace_id, attempt_number, next_retry_at)
SELECT id, source_workspace_id, 1, now() - interval '1 minute' FROM leads WHERE email LIKE 'retry%';
SELECT processed = :leads_per_call AS retry_call_takes_its_share, routed = processed AS all_routed
  FROM process_retry_queue(10000);

\i sql/fixtures/teardown.sql
