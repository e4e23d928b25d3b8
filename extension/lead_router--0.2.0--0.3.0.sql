-- lead_router 0.2.0 -> 0.3.0: the retry queue drained by a background worker, routing
-- health, retention, and the pg_cron maintenance jobs.

\echo Use "ALTER EXTENSION lead_router UPDATE TO '0.3.0'" to load this file. \quit

CREATE FUNCTION @extschema@.process_retry_queue(batch_size integer DEFAULT 100)
    RETURNS TABLE (processed integer, routed integer, requeued integer, failed integer)
    AS 'MODULE_PATHNAME', 'lr_process_retry_queue'
    LANGUAGE C VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.process_retry_queue(integer) IS
    'Retries up to batch_size due retry-queue rows (SKIP LOCKED) through the route_lead flow; what the background worker runs';

CREATE FUNCTION @extschema@.routing_health(time_window interval DEFAULT '1 hour')
    RETURNS TABLE (pending bigint, routing bigint, routed bigint, failed bigint, expired bigint,
                   queue_depth bigint, queue_due bigint, stale_locks bigint,
                   succeeded bigint, unsucceeded bigint, success_rate double precision,
                   lock_attempts bigint, lock_acquisition_rate double precision,
                   latency_samples bigint, p50_ms double precision, p95_ms double precision,
                   p99_ms double precision, verdict text, reasons text[],
                   stats_scope text, stats_since timestamptz)
    AS 'MODULE_PATHNAME', 'lr_routing_health'
    LANGUAGE C VOLATILE PARALLEL RESTRICTED
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.routing_health(interval) IS
    'Leads per status, queue depth and due rows, stale locks, success and lock-acquisition rates over the window, p50/p95/p99 routing latency, and the verdict healthy/degraded/critical';

CREATE FUNCTION @extschema@.check_routing_health()
    RETURNS text
    AS 'MODULE_PATHNAME', 'lr_check_routing_health'
    LANGUAGE C VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.check_routing_health() IS
    'The hourly health job: WARNING and NOTIFY lead_router_alerts (JSON) when more than 100 retries are due or more than 10 % of the last hour''s attempts failed; returns the verdict';

CREATE FUNCTION @extschema@.reset_routing_stats()
    RETURNS void
    AS 'MODULE_PATHNAME', 'lr_reset_routing_stats'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.reset_routing_stats() IS
    'Zeroes the routing latency histogram and lock-acquisition counters';

CREATE PROCEDURE @extschema@.prune_routing_history(retention interval DEFAULT NULL,
                                                  batch_size integer DEFAULT 10000,
                                                  INOUT pruned_logs bigint DEFAULT NULL,
                                                  INOUT pruned_queue_rows bigint DEFAULT NULL)
    AS 'MODULE_PATHNAME', 'lr_prune_routing_history'
    LANGUAGE C;
-- No SET search_path here: a procedure with a SET clause may not commit, and this one
-- commits between batches.  Its statements qualify every relation and operator instead.
COMMENT ON PROCEDURE @extschema@.prune_routing_history(interval, integer, bigint, bigint) IS
    'Deletes audit rows and processed retry-queue rows older than retention (default lead_router.history_retention, 90 days) in batches, committing between them';

CREATE FUNCTION @extschema@.schedule_maintenance()
    RETURNS TABLE (job_name text, schedule text, command text, jobid bigint)
    AS 'MODULE_PATHNAME', 'lr_schedule_maintenance'
    LANGUAGE C VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.schedule_maintenance() IS
    'Registers (or updates) the four pg_cron maintenance jobs of lead_router for this database';

CREATE FUNCTION @extschema@.unschedule_maintenance()
    RETURNS integer
    AS 'MODULE_PATHNAME', 'lr_unschedule_maintenance'
    LANGUAGE C VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.unschedule_maintenance() IS
    'Removes the pg_cron maintenance jobs of lead_router for this database; returns how many';

REVOKE ALL ON FUNCTION @extschema@.process_retry_queue(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.check_routing_health() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.reset_routing_stats() FROM PUBLIC;
REVOKE ALL ON PROCEDURE @extschema@.prune_routing_history(interval, integer, bigint, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.schedule_maintenance() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.unschedule_maintenance() FROM PUBLIC;
