-- complete_routing: routing -> routed only for the lock owner, into an active destination,
-- closing the lead's open queue row and writing one 'success' audit row.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;

INSERT INTO leads (id, email, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000001', 'a@x.com', :'inbound'),
    ('10000000-0000-0000-0000-000000000002', 'b@x.com', :'inbound');
INSERT INTO routing_rules (id, workspace_id, name, destination_workspace_id)
VALUES ('20000000-0000-0000-0000-000000000001', :'inbound', 'all to partner one', :'partner1');

CREATE TEMP VIEW lead_state AS
SELECT right(id::text, 2) AS lead, routing_status, routing_locked_by IS NOT NULL AS locked,
       right(workspace_id::text, 2) AS owner_ws, routing_attempts AS attempts, routing_error
  FROM lead_router.leads ORDER BY id;

-- a pending lead cannot be completed
SELECT complete_routing('10000000-0000-0000-0000-000000000001', :'partner1', NULL, :'owner1') AS pending_completed;

SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000001', :'owner1');
-- not by another owner
SELECT complete_routing('10000000-0000-0000-0000-000000000001', :'partner1', NULL, :'owner2') AS other_owner_completed;
-- not into a missing or inactive destination (nothing changes)
SELECT pg_temp.error_of(format('SELECT lead_router.complete_routing(%L, %L, NULL, %L)',
       '10000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-00000000ffff', :'owner1')) AS missing_destination;
SELECT pg_temp.error_of(format('SELECT lead_router.complete_routing(%L, %L, NULL, %L)',
       '10000000-0000-0000-0000-000000000001', :'retired', :'owner1')) AS inactive_destination;
SELECT * FROM lead_state;

-- an open queue row of the lead is closed by the completion
INSERT INTO routing_queue (lead_id, workspace_id, attempt_number, next_retry_at)
VALUES ('10000000-0000-0000-0000-000000000001', :'inbound', 1, now());
SELECT complete_routing('10000000-0000-0000-0000-000000000001', :'partner1',
                        '20000000-0000-0000-0000-000000000001', :'owner1') AS owner_completed;
SELECT * FROM lead_state;
SELECT count(*) FILTER (WHERE processed_at IS NULL) AS open_queue_rows FROM routing_queue;
SELECT right(lead_id::text, 2) AS lead, routing_result, right(source_workspace_id::text, 2) AS source,
       right(destination_workspace_id::text, 2) AS destination, right(matched_rule_id::text, 2) AS rule, attempt
  FROM routing_logs ORDER BY id;

-- a routed lead is not completed again, not even by its former owner
SELECT complete_routing('10000000-0000-0000-0000-000000000001', :'partner2', NULL, :'owner1') AS completed_twice;
SELECT right(workspace_id::text, 2) AS still_in FROM leads WHERE id = '10000000-0000-0000-0000-000000000001';

-- bad input
SELECT pg_temp.error_of(format('SELECT lead_router.complete_routing(%L, %L, NULL, %L)', :'nolead', :'partner1', :'owner1')) AS unknown_lead;
SELECT pg_temp.error_of(format('SELECT lead_router.complete_routing(NULL, %L, NULL, %L)', :'partner1', :'owner1')) AS null_lead;
SELECT pg_temp.error_of(format('SELECT lead_router.complete_routing(%L, NULL, NULL, %L)', '10000000-0000-0000-0000-000000000002', :'owner1')) AS null_destination;
SELECT pg_temp.error_of(format('SELECT lead_router.complete_routing(%L, %L, NULL, NULL)', '10000000-0000-0000-0000-000000000002', :'partner1')) AS null_owner;
SELECT pg_temp.error_of('SELECT lead_router.complete_routing(''10000000-0000-0000-0000-000000000002'', ''partner-1'', NULL, gen_random_uuid())') AS malformed_destination;
SELECT count(*) AS audit_rows FROM routing_logs;

\i sql/fixtures/teardown.sql
