-- fail_routing: the lock owner's failed attempt is requeued with backoff (1 min, 5 min,
-- 15 min, 1 h, +/-10 % jitter) or, at max_attempts, fails the lead for good.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;

INSERT INTO leads (id, email, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000001', 'a@x.com', :'inbound'),
    ('10000000-0000-0000-0000-000000000002', 'b@x.com', :'inbound'),
    ('10000000-0000-0000-0000-000000000003', 'c@x.com', :'inbound');

CREATE TEMP VIEW lead_state AS
SELECT right(id::text, 2) AS lead, routing_status, routing_locked_by IS NOT NULL AS locked,
       routing_attempts AS attempts, routing_error
  FROM lead_router.leads ORDER BY id;
-- the delay of the open queue row, as seconds from now, and whether it is within +/-10 %
CREATE TEMP VIEW queue_state AS
SELECT right(lead_id::text, 2) AS lead, attempt_number, max_attempts, last_error,
       processed_at IS NOT NULL AS processed,
       extract(epoch FROM next_retry_at - now()) AS delay_s
  FROM lead_router.routing_queue ORDER BY id;

-- attempt 1 of 3 fails: requeued about 1 minute out
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000001', :'owner1');
SELECT fail_routing('10000000-0000-0000-0000-000000000001', 'partner API timeout', :'owner1') AS attempt_1;
SELECT lead, attempt_number, max_attempts, last_error, processed, delay_s BETWEEN 54 AND 66 AS about_1_min FROM queue_state;
SELECT * FROM lead_state WHERE lead = '01';

-- attempt 2: the same open queue row moves about 5 minutes out
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000001', :'owner1');
SELECT fail_routing('10000000-0000-0000-0000-000000000001', 'partner API timeout again', :'owner1') AS attempt_2;
SELECT lead, attempt_number, last_error, delay_s BETWEEN 270 AND 330 AS about_5_min FROM queue_state WHERE NOT processed;

-- attempt 3, now of 4: about 15 minutes out
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000001', :'owner1');
SELECT fail_routing('10000000-0000-0000-0000-000000000001', 'still down', :'owner1', 4) AS attempt_3;
SELECT lead, attempt_number, max_attempts, delay_s BETWEEN 810 AND 990 AS about_15_min FROM queue_state WHERE NOT processed;

-- attempt 4 of 4: failed for good, the open queue row closed; each retry kept its own
-- (processed) queue row
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000001', :'owner1');
SELECT fail_routing('10000000-0000-0000-0000-000000000001', 'gave up', :'owner1', 4) AS attempt_4;
SELECT lead, attempt_number, last_error, processed FROM queue_state;
SELECT * FROM lead_state WHERE lead = '01';

-- a failed lead can be locked again and given more attempts: 1 hour after attempt 5 and later
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000001', :'owner1') AS failed_relocked;
SELECT fail_routing('10000000-0000-0000-0000-000000000001', 'try later', :'owner1', 10) AS attempt_5;
SELECT lead, attempt_number, max_attempts, delay_s BETWEEN 3240 AND 3960 AS about_1_hour
  FROM queue_state WHERE NOT processed;
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000001', :'owner1');
SELECT fail_routing('10000000-0000-0000-0000-000000000001', 'try later', :'owner1', 10) AS attempt_6;
SELECT lead, attempt_number, delay_s BETWEEN 3240 AND 3960 AS about_1_hour FROM queue_state WHERE NOT processed;

SELECT right(lead_id::text, 2) AS lead, routing_result, attempt, error_message
  FROM routing_logs ORDER BY id;

-- max_attempts 1: the first failure is final
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000002', :'owner1');
SELECT fail_routing('10000000-0000-0000-0000-000000000002', 'no', :'owner1', 1) AS single_attempt;

-- refused transitions change nothing: a routed lead, a pending lead, another owner's lock
SELECT pg_temp.error_of(format('SELECT lead_router.fail_routing(%L, %L, %L)',
       '10000000-0000-0000-0000-000000000003', 'x', :'owner1')) AS fail_pending;
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000003', :'owner1');
SELECT pg_temp.error_of(format('SELECT lead_router.fail_routing(%L, %L, %L)',
       '10000000-0000-0000-0000-000000000003', 'x', :'owner2')) AS fail_other_owner;
SELECT complete_routing('10000000-0000-0000-0000-000000000003', :'partner1', NULL, :'owner1');
SELECT pg_temp.error_of(format('SELECT lead_router.fail_routing(%L, %L, %L)',
       '10000000-0000-0000-0000-000000000003', 'x', :'owner1')) AS fail_routed;
SELECT * FROM lead_state WHERE lead = '03';

-- bad input
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000002', :'owner1');
SELECT pg_temp.error_of(format('SELECT lead_router.fail_routing(%L, %L, %L, -1)', '10000000-0000-0000-0000-000000000002', 'x', :'owner1')) AS negative_max;
SELECT pg_temp.error_of(format('SELECT lead_router.fail_routing(%L, %L, %L, 0)', '10000000-0000-0000-0000-000000000002', 'x', :'owner1')) AS zero_max;
SELECT pg_temp.error_of(format('SELECT lead_router.fail_routing(%L, %L, %L, 101)', '10000000-0000-0000-0000-000000000002', 'x', :'owner1')) AS max_too_large;
SELECT pg_temp.error_of(format('SELECT lead_router.fail_routing(%L, %L, %L, 2147483647 + 1)', '10000000-0000-0000-0000-000000000002', 'x', :'owner1')) AS max_overflow;
SELECT pg_temp.error_of(format('SELECT lead_router.fail_routing(%L, %L, %L, NULL)', '10000000-0000-0000-0000-000000000002', 'x', :'owner1')) AS null_max;
SELECT pg_temp.error_of(format('SELECT lead_router.fail_routing(%L, NULL, %L)', '10000000-0000-0000-0000-000000000002', :'owner1')) AS null_message;
SELECT pg_temp.error_of(format('SELECT lead_router.fail_routing(NULL, %L, %L)', 'x', :'owner1')) AS null_lead;
SELECT pg_temp.error_of(format('SELECT lead_router.fail_routing(%L, %L, NULL)', '10000000-0000-0000-0000-000000000002', 'x')) AS null_owner;
SELECT pg_temp.error_of(format('SELECT lead_router.fail_routing(%L, %L, %L)', :'nolead', 'x', :'owner1')) AS unknown_lead;
SELECT * FROM lead_state WHERE lead = '02';

-- a 1 MB error message is accepted and stored cut to 1000 bytes at a character boundary
SELECT fail_routing('10000000-0000-0000-0000-000000000002', repeat('é', 500000), :'owner1') AS huge_message;
SELECT octet_length(routing_error) AS lead_error_bytes, length(routing_error) AS lead_error_chars
  FROM leads WHERE id = '10000000-0000-0000-0000-000000000002';
SELECT octet_length(last_error) AS queue_error_bytes FROM routing_queue
 WHERE lead_id = '10000000-0000-0000-0000-000000000002' AND processed_at IS NULL;
SELECT octet_length(error_message) AS log_error_bytes FROM routing_logs
 WHERE lead_id = '10000000-0000-0000-0000-000000000002' ORDER BY id DESC LIMIT 1;

\i sql/fixtures/teardown.sql
