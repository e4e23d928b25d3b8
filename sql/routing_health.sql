-- routing_health: exact counts on a prepared dataset; a verdict decided by system failures
-- only (routing errors over a minimum sample, stale locks, a due backlog, latency), with the
-- business outcomes (no match, deferred, duplicates) reported beside it; latency percentiles
-- that are histogram bucket bounds; the hourly check.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;

-- 3 pending (one with a due retry, one waiting), 2 routing (one stale), 4 routed, 1 failed, 1 expired
INSERT INTO leads (id, source_workspace_id, workspace_id, routing_status, routing_locked_by, routing_locked_at)
SELECT ('10000000-0000-0000-0000-0000000000' || lpad(i::text, 2, '0'))::uuid, :'inbound',
       CASE WHEN s = 'routed' THEN :'partner1'::uuid ELSE :'inbound'::uuid END, s::lead_routing_status,
       CASE WHEN s = 'routing' THEN gen_random_uuid() END,
       CASE WHEN s = 'routing' THEN now() - CASE WHEN i = 4 THEN interval '10 minutes' ELSE interval '1 minute' END END
  FROM unnest(ARRAY['pending','pending','pending','routing','routing','routed','routed','routed','routed','failed','expired'])
       WITH ORDINALITY AS t(s, i);
INSERT INTO routing_queue (lead_id, workspace_id, attempt_number, next_retry_at) VALUES
    ('10000000-0000-0000-0000-000000000001', :'inbound', 2, now() - interval '1 minute'),
    ('10000000-0000-0000-0000-000000000002', :'inbound', 2, now() + interval '1 hour');
-- the last hour: 18 successes and 1 duplicate against 1 error = 95 %; 3 leads matched no rule
-- (one of them for the last time) -- a business outcome, not a failure; older rows do not count
INSERT INTO routing_logs (lead_id, source_workspace_id, routing_result, error_message, created_at)
SELECT gen_random_uuid(), :'inbound', r, e, now() - interval '10 minutes'
  FROM (SELECT 'success', NULL FROM generate_series(1, 18) UNION ALL SELECT 'duplicate', NULL
        UNION ALL SELECT 'retry', 'destination workspace is not active'
        UNION ALL SELECT 'no_match', 'no matching rule' FROM generate_series(1, 2)
        UNION ALL SELECT 'failed', 'no matching rule') AS t(r, e);
INSERT INTO routing_logs (lead_id, source_workspace_id, routing_result, error_message, created_at)
SELECT gen_random_uuid(), :'inbound', 'failed', 'webhook timed out', now() - interval '2 hours'
  FROM generate_series(1, 50);

SELECT reset_routing_stats();
SELECT pending, routing, routed, failed, expired, queue_depth, queue_due, stale_locks,
       succeeded, errors, success_rate, no_match, deferred, duplicates, lock_attempts,
       lock_acquisition_rate, latency_samples, p50_ms, worker, maintenance, verdict, reasons,
       stats_scope
  FROM routing_health();
-- over three hours the old failures count: 50 errors of 70 attempts
SELECT succeeded, errors, round(success_rate::numeric, 4) AS success_rate, verdict, reasons
  FROM routing_health('3 hours');

-- lock acquisition is reported, not judged: sessions that skip each other's leads are the
-- design, not a fault
SELECT acquire_routing_lock(id, :'owner1') FROM leads
 WHERE id IN ('10000000-0000-0000-0000-000000000001', '10000000-0000-0000-0000-000000000002',
              '10000000-0000-0000-0000-000000000003', '10000000-0000-0000-0000-000000000006')
 ORDER BY id;
SELECT lock_attempts, lock_acquisition_rate, verdict, reasons FROM routing_health();
SELECT release_stale_routing_locks();

-- below the minimum sample a rate does not count: 3 errors of 5 attempts is no verdict
TRUNCATE leads CASCADE;
SELECT succeeded, errors, success_rate, no_match, verdict, reasons FROM routing_health('1 minute');
INSERT INTO routing_logs (lead_id, source_workspace_id, routing_result, error_message)
SELECT gen_random_uuid(), :'inbound', r, 'webhook timed out'
  FROM (SELECT 'success' FROM generate_series(1, 2) UNION ALL SELECT 'retry' FROM generate_series(1, 3)) AS t(r);
SELECT succeeded, errors, success_rate, verdict, reasons FROM routing_health('1 minute');
-- from 20 attempts on it does: 3 of 20 is 15 % (critical), 3 of 50 is 6 % (degraded)
INSERT INTO routing_logs (lead_id, source_workspace_id, routing_result)
SELECT gen_random_uuid(), :'inbound', 'success' FROM generate_series(1, 15);
SELECT succeeded, errors, round(success_rate::numeric, 4) AS success_rate, verdict, reasons
  FROM routing_health('1 minute');
INSERT INTO routing_logs (lead_id, source_workspace_id, routing_result)
SELECT gen_random_uuid(), :'inbound', 'success' FROM generate_series(1, 30);
SELECT succeeded, errors, round(success_rate::numeric, 4) AS success_rate, verdict, reasons
  FROM routing_health('1 minute');
-- however many leads match no rule, that alone is healthy (3 errors of 60 is 5 %)
INSERT INTO routing_logs (lead_id, source_workspace_id, routing_result, error_message)
SELECT gen_random_uuid(), :'inbound', 'no_match', 'no matching rule' FROM generate_series(1, 500);
INSERT INTO routing_logs (lead_id, source_workspace_id, routing_result)
SELECT gen_random_uuid(), :'inbound', 'success' FROM generate_series(1, 10);
SELECT succeeded, errors, no_match, round(success_rate::numeric, 4) AS success_rate, verdict, reasons
  FROM routing_health('1 minute');

-- latency: every routing is one histogram sample; percentiles are bucket upper bounds
SELECT reset_routing_stats();
INSERT INTO routing_rules (workspace_id, name, conditions, destination_workspace_id)
VALUES (:'inbound2', 'all', '{}', :'partner2');
INSERT INTO leads (source_workspace_id) SELECT :'inbound2' FROM generate_series(1, 40);
SELECT count(*) AS routed_now FROM route_pending_leads(100) WHERE status = 'routed';
SELECT latency_samples, lock_attempts, lock_acquisition_rate,
       p50_ms = ANY (ARRAY[0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100]) AS p50_is_a_bucket_bound,
       p50_ms <= p95_ms AND p95_ms <= p99_ms AS ordered
  FROM routing_health();

-- the window is checked
SELECT pg_temp.error_of($$SELECT * FROM lead_router.routing_health('30 seconds')$$) AS too_short;
SELECT pg_temp.error_of($$SELECT * FROM lead_router.routing_health('2 days')$$) AS too_long;
SELECT pg_temp.error_of($$SELECT * FROM lead_router.routing_health('-1 hour')$$) AS negative;
SELECT pg_temp.error_of($$SELECT * FROM lead_router.routing_health('100000000 years')$$) AS huge;
SELECT pg_temp.error_of($$SELECT * FROM lead_router.routing_health(NULL)$$) AS null_window;

-- the hourly check: quiet while healthy, a WARNING (and NOTIFY) with the reasons otherwise
SELECT check_routing_health();
INSERT INTO routing_logs (lead_id, source_workspace_id, routing_result, error_message)
SELECT gen_random_uuid(), :'inbound', 'retry', 'webhook timed out' FROM generate_series(1, 20);
SELECT check_routing_health();

\i sql/fixtures/teardown.sql
