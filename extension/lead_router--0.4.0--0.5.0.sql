-- lead_router 0.4.0 -> 0.5.0: a cheaper format check on leads.dedupe_hash.
--
-- CHECK constraints are evaluated on every row written, and every routing writes its lead.
-- The regular expression of 0.4.0 cost about a sixth of route_pending_leads' server time;
-- this check accepts and rejects exactly the same values (64 characters, each one of
-- 0-9 a-f) without a regular expression.  The leads_before_write trigger sets the hash, so
-- the check only guards against writes that bypass triggers (session_replication_role).
-- Replacing it scans leads once, under the lock ALTER EXTENSION UPDATE holds anyway.

\echo Use "ALTER EXTENSION lead_router UPDATE TO '0.5.0'" to load this file. \quit

ALTER TABLE @extschema@.leads
    DROP CONSTRAINT leads_dedupe_hash_format,
    ADD CONSTRAINT leads_dedupe_hash_format CHECK (
        pg_catalog.octet_length(dedupe_hash) = 64
        AND pg_catalog.ltrim(dedupe_hash, '0123456789abcdef') = '');
