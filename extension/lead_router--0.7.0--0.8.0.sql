-- lead_router 0.7.0 -> 0.8.0: the checks of single columns of leads and routing_logs are
-- domains instead of table CHECK constraints.
--
-- PostgreSQL rebuilds every CHECK constraint of a table from its stored node text, and
-- plans it, in every statement that writes a row of it, whatever columns the statement
-- sets.  A routing writes one row of leads and one of routing_logs, so its statement parsed
-- and planned thirteen constraints (about 11 kB of node text) to change six columns: a
-- sixth of the backend's time per routing.  A domain's check is read once per session
-- from the type cache, and only a statement that assigns the column checks it.  What is
-- refused and its SQLSTATE (23514) stay the same, and the constraints keep their names;
-- the message names the domain instead of the table.
--
-- The two constraints that relate columns of a lead (leads_lock_iff_routing,
-- leads_duplicate_stays_home) stay table constraints.
--
-- Order: the table constraints go first (ALTER COLUMN TYPE would rebuild them), then the
-- columns take the domains while these have no constraint yet (the same bytes: no rewrite,
-- the indexes are kept), then the domains get their constraints, which checks the rows once.

\echo Use "ALTER EXTENSION lead_router UPDATE TO '0.8.0'" to load this file. \quit

ALTER TABLE @extschema@.leads
    DROP CONSTRAINT leads_email_length,
    DROP CONSTRAINT leads_phone_length,
    DROP CONSTRAINT leads_company_name_length,
    DROP CONSTRAINT leads_company_domain_length,
    DROP CONSTRAINT leads_company_size_non_negative,
    DROP CONSTRAINT leads_attributes_object,
    DROP CONSTRAINT leads_attempts_non_negative,
    DROP CONSTRAINT leads_dedupe_hash_format;

ALTER TABLE @extschema@.routing_logs
    DROP CONSTRAINT routing_logs_attempt_non_negative,
    DROP CONSTRAINT routing_logs_duplicate_key_known,
    DROP CONSTRAINT routing_logs_result_known;

CREATE DOMAIN @extschema@.lead_email AS text;
COMMENT ON DOMAIN @extschema@.lead_email IS 'A lead''s email as given: at most 320 characters';
CREATE DOMAIN @extschema@.lead_phone AS text;
COMMENT ON DOMAIN @extschema@.lead_phone IS 'A lead''s phone as given: at most 64 characters';
CREATE DOMAIN @extschema@.company_name AS text;
COMMENT ON DOMAIN @extschema@.company_name IS 'A company''s name: at most 500 characters';
CREATE DOMAIN @extschema@.company_domain AS text;
COMMENT ON DOMAIN @extschema@.company_domain IS 'A company''s DNS domain: at most 253 characters';
CREATE DOMAIN @extschema@.company_size AS integer;
COMMENT ON DOMAIN @extschema@.company_size IS 'A company''s head count: not negative';
CREATE DOMAIN @extschema@.lead_attributes AS jsonb;
COMMENT ON DOMAIN @extschema@.lead_attributes IS 'A lead''s free-form attributes: a JSON object';
CREATE DOMAIN @extschema@.attempt_count AS integer;
COMMENT ON DOMAIN @extschema@.attempt_count IS 'Routing attempts made: not negative';
CREATE DOMAIN @extschema@.identity_hash AS text;
COMMENT ON DOMAIN @extschema@.identity_hash IS
    'A SHA-256 digest in lower-case hex: 64 characters of 0-9 and a-f';
CREATE DOMAIN @extschema@.routing_result AS text;
COMMENT ON DOMAIN @extschema@.routing_result IS 'What one routing attempt of a lead ended in (routing_logs)';
CREATE DOMAIN @extschema@.duplicate_key AS text;
COMMENT ON DOMAIN @extschema@.duplicate_key IS 'The identity key a duplicate matched on: email, phone or combined';

ALTER TABLE @extschema@.leads
    ALTER COLUMN email TYPE @extschema@.lead_email,
    ALTER COLUMN phone TYPE @extschema@.lead_phone,
    ALTER COLUMN company_name TYPE @extschema@.company_name,
    ALTER COLUMN company_domain TYPE @extschema@.company_domain,
    ALTER COLUMN company_size TYPE @extschema@.company_size,
    ALTER COLUMN attributes TYPE @extschema@.lead_attributes,
    ALTER COLUMN routing_attempts TYPE @extschema@.attempt_count,
    ALTER COLUMN dedupe_hash TYPE @extschema@.identity_hash COLLATE "C";

