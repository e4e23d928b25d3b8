-- The schema makes impossible states unrepresentable: CHECKs, foreign keys, defaults filled
-- by the leads trigger, allowed status transitions, updated_at, append-only audit log.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;

-- defaults: a new lead is pending, owned by its source workspace, expires after lead_ttl
INSERT INTO leads (id, source_workspace_id) VALUES ('10000000-0000-0000-0000-000000000001', :'inbound');
SELECT routing_status, workspace_id = source_workspace_id AS owned_by_source, routing_attempts,
       lead_expires_at - created_at AS ttl, attributes
  FROM leads;
SET lead_router.lead_ttl = '2d';
INSERT INTO leads (id, source_workspace_id) VALUES ('10000000-0000-0000-0000-000000000002', :'inbound');
SELECT lead_expires_at - created_at AS ttl FROM leads WHERE id = '10000000-0000-0000-0000-000000000002';
RESET lead_router.lead_ttl;
INSERT INTO leads (id, source_workspace_id, lead_expires_at)
VALUES ('10000000-0000-0000-0000-000000000003', :'inbound', '2030-01-01 00:00+00');
SELECT lead_expires_at FROM leads WHERE id = '10000000-0000-0000-0000-000000000003';
SELECT pg_temp.error_of($$SET lead_router.lead_ttl = '10s'$$) AS ttl_too_short;

-- lock columns go with the routing status, both ways
SELECT pg_temp.error_of($$INSERT INTO lead_router.leads (source_workspace_id, routing_status)
                          VALUES ('00000000-0000-0000-0000-0000000000a1', 'routing')$$) AS routing_without_owner;
SELECT pg_temp.error_of($$INSERT INTO lead_router.leads (source_workspace_id, routing_locked_by, routing_locked_at)
                          VALUES ('00000000-0000-0000-0000-0000000000a1', gen_random_uuid(), now())$$) AS pending_with_owner;
SELECT pg_temp.error_of($$INSERT INTO lead_router.leads (source_workspace_id, routing_status, routing_locked_by)
                          VALUES ('00000000-0000-0000-0000-0000000000a1', 'routing', gen_random_uuid())$$) AS owner_without_time;

-- a duplicate is routed and stays in its source workspace
SELECT pg_temp.error_of($$INSERT INTO lead_router.leads (source_workspace_id, duplicate_of)
                          VALUES ('00000000-0000-0000-0000-0000000000a1', '10000000-0000-0000-0000-000000000001')$$) AS pending_duplicate;
SELECT pg_temp.error_of($$INSERT INTO lead_router.leads (source_workspace_id, workspace_id, routing_status, duplicate_of)
                          VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b1', 'routed',
                                  '10000000-0000-0000-0000-000000000001')$$) AS duplicate_delivered;
SELECT pg_temp.error_of($$INSERT INTO lead_router.leads (source_workspace_id, routing_status, duplicate_of)
                          VALUES ('00000000-0000-0000-0000-0000000000a1', 'routed', '10000000-0000-0000-0000-000000000001')$$) AS duplicate_kept;

