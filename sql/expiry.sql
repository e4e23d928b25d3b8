-- mark_expired_leads: pending and failed leads past lead_expires_at become expired (final),
-- their open queue rows are closed, one 'expired' audit row each.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;

INSERT INTO leads (id, source_workspace_id, workspace_id, routing_status, lead_expires_at) VALUES
    ('10000000-0000-0000-0000-000000000001', :'inbound', :'inbound',  'pending', now() - interval '1 day'),
    ('10000000-0000-0000-0000-000000000002', :'inbound', :'inbound',  'failed',  now() - interval '1 second'),
    ('10000000-0000-0000-0000-000000000003', :'inbound', :'partner1', 'routed',  now() - interval '1 day'),
    ('10000000-0000-0000-0000-000000000004', :'inbound', :'inbound',  'pending', now() + interval '1 day'),
    ('10000000-0000-0000-0000-000000000005', :'inbound', :'inbound',  'pending', now() + interval '1 day');
-- lead 5 is being routed when its time runs out: its lock protects it from the expiry job
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000005', :'owner1');
UPDATE leads SET lead_expires_at = now() - interval '1 day' WHERE id = '10000000-0000-0000-0000-000000000005';
INSERT INTO routing_queue (lead_id, workspace_id, attempt_number, next_retry_at)
VALUES ('10000000-0000-0000-0000-000000000001', :'inbound', 2, now() + interval '1 hour');

SELECT mark_expired_leads() AS expired;
SELECT right(id::text, 1) AS lead, routing_status FROM leads ORDER BY id;
SELECT right(lead_id::text, 1) AS lead, processed_at IS NOT NULL AS closed, last_error FROM routing_queue;
SELECT right(lead_id::text, 1) AS lead, routing_result FROM routing_logs
 WHERE routing_result = 'expired' ORDER BY lead_id;

-- nothing left to expire; expired is final
SELECT mark_expired_leads() AS expired_again;
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000001', :'owner1') AS expired_locked;

-- Expiry at routing time: whatever the daily job has done, a lead past lead_expires_at is
-- never routed (nor checked for duplicates) by any routing path; it is marked expired there.
TRUNCATE leads CASCADE;
INSERT INTO routing_rules (workspace_id, name, conditions, destination_workspace_id)
VALUES (:'inbound', 'all', '{}', :'partner1');
INSERT INTO leads (id, email, source_workspace_id, lead_expires_at) VALUES
    ('10000000-0000-0000-0000-000000000011', 'a@x.com', :'inbound', now() - interval '1 day'),
    ('10000000-0000-0000-0000-000000000012', 'b@x.com', :'inbound', now() - interval '1 day'),
    ('10000000-0000-0000-0000-000000000013', 'c@x.com', :'inbound', now() - interval '1 day'),
    ('10000000-0000-0000-0000-000000000014', 'd@x.com', :'inbound', now() + interval '1 day'),
    ('10000000-0000-0000-0000-000000000015', 'e@x.com', :'inbound', now() - interval '1 day'),
    ('10000000-0000-0000-0000-000000000016', 'f@x.com', :'inbound', now() + interval '1 day');
-- route_lead
SELECT success, status, error FROM route_lead('10000000-0000-0000-0000-000000000011');
-- acquire_routing_lock: false, and the lead is expired
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000012', :'owner1') AS acquired;
-- a retry due for an expired lead: processed, its queue row closed, not routed
INSERT INTO routing_queue (lead_id, workspace_id, attempt_number, next_retry_at)
VALUES ('10000000-0000-0000-0000-000000000013', :'inbound', 2, now() - interval '1 minute');
SELECT * FROM process_retry_queue(10);
-- a stale routing lock on an expired lead is released, then the lead expires
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000016', :'owner1') AS acquired;
UPDATE leads SET routing_locked_at = now() - interval '1 hour', lead_expires_at = now() - interval '1 minute'
 WHERE id = '10000000-0000-0000-0000-000000000016';
SELECT status FROM route_lead('10000000-0000-0000-0000-000000000016');
-- route_pending_leads: a row with status expired for each expired lead it took
SELECT right(lead_id::text, 2) AS lead, status FROM route_pending_leads(10) ORDER BY lead_id;
SELECT right(id::text, 2) AS lead, routing_status, right(workspace_id::text, 2) AS owner
  FROM leads ORDER BY id;
SELECT right(lead_id::text, 2) AS lead, processed_at IS NOT NULL AS closed, last_error FROM routing_queue;
SELECT right(lead_id::text, 2) AS lead, string_agg(routing_result, ', ' ORDER BY id) AS audit
  FROM routing_logs GROUP BY lead_id ORDER BY lead_id;

-- the expiry scan is index-backed
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT id FROM lead_router.leads
 WHERE routing_status IN ('pending', 'failed') AND lead_expires_at < now();
RESET enable_seqscan;

\i sql/fixtures/teardown.sql
