-- Retention and scheduling: prune_routing_history deletes old audit rows (the only DELETE
-- routing_logs allows) and old processed queue rows in bounded batches;
-- schedule_maintenance needs pg_cron and says how to get it.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;

INSERT INTO leads (id, source_workspace_id)
VALUES ('10000000-0000-0000-0000-000000000001', :'inbound');
INSERT INTO routing_logs (lead_id, source_workspace_id, routing_result, created_at)
SELECT '10000000-0000-0000-0000-000000000001', :'inbound', 'retry', now() - i * interval '30 days'
  FROM generate_series(1, 7) i;   -- 30 .. 210 days old
INSERT INTO routing_queue (lead_id, workspace_id, attempt_number, next_retry_at, processed_at)
SELECT '10000000-0000-0000-0000-000000000001', :'inbound', 1, now(), now() - i * interval '40 days'
  FROM generate_series(1, 4) i;   -- processed 40 .. 160 days ago
INSERT INTO routing_queue (lead_id, workspace_id, attempt_number, next_retry_at, created_at)
VALUES ('10000000-0000-0000-0000-000000000001', :'inbound', 1, now(), now() - interval '1 year');  -- open

-- default retention: lead_router.history_retention, 90 days
SHOW lead_router.history_retention;
CALL prune_routing_history();
SELECT count(*) AS logs_left, min(now() - created_at) > interval '29 days' AS oldest_kept FROM routing_logs;
SELECT count(*) AS queue_rows_left, count(*) FILTER (WHERE processed_at IS NULL) AS open_kept FROM routing_queue;

-- in small batches (committing between them), with an explicit retention
CALL prune_routing_history('20 days', 1);
SELECT count(*) AS logs_left FROM routing_logs;
SELECT count(*) AS queue_rows_left FROM routing_queue;

-- inside a transaction block it runs in that transaction, and rolls back with it
INSERT INTO routing_logs (lead_id, source_workspace_id, routing_result, created_at)
SELECT '10000000-0000-0000-0000-000000000001', :'inbound', 'retry', now() - interval '100 days'
  FROM generate_series(1, 3);
BEGIN;
CALL prune_routing_history(NULL, 2);
ROLLBACK;
SELECT count(*) AS logs_after_rollback FROM routing_logs;

-- outside the retention job, routing_logs is still append-only
SELECT pg_temp.error_of($$DELETE FROM lead_router.routing_logs$$) AS plain_delete;

-- bad input
SELECT pg_temp.error_of($$CALL lead_router.prune_routing_history('10 minutes')$$) AS too_short;
SELECT pg_temp.error_of($$CALL lead_router.prune_routing_history('1000 years')$$) AS too_long;
SELECT pg_temp.error_of($$CALL lead_router.prune_routing_history('-1 day')$$) AS negative;
SELECT pg_temp.error_of($$CALL lead_router.prune_routing_history(NULL, 0)$$) AS zero_batch;
SELECT pg_temp.error_of($$CALL lead_router.prune_routing_history(NULL, NULL)$$) AS null_batch;

-- pg_cron is not installed in this test instance
\set VERBOSITY default
SELECT * FROM schedule_maintenance();
SELECT unschedule_maintenance();
\set VERBOSITY terse

\i sql/fixtures/teardown.sql