-- other column checks and foreign keys
SELECT pg_temp.error_of($$INSERT INTO lead_router.leads (source_workspace_id, attributes) VALUES ('00000000-0000-0000-0000-0000000000a1', '[1]')$$) AS attributes_array;
SELECT pg_temp.error_of($$INSERT INTO lead_router.leads (source_workspace_id, company_size) VALUES ('00000000-0000-0000-0000-0000000000a1', -1)$$) AS negative_size;
SELECT pg_temp.error_of($$INSERT INTO lead_router.leads (source_workspace_id, email) VALUES ('00000000-0000-0000-0000-0000000000a1', repeat('x', 321))$$) AS long_email;
-- a client's dedupe_hash is replaced by lead_router's (here: none, the lead has no identity);
-- one that is not a hash at all is refused
SELECT pg_temp.error_of($$INSERT INTO lead_router.leads (source_workspace_id, dedupe_hash) VALUES ('00000000-0000-0000-0000-0000000000a1', repeat('ab', 32))$$) AS hash_without_identity_is_cleared;
SELECT count(*) AS client_hashes_kept FROM lead_router.leads WHERE dedupe_hash = repeat('ab', 32);
SELECT pg_temp.error_of($$INSERT INTO lead_router.leads (source_workspace_id, dedupe_hash) VALUES ('00000000-0000-0000-0000-0000000000a1', 'x')$$) AS malformed_hash;
-- the hash format is checked even where triggers do not run (logical replication apply)
SET session_replication_role = replica;
SELECT h.label, pg_temp.error_of(format($$INSERT INTO lead_router.leads (source_workspace_id, workspace_id, lead_expires_at, routing_due_at, dedupe_hash)
                                           VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000a1', now() + interval '1 day', now(), %L)$$, h.hash)) AS outcome
  FROM (VALUES ('lower-case hex', repeat('0123456789abcdef', 4)),
               ('upper-case hex', repeat('0123456789ABCDEF', 4)),
               ('63 characters', repeat('a', 63)),
               ('65 characters', repeat('a', 65)),
               ('not hex', repeat('g', 64)),
               ('64 bytes, 32 characters', repeat('é', 32)),
               ('trailing space', repeat('a', 63) || ' ')) AS h(label, hash);
RESET session_replication_role;
DELETE FROM leads WHERE email IS NULL AND dedupe_hash IS NOT NULL;
SELECT pg_temp.error_of($$INSERT INTO lead_router.leads (source_workspace_id) VALUES ('00000000-0000-0000-0000-00000000ffff')$$) AS unknown_workspace;
SELECT pg_temp.error_of($$INSERT INTO lead_router.leads (source_workspace_id) VALUES (NULL)$$) AS no_workspace;
SELECT pg_temp.error_of($$INSERT INTO lead_router.workspaces (name, workspace_type) VALUES ('x', 'Partner!')$$) AS bad_type;
SELECT pg_temp.error_of($$INSERT INTO lead_router.workspaces (name) VALUES ('')$$) AS empty_name;
SELECT pg_temp.error_of($$INSERT INTO lead_router.routing_rules (workspace_id, name, destination_workspace_id)
                          VALUES ('00000000-0000-0000-0000-0000000000a1', 'loop', '00000000-0000-0000-0000-0000000000a1')$$) AS rule_to_itself;
SELECT pg_temp.error_of($$INSERT INTO lead_router.routing_rules (workspace_id, name, destination_workspace_id, conditions)
                          VALUES ('00000000-0000-0000-0000-0000000000a1', 'x', '00000000-0000-0000-0000-0000000000b1', '[]')$$) AS conditions_array;
SELECT pg_temp.error_of($$INSERT INTO lead_router.routing_queue (lead_id, workspace_id, attempt_number, max_attempts, next_retry_at)
                          VALUES ('10000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1', 4, 3, now())$$) AS attempt_past_max;
SELECT pg_temp.error_of($$INSERT INTO lead_router.routing_queue (lead_id, workspace_id, attempt_number, max_attempts, next_retry_at)
                          VALUES ('10000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1', 0, 3, now())$$) AS attempt_zero;
SELECT pg_temp.error_of($$INSERT INTO lead_router.routing_logs (lead_id, source_workspace_id, routing_result)
                          VALUES ('10000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1', 'maybe')$$) AS unknown_result;

-- one open queue row per lead
INSERT INTO routing_queue (lead_id, workspace_id, attempt_number, next_retry_at)
VALUES ('10000000-0000-0000-0000-000000000001', :'inbound', 1, now());
SELECT pg_temp.error_of($$INSERT INTO lead_router.routing_queue (lead_id, workspace_id, attempt_number, next_retry_at)
                          VALUES ('10000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1', 2, now())$$) AS second_open_row;
UPDATE routing_queue SET processed_at = now();
INSERT INTO routing_queue (lead_id, workspace_id, attempt_number, next_retry_at)
VALUES ('10000000-0000-0000-0000-000000000001', :'inbound', 2, now());
SELECT count(*) AS queue_rows, count(*) FILTER (WHERE processed_at IS NULL) AS open_rows FROM routing_queue;

-- status transitions outside the state machine are refused
UPDATE leads SET routing_status = 'routed' WHERE id = '10000000-0000-0000-0000-000000000002';
SELECT pg_temp.error_of($$UPDATE lead_router.leads SET routing_status = 'pending' WHERE id = '10000000-0000-0000-0000-000000000002'$$) AS routed_to_pending;
SELECT pg_temp.error_of($$UPDATE lead_router.leads SET routing_status = 'expired' WHERE id = '10000000-0000-0000-0000-000000000002'$$) AS routed_to_expired;
SELECT pg_temp.error_of($$UPDATE lead_router.leads SET routing_status = 'routing', routing_locked_by = gen_random_uuid(),
                          routing_locked_at = now() WHERE id = '10000000-0000-0000-0000-000000000002'$$) AS routed_to_routing;
UPDATE leads SET routing_status = 'expired' WHERE id = '10000000-0000-0000-0000-000000000003';
SELECT pg_temp.error_of($$UPDATE lead_router.leads SET routing_status = 'pending' WHERE id = '10000000-0000-0000-0000-000000000003'$$) AS expired_to_pending;
SELECT pg_temp.error_of($$UPDATE lead_router.leads SET routing_status = 'failed' WHERE id = '10000000-0000-0000-0000-000000000003'$$) AS expired_to_failed;
UPDATE leads SET routing_status = 'routing', routing_locked_by = :'owner1', routing_locked_at = now()
 WHERE id = '10000000-0000-0000-0000-000000000001';
SELECT pg_temp.error_of($$UPDATE lead_router.leads SET routing_status = 'expired', routing_locked_by = NULL, routing_locked_at = NULL
                          WHERE id = '10000000-0000-0000-0000-000000000001'$$) AS routing_to_expired;
-- a routed lead still takes updates of its other columns
UPDATE leads SET country = 'DE' WHERE id = '10000000-0000-0000-0000-000000000002';
SELECT routing_status, country FROM leads WHERE id = '10000000-0000-0000-0000-000000000002';

-- updated_at moves on UPDATE (to the transaction's start time, now())
BEGIN;
UPDATE workspaces SET updated_at = '2000-01-01', created_at = '2000-01-01' WHERE id = :'inbound2';
SELECT updated_at = now() AS workspace_touched, created_at = '2000-01-01' AS created_kept
  FROM workspaces WHERE id = :'inbound2';
UPDATE leads SET updated_at = '2000-01-01' WHERE id = '10000000-0000-0000-0000-000000000002';
SELECT updated_at = now() AS lead_touched FROM leads WHERE id = '10000000-0000-0000-0000-000000000002';
INSERT INTO routing_rules (id, workspace_id, name, destination_workspace_id, updated_at)
VALUES ('20000000-0000-0000-0000-000000000001', :'inbound', 'r', :'partner1', '2000-01-01');
UPDATE routing_rules SET priority = 5;
SELECT updated_at = now() AS rule_touched FROM routing_rules;
COMMIT;

-- routing_logs is append-only, for everyone
INSERT INTO routing_logs (lead_id, source_workspace_id, routing_result)
VALUES ('10000000-0000-0000-0000-000000000001', :'inbound', 'success');
SELECT pg_temp.error_of($$UPDATE lead_router.routing_logs SET routing_result = 'failed'$$) AS log_update;
SELECT pg_temp.error_of($$DELETE FROM lead_router.routing_logs$$) AS log_delete;
SELECT pg_temp.error_of($$TRUNCATE lead_router.routing_logs$$) AS log_truncate;
SELECT count(*) AS log_rows FROM routing_logs;

-- deleting a workspace that still owns leads is refused; rules and memberships cascade
SELECT pg_temp.error_of($$DELETE FROM lead_router.workspaces WHERE id = '00000000-0000-0000-0000-0000000000a1'$$) AS delete_used_workspace;
INSERT INTO user_workspaces (user_id, workspace_id) VALUES (gen_random_uuid(), :'inbound2');
DELETE FROM workspaces WHERE id = :'inbound2';
SELECT count(*) AS memberships FROM user_workspaces;

-- trigger functions cannot be called directly
SELECT pg_temp.error_of($$SELECT lead_router.leads_before_write()$$) AS direct_trigger_call;

-- The checks of one column are domains: a statement checks only the columns it assigns,
-- and an update checks them as an insert does.  Only the checks that relate columns of a
-- row are table constraints (each is rebuilt for every statement that writes the table).
SELECT conrelid::regclass AS relation, conname
  FROM pg_constraint
 WHERE contype = 'c' AND conrelid IN ('lead_router.leads'::regclass, 'lead_router.routing_logs'::regclass)
 ORDER BY 1, 2;
SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, k.conname
  FROM pg_attribute a JOIN pg_constraint k ON k.contypid = a.atttypid
 WHERE a.attrelid IN ('lead_router.leads'::regclass, 'lead_router.routing_logs'::regclass)
 ORDER BY a.attrelid::regclass::text, a.attname;
INSERT INTO lead_router.leads (id, source_workspace_id, email)
VALUES ('10000000-0000-0000-0000-0000000000e1', '00000000-0000-0000-0000-0000000000a1', 'short@example.com');
SELECT pg_temp.error_of($$UPDATE lead_router.leads SET email = repeat('x', 321) WHERE id = '10000000-0000-0000-0000-0000000000e1'$$) AS long_email_update;
SELECT pg_temp.error_of($$UPDATE lead_router.leads SET routing_attempts = -1 WHERE id = '10000000-0000-0000-0000-0000000000e1'$$) AS negative_attempts_update;
SELECT pg_temp.error_of($$UPDATE lead_router.leads SET attributes = '"text"' WHERE id = '10000000-0000-0000-0000-0000000000e1'$$) AS scalar_attributes_update;
SELECT pg_temp.error_of($$COPY lead_router.leads (source_workspace_id, company_size) FROM PROGRAM 'echo 00000000-0000-0000-0000-0000000000a1,-5' WITH (FORMAT csv)$$) AS negative_size_copy;
DELETE FROM lead_router.leads WHERE id = '10000000-0000-0000-0000-0000000000e1';

\i sql/fixtures/teardown.sql
