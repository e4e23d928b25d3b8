-- lead_router 0.6.0 -> 0.7.0: identity keys compared as bytes, and owner indexes that hold
-- only the key.
--
-- email_key, phone_key and dedupe_hash are hex digests: they compare byte by byte
-- (COLLATE "C"), not by the database's collation.  Changing a column's collation does not
-- rewrite leads, but rebuilds the indexes on it (leads_dedupe_owner_idx here), under the
-- lock ALTER EXTENSION UPDATE holds anyway.
--
-- The owner indexes carry nothing but the key: a lead that is no duplicate finds no entry,
-- and an original just routed is not all-visible, so the included columns of 0.6.0 spared
-- no heap visit while every routing wrote them.  They are dropped before the keys change
-- collation (nothing to rebuild twice) and created again after.

\echo Use "ALTER EXTENSION lead_router UPDATE TO '0.7.0'" to load this file. \quit

DROP INDEX @extschema@.leads_email_owner_idx;
DROP INDEX @extschema@.leads_phone_owner_idx;

ALTER TABLE @extschema@.leads
    ALTER COLUMN email_key TYPE text COLLATE "C",
    ALTER COLUMN phone_key TYPE text COLLATE "C",
    ALTER COLUMN dedupe_hash TYPE text COLLATE "C";

-- The duplicate check reads routed originals by key, nothing else.
CREATE INDEX leads_email_owner_idx ON @extschema@.leads (email_key)
    WHERE routing_status = 'routed' AND duplicate_of IS NULL AND email_key IS NOT NULL;
CREATE INDEX leads_phone_owner_idx ON @extschema@.leads (phone_key)
    WHERE routing_status = 'routed' AND duplicate_of IS NULL AND phone_key IS NOT NULL;