-- routing_stats reads routing_result, and a column that a function body depends on cannot
-- change type: the function is dropped here and created again, as it was, after the change.
DROP FUNCTION @extschema@.routing_stats(interval);

ALTER TABLE @extschema@.routing_logs
    ALTER COLUMN attempt TYPE @extschema@.attempt_count,
    ALTER COLUMN duplicate_key TYPE @extschema@.duplicate_key,
    ALTER COLUMN routing_result TYPE @extschema@.routing_result;

CREATE FUNCTION @extschema@.routing_stats(time_window interval DEFAULT '24 hours')
    RETURNS TABLE (source_workspace_id uuid, destination_workspace_id uuid, routed bigint,
                   duplicates bigint, no_match bigint, deferred bigint, failed bigint,
                   expired bigint)
    LANGUAGE sql STABLE PARALLEL RESTRICTED
BEGIN ATOMIC
    SELECT g.source_workspace_id,
           coalesce(g.destination_workspace_id, g.duplicate_owner_workspace_id),
           count(*) FILTER (WHERE g.routing_result OPERATOR(pg_catalog.=) 'success'),
           count(*) FILTER (WHERE g.routing_result OPERATOR(pg_catalog.=) 'duplicate'),
           count(*) FILTER (WHERE g.routing_result OPERATOR(pg_catalog.=) 'no_match'
                               OR (g.routing_result OPERATOR(pg_catalog.=) 'failed'
                                   AND g.error_message OPERATOR(pg_catalog.=) 'no matching rule')),
           count(*) FILTER (WHERE g.routing_result OPERATOR(pg_catalog.=) 'deferred'),
           count(*) FILTER (WHERE g.routing_result OPERATOR(pg_catalog.=) 'failed'),
           count(*) FILTER (WHERE g.routing_result OPERATOR(pg_catalog.=) 'expired')
      FROM @extschema@.routing_logs g
     WHERE g.created_at OPERATOR(pg_catalog.>=) (pg_catalog.now() OPERATOR(pg_catalog.-) time_window)
       AND g.routing_result OPERATOR(pg_catalog.=) ANY (ARRAY['success', 'duplicate', 'no_match',
                                                              'deferred', 'failed', 'expired'])
     GROUP BY 1, 2
     ORDER BY 1, 2;
END;
COMMENT ON FUNCTION @extschema@.routing_stats(interval) IS
    'Routing outcomes over the window per source and destination workspace (a duplicate counts towards the partner that owned the person), as far as the caller may see the audit log';

ALTER DOMAIN @extschema@.lead_email ADD CONSTRAINT leads_email_length CHECK (length(VALUE) <= 320);
ALTER DOMAIN @extschema@.lead_phone ADD CONSTRAINT leads_phone_length CHECK (length(VALUE) <= 64);
ALTER DOMAIN @extschema@.company_name ADD CONSTRAINT leads_company_name_length CHECK (length(VALUE) <= 500);
ALTER DOMAIN @extschema@.company_domain ADD CONSTRAINT leads_company_domain_length CHECK (length(VALUE) <= 253);
ALTER DOMAIN @extschema@.company_size ADD CONSTRAINT leads_company_size_non_negative CHECK (VALUE >= 0);
ALTER DOMAIN @extschema@.lead_attributes ADD CONSTRAINT leads_attributes_object CHECK (jsonb_typeof(VALUE) = 'object');
ALTER DOMAIN @extschema@.attempt_count ADD CONSTRAINT attempt_count_non_negative CHECK (VALUE >= 0);
ALTER DOMAIN @extschema@.identity_hash ADD CONSTRAINT leads_dedupe_hash_format
    CHECK (octet_length(VALUE) = 64 AND ltrim(VALUE, '0123456789abcdef') = '');
ALTER DOMAIN @extschema@.routing_result ADD CONSTRAINT routing_logs_result_known
    CHECK (VALUE IN ('locked', 'success', 'duplicate', 'retry', 'failed', 'expired', 'no_match', 'released',
                     'deferred', 'redriven'));
ALTER DOMAIN @extschema@.duplicate_key ADD CONSTRAINT routing_logs_duplicate_key_known
    CHECK (VALUE IN ('email', 'phone', 'combined'));
