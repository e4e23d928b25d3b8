-- release_stale_routing_locks: routing locks older than the threshold go back to pending,
-- with a 'released' audit row each; fresh locks are left alone.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;

INSERT INTO leads (id, source_workspace_id)
SELECT ('10000000-0000-0000-0000-00000000000' || i)::uuid, :'inbound' FROM generate_series(1, 4) i;
SELECT acquire_routing_lock(id, :'owner1') FROM leads ORDER BY id;
-- leads 1 and 2 locked 10 minutes ago, lead 3 three minutes ago, lead 4 just now
UPDATE leads SET routing_locked_at = now() - interval '10 minutes'
 WHERE id IN ('10000000-0000-0000-0000-000000000001', '10000000-0000-0000-0000-000000000002');
UPDATE leads SET routing_locked_at = now() - interval '3 minutes'
 WHERE id = '10000000-0000-0000-0000-000000000003';

-- default threshold: lead_router.lock_timeout (5 minutes)
SELECT release_stale_routing_locks() AS released_default;
SELECT right(id::text, 1) AS lead, routing_status, routing_locked_by IS NULL AS unlocked, routing_error
  FROM leads ORDER BY id;
-- an explicit threshold
SELECT release_stale_routing_locks('2 minutes') AS released_2_min;
SELECT release_stale_routing_locks('2 minutes') AS released_again;
SELECT right(id::text, 1) AS lead, routing_status FROM leads ORDER BY id;
SELECT right(lead_id::text, 1) AS lead, routing_result, attempt, error_message
  FROM routing_logs WHERE routing_result = 'released' ORDER BY id;

-- a released lead can be locked and routed again
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000001', :'owner2') AS relocked;
SELECT complete_routing('10000000-0000-0000-0000-000000000001', :'partner1', NULL, :'owner2') AS routed;

-- thresholds must be positive and representable
SELECT pg_temp.error_of($$SELECT lead_router.release_stale_routing_locks('0 seconds')$$) AS zero;
SELECT pg_temp.error_of($$SELECT lead_router.release_stale_routing_locks('-5 minutes')$$) AS negative;
SELECT pg_temp.error_of($$SELECT lead_router.release_stale_routing_locks('100000000 years')$$) AS out_of_range;
SELECT pg_temp.error_of($$SELECT lead_router.release_stale_routing_locks('5 parsecs')$$) AS malformed;
SELECT release_stale_routing_locks('999 years') AS nothing_that_old;
SELECT release_stale_routing_locks(NULL) AS null_means_default;

\i sql/fixtures/teardown.sql
