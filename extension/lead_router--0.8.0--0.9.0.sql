-- lead_router 0.8.0 -> 0.9.0: pool credits and cap counts in shared memory.
--
-- With the library in shared_preload_libraries, a routing reads, decides and counts a pool's
-- credits and a partner's cap windows under one short lock in shared memory, and takes its
-- counts back if its transaction rolls back, instead of locking a row of routing_pool_state
-- and of partner_cap_usage until it commits: routings over the same pool or partner no
-- longer wait for each other's commit.  Those two tables become the checkpoint of that
-- state, written by the worker every minute and by save_distribution_state(); a restart
-- takes the pools' credits from it and recounts each cap window from the leads.  On a
-- server that does not preload the library the tables stay the state itself, as before.

\echo Use "ALTER EXTENSION lead_router UPDATE TO '0.9.0'" to load this file. \quit

CREATE FUNCTION @extschema@.save_distribution_state() RETURNS void
    AS 'MODULE_PATHNAME', 'lr_save_distribution_state'
    LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
REVOKE ALL ON FUNCTION @extschema@.save_distribution_state() FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.save_distribution_state() IS
    'Writes the pools'' credits and the caps'' counts kept in shared memory into routing_pool_state and partner_cap_usage (the worker does it every minute)';

DO $grants$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles
                WHERE rolname OPERATOR(pg_catalog.=) 'lead_router_service') THEN
        GRANT EXECUTE ON FUNCTION lead_router.save_distribution_state() TO lead_router_service;
    END IF;
END
$grants$;
