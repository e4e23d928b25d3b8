-- lead_router 0.9.0 -> 0.10.0: fewer bytes written per routed lead.
--
-- The three owner indexes become hash indexes.  The duplicate check only ever asks them for
-- one key by equality, and a B-tree entry carried the whole 64-character hex key: each
-- routed original wrote three such entries, and their random keys split B-tree pages all
-- over the index.  A hash entry is the key's 4-byte hash code; the key is compared on the
-- row.  The indexes are rebuilt here, under the lock ALTER EXTENSION UPDATE holds anyway
-- (README, "Upgrading").

\echo Use "ALTER EXTENSION lead_router UPDATE TO '0.10.0'" to load this file. \quit

DROP INDEX @extschema@.leads_email_owner_idx;
DROP INDEX @extschema@.leads_phone_owner_idx;
DROP INDEX @extschema@.leads_dedupe_owner_idx;

CREATE INDEX leads_email_owner_idx ON @extschema@.leads USING hash (email_key)
    WHERE routing_status = 'routed' AND duplicate_of IS NULL AND email_key IS NOT NULL;
CREATE INDEX leads_phone_owner_idx ON @extschema@.leads USING hash (phone_key)
    WHERE routing_status = 'routed' AND duplicate_of IS NULL AND phone_key IS NOT NULL;
CREATE INDEX leads_dedupe_owner_idx ON @extschema@.leads USING hash (dedupe_hash)
    WHERE routing_status = 'routed' AND duplicate_of IS NULL AND dedupe_hash IS NOT NULL;

-- No path of the product reads routing_logs by source workspace: the row-level policy asks
-- for the source or the destination, which this index cannot serve, and health, retention
-- and the event feed read by time, by lead or by id.  Each audit row wrote an entry into it.
-- A query by source workspace and time is served by routing_logs_analytics_idx (time first).
DROP INDEX @extschema@.routing_logs_workspace_idx;

-- A routing rewrites its lead's row.  With room left on each page the new version stays on
-- the page of the old one, and the WAL record then carries only the bytes that changed
-- instead of the whole row.  New rows fill a page to 80 %; the pages of existing rows keep
-- the room VACUUM frees on them.
ALTER TABLE @extschema@.leads SET (fillfactor = 80);
