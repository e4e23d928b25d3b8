-- acquire_routing_lock: pending | failed | stale routing -> routing, one owner at a time,
-- an audit row per lock; everything else refused without a change.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;

INSERT INTO leads (id, email, source_workspace_id, routing_status, workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000001', 'a@x.com', :'inbound', 'pending', :'inbound'),
    ('10000000-0000-0000-0000-000000000002', 'b@x.com', :'inbound', 'failed',  :'inbound'),
    ('10000000-0000-0000-0000-000000000003', 'c@x.com', :'inbound', 'routed',  :'partner1'),
    ('10000000-0000-0000-0000-000000000004', 'd@x.com', :'inbound', 'expired', :'inbound');

CREATE TEMP VIEW lead_state AS
SELECT right(id::text, 2) AS lead, routing_status, routing_locked_by, routing_locked_at IS NOT NULL AS has_lock_time,
       routing_attempts AS attempts, routing_last_attempted_at IS NOT NULL AS attempted
  FROM lead_router.leads ORDER BY id;
CREATE TEMP VIEW audit AS
SELECT right(lead_id::text, 2) AS lead, routing_result, attempt, error_message
  FROM lead_router.routing_logs ORDER BY id;

-- pending and failed leads can be locked
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000001', :'owner1') AS pending_locked;
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000002', :'owner1') AS failed_locked;
-- a held lock is not taken by another owner, nor again by the same owner
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000001', :'owner2') AS other_owner;
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000001', :'owner1') AS same_owner_again;
-- routed and expired leads cannot be locked
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000003', :'owner1') AS routed_locked;
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000004', :'owner1') AS expired_locked;
SELECT * FROM lead_state;
SELECT * FROM audit;

-- a stale lock (older than lead_router.lock_timeout) is taken over, with a 'released' row
UPDATE leads SET routing_locked_at = now() - interval '6 minutes'
 WHERE id = '10000000-0000-0000-0000-000000000001';
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000001', :'owner2') AS stale_taken_over;
SELECT * FROM lead_state WHERE lead = '01';
SELECT * FROM audit WHERE lead = '01';

-- the timeout is the GUC's
UPDATE leads SET routing_locked_at = now() - interval '2 minutes'
 WHERE id = '10000000-0000-0000-0000-000000000001';
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000001', :'owner1') AS fresh_under_default_timeout;
SET lead_router.lock_timeout = '1min';
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000001', :'owner1') AS stale_under_1min_timeout;
RESET lead_router.lock_timeout;

-- bad input: unknown lead, NULLs, malformed uuid
SELECT pg_temp.error_of(format('SELECT lead_router.acquire_routing_lock(%L, %L)', :'nolead', :'owner1')) AS unknown_lead;
SELECT pg_temp.error_of(format('SELECT lead_router.acquire_routing_lock(NULL, %L)', :'owner1')) AS null_lead;
SELECT pg_temp.error_of('SELECT lead_router.acquire_routing_lock(''10000000-0000-0000-0000-000000000001'', NULL)') AS null_owner;
SELECT pg_temp.error_of('SELECT lead_router.acquire_routing_lock(''not-a-uuid'', gen_random_uuid())') AS malformed_uuid;
SELECT count(*) AS audit_rows FROM routing_logs;

\i sql/fixtures/teardown.sql
