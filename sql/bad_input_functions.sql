-- Bad input to every SQL function of lead_router (issue 5, SPEC.md "Errors and bad input"):
-- NULL in every argument position, unknown and malformed ids, zero, negative, huge and
-- overflowing numbers, interval abuse, 1 MB and 100 MB strings, invalid UTF-8.  Each case is a
-- numbered row (F1, F2, ...) whose outcome is either the value the call returns or
-- 'SQLSTATE: message' of its error; every group of calls that could change something is
-- followed by a check that no table changed.  Rule validation and direct writes to the
-- tables: bad_input_rules.sql.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;

\i sql/fixtures/bad_input.sql

-- Leads in every state: 01 pending, 02 routing (held by owner1), 03 routed by rule 1,
-- 04 expired, 05 pending in the second inbound workspace.
INSERT INTO routing_rules (id, workspace_id, name, conditions, destination_workspace_id) VALUES
    ('20000000-0000-0000-0000-000000000001', :'inbound', 'germany', '{"country": "DE"}', :'partner1'),
    ('20000000-0000-0000-0000-000000000002', :'inbound2', 'everything', '{}', :'partner2');
INSERT INTO leads (id, email, country, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000001', 'a@x.com', 'US', :'inbound'),
    ('10000000-0000-0000-0000-000000000002', 'b@x.com', 'US', :'inbound'),
    ('10000000-0000-0000-0000-000000000003', 'c@x.com', 'DE', :'inbound'),
    ('10000000-0000-0000-0000-000000000004', 'd@x.com', 'US', :'inbound'),
    ('10000000-0000-0000-0000-000000000005', 'e@x.com', 'US', :'inbound2');
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000002', :'owner1') AS locked_02;
SELECT status FROM route_lead('10000000-0000-0000-0000-000000000003');
UPDATE leads SET routing_status = 'expired' WHERE id = '10000000-0000-0000-0000-000000000004';
CREATE TEMP VIEW lead_state AS
SELECT right(id::text, 2) AS lead, routing_status, routing_attempts AS attempts,
       routing_locked_by IS NOT NULL AS locked, right(workspace_id::text, 2) AS owner,
       left(routing_error, 20) AS routing_error
  FROM lead_router.leads ORDER BY id;
SELECT * FROM lead_state;
SELECT pg_temp.take_snapshot();

-- generate_dedupe_hash (pure): NULL and blank parts, 1 MB and 100 MB parts within a time
-- limit, characters the server refuses before the function sees them
SET statement_timeout = '60s';
SELECT n, "case", pg_temp.outcome(statement) AS outcome FROM (VALUES
    ('F1', 'all parts NULL', $$SELECT lead_router.generate_dedupe_hash(NULL, NULL, NULL)$$),
    ('F2', 'all parts empty', $$SELECT lead_router.generate_dedupe_hash('', '', '')$$),
    ('F3', '1 MB of blanks and punctuation per part', $$SELECT lead_router.generate_dedupe_hash(repeat(' ', 1000000), repeat('-', 1000000), repeat(E'\t', 1000000))$$),
    ('F4', 'only a phone without digits', $$SELECT lead_router.generate_dedupe_hash(NULL, '+() -', NULL)$$),
    ('F5', 'NULL email = empty email', $$SELECT lead_router.generate_dedupe_hash(NULL, '555', 'x') = lead_router.generate_dedupe_hash('', '555', 'x')$$),
    ('F6', '1 MB email: 64 hex digits', $$SELECT lead_router.generate_dedupe_hash(repeat('x', 1000000) || '@x.com', NULL, NULL) ~ '^[0-9a-f]{64}$'$$),
    ('F7', '100 MB email: 64 hex digits', $$SELECT lead_router.generate_dedupe_hash(repeat('x', 100 * 1000 * 1000), NULL, NULL) ~ '^[0-9a-f]{64}$'$$),
    ('F8', '100 MB phone of digits', $$SELECT lead_router.generate_dedupe_hash(NULL, repeat('5', 100 * 1000 * 1000), NULL) ~ '^[0-9a-f]{64}$'$$),
    ('F9', '100 MB company of words and blanks', $$SELECT lead_router.generate_dedupe_hash(NULL, NULL, repeat('Ab  ', 25 * 1000 * 1000)) ~ '^[0-9a-f]{64}$'$$),
    ('F10', '100 MB of 2-byte characters, case-folded', $$SELECT lead_router.generate_dedupe_hash(repeat('É', 50 * 1000 * 1000), NULL, NULL) = lead_router.generate_dedupe_hash(repeat('é', 50 * 1000 * 1000), NULL, NULL)$$),
    ('F11', 'largest code point', $$SELECT lead_router.generate_dedupe_hash(E'\U0010FFFF', NULL, NULL) ~ '^[0-9a-f]{64}$'$$),
    ('F12', 'invalid UTF-8 (refused by the server)', $$SELECT lead_router.generate_dedupe_hash(convert_from('\xff'::bytea, 'UTF8'), NULL, NULL)$$),
    ('F13', 'NUL character (refused by the server)', $$SELECT lead_router.generate_dedupe_hash(chr(0), NULL, NULL)$$),
    ('F14', 'wrong argument type', $$SELECT lead_router.generate_dedupe_hash(42, NULL, NULL)$$),
    ('F15', 'too few arguments', $$SELECT lead_router.generate_dedupe_hash('a@x.com')$$)
) AS v(n, "case", statement);
RESET statement_timeout;

-- current_user_id() reads lead_router.user_id: unset or empty is NULL, anything that is not
-- a uuid is an error naming the value (and so is every row-level-security read and routing
-- call of an application user while it is malformed)
CREATE FUNCTION pg_temp.user_id_for(setting text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    IF setting IS NULL THEN RESET lead_router.user_id;
    ELSE PERFORM set_config('lead_router.user_id', setting, true);
    END IF;
    RETURN coalesce(lead_router.current_user_id()::text, '(null)');
END $$;
SELECT n, "case", pg_temp.outcome(statement) AS outcome FROM (VALUES
    ('F16', 'unset', $$SELECT pg_temp.user_id_for(NULL)$$),
    ('F17', 'empty', $$SELECT pg_temp.user_id_for('')$$),
    ('F18', 'not a uuid', $$SELECT pg_temp.user_id_for('alice')$$),
    ('F19', 'one digit too many', $$SELECT pg_temp.user_id_for('aaaaaaaa-0000-0000-0000-0000000000011')$$),
    ('F20', 'one digit short', $$SELECT pg_temp.user_id_for('aaaaaaaa-0000-0000-0000-00000000000')$$),
    ('F21', 'a non-hex digit', $$SELECT pg_temp.user_id_for('aaaaaaaa-0000-0000-0000-00000000000g')$$),
    ('F22', 'SQL in the value', $$SELECT pg_temp.user_id_for('x''); DROP TABLE lead_router.leads; --')$$),
    ('F23', 'braces, as uuid_in accepts', $$SELECT pg_temp.user_id_for('{aaaaaaaa-0000-0000-0000-000000000001}')$$),
    ('F24', 'upper case without hyphens', $$SELECT pg_temp.user_id_for('AAAAAAAA00000000000000000000000A')$$),
    ('F25', 'wrong number of arguments', $$SELECT lead_router.current_user_id('x')$$),
    ('F26', 'unknown lead_router setting', $$SET lead_router.userid = 'x'$$)
) AS v(n, "case", statement);
RESET lead_router.user_id;

CREATE ROLE regress_lr_bad_input LOGIN;
GRANT USAGE ON SCHEMA lead_router TO regress_lr_bad_input;
GRANT SELECT ON leads, user_workspaces TO regress_lr_bad_input;
GRANT EXECUTE ON FUNCTION route_lead(uuid, uuid, integer), route_pending_leads(integer) TO regress_lr_bad_input;
-- (run by an application role, naming the user for the transaction only)
CREATE FUNCTION pg_temp.as_user(setting text, statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('lead_router.user_id', coalesce(setting, ''), true);
    RETURN pg_temp.outcome(statement);
END $$;
SET ROLE regress_lr_bad_input;
SELECT n, "case", pg_temp.as_user(setting, statement) AS outcome FROM (VALUES
    ('F27', 'no user id: no rows, not all rows', NULL, $$SELECT count(*) FROM lead_router.leads$$),
    ('F28', 'malformed user id: read', 'bob', $$SELECT count(*) FROM lead_router.leads$$),
    ('F29', 'malformed user id: route_lead', 'bob', $$SELECT status FROM lead_router.route_lead('10000000-0000-0000-0000-000000000001')$$),
    ('F30', 'malformed user id: route_pending_leads', 'bob', $$SELECT count(*) FROM lead_router.route_pending_leads(10)$$),
    ('F31', 'unknown user: the lead does not exist', 'bbbbbbbb-0000-0000-0000-000000000002', $$SELECT status FROM lead_router.route_lead('10000000-0000-0000-0000-000000000001')$$),
    ('F32', 'maintenance is not for application roles', NULL, $$SELECT lead_router.mark_expired_leads()$$),
    ('F33', 'nor is changing lock_timeout', NULL, $$SET lead_router.lock_timeout = '1s'$$),
    ('F34', 'nor check_routing_health', NULL, $$SELECT lead_router.check_routing_health()$$),
    ('F35', 'nor reset_routing_stats', NULL, $$SELECT lead_router.reset_routing_stats()$$)
) AS v(n, "case", setting, statement);
RESET ROLE;
RESET lead_router.user_id;
SELECT pg_temp.changes() AS tables_after;

-- acquire_routing_lock, complete_routing, fail_routing: NULL in every position, malformed
-- and unknown ids, leads in the wrong state, max_attempts out of range or overflowing
SELECT n, "case", pg_temp.outcome(statement) AS outcome FROM (VALUES
    ('F36', 'acquire: NULL lead_id', $$SELECT lead_router.acquire_routing_lock(NULL, '0000000a-0000-0000-0000-000000000001')$$),
    ('F37', 'acquire: NULL lock_owner', $$SELECT lead_router.acquire_routing_lock('10000000-0000-0000-0000-000000000001', NULL)$$),
    ('F38', 'acquire: both NULL', $$SELECT lead_router.acquire_routing_lock(NULL, NULL)$$),
    ('F39', 'acquire: malformed lead_id', $$SELECT lead_router.acquire_routing_lock('10000000-0000-0000-0000-00000000001', '0000000a-0000-0000-0000-000000000001')$$),
    ('F40', 'acquire: integer lead_id', $$SELECT lead_router.acquire_routing_lock(1, '0000000a-0000-0000-0000-000000000001')$$),
    ('F41', 'acquire: unknown lead', $$SELECT lead_router.acquire_routing_lock('1000dead-0000-0000-0000-000000000000', '0000000a-0000-0000-0000-000000000001')$$),
    ('F42', 'acquire: nil uuid lead', $$SELECT lead_router.acquire_routing_lock('00000000-0000-0000-0000-000000000000', '0000000a-0000-0000-0000-000000000001')$$),
    ('F43', 'acquire: routed lead', $$SELECT lead_router.acquire_routing_lock('10000000-0000-0000-0000-000000000003', '0000000a-0000-0000-0000-000000000001')$$),
    ('F44', 'acquire: expired lead', $$SELECT lead_router.acquire_routing_lock('10000000-0000-0000-0000-000000000004', '0000000a-0000-0000-0000-000000000001')$$),
    ('F45', 'acquire: lead another owner holds', $$SELECT lead_router.acquire_routing_lock('10000000-0000-0000-0000-000000000002', '0000000a-0000-0000-0000-000000000002')$$),
    ('F46', 'complete: NULL lead_id', $$SELECT lead_router.complete_routing(NULL, '00000000-0000-0000-0000-0000000000b1', NULL, '0000000a-0000-0000-0000-000000000001')$$),
    ('F47', 'complete: NULL destination', $$SELECT lead_router.complete_routing('10000000-0000-0000-0000-000000000002', NULL, NULL, '0000000a-0000-0000-0000-000000000001')$$),
    ('F48', 'complete: NULL lock_owner', $$SELECT lead_router.complete_routing('10000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-0000000000b1', NULL, NULL)$$),
    ('F49', 'complete: all NULL', $$SELECT lead_router.complete_routing(NULL, NULL, NULL, NULL)$$),
    ('F50', 'complete: malformed destination', $$SELECT lead_router.complete_routing('10000000-0000-0000-0000-000000000002', 'partner1', NULL, '0000000a-0000-0000-0000-000000000001')$$),
    ('F51', 'complete: unknown lead', $$SELECT lead_router.complete_routing('1000dead-0000-0000-0000-000000000000', '00000000-0000-0000-0000-0000000000b1', NULL, '0000000a-0000-0000-0000-000000000001')$$),
    ('F52', 'complete: unknown destination', $$SELECT lead_router.complete_routing('10000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-00000000ffff', NULL, '0000000a-0000-0000-0000-000000000001')$$),
    ('F53', 'complete: inactive destination', $$SELECT lead_router.complete_routing('10000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-0000000000b9', NULL, '0000000a-0000-0000-0000-000000000001')$$),
    ('F54', 'complete: another owner', $$SELECT lead_router.complete_routing('10000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-0000000000b1', NULL, '0000000a-0000-0000-0000-000000000002')$$),
    ('F55', 'complete: pending lead', $$SELECT lead_router.complete_routing('10000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000b1', NULL, '0000000a-0000-0000-0000-000000000001')$$),
    ('F56', 'complete: routed lead', $$SELECT lead_router.complete_routing('10000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-0000000000b2', NULL, '0000000a-0000-0000-0000-000000000001')$$),
    ('F57', 'fail: NULL lead_id', $$SELECT lead_router.fail_routing(NULL, 'x', '0000000a-0000-0000-0000-000000000001')$$),
    ('F58', 'fail: NULL error_message', $$SELECT lead_router.fail_routing('10000000-0000-0000-0000-000000000002', NULL, '0000000a-0000-0000-0000-000000000001')$$),
    ('F59', 'fail: NULL lock_owner', $$SELECT lead_router.fail_routing('10000000-0000-0000-0000-000000000002', 'x', NULL)$$),
    ('F60', 'fail: NULL max_attempts', $$SELECT lead_router.fail_routing('10000000-0000-0000-0000-000000000002', 'x', '0000000a-0000-0000-0000-000000000001', NULL)$$),
    ('F61', 'fail: max_attempts 0', $$SELECT lead_router.fail_routing('10000000-0000-0000-0000-000000000002', 'x', '0000000a-0000-0000-0000-000000000001', 0)$$),
    ('F62', 'fail: max_attempts -1', $$SELECT lead_router.fail_routing('10000000-0000-0000-0000-000000000002', 'x', '0000000a-0000-0000-0000-000000000001', -1)$$),
    ('F63', 'fail: max_attempts 101', $$SELECT lead_router.fail_routing('10000000-0000-0000-0000-000000000002', 'x', '0000000a-0000-0000-0000-000000000001', 101)$$),
    ('F64', 'fail: max_attempts 2147483647', $$SELECT lead_router.fail_routing('10000000-0000-0000-0000-000000000002', 'x', '0000000a-0000-0000-0000-000000000001', 2147483647)$$),
    ('F65', 'fail: max_attempts 2147483647 + 1', $$SELECT lead_router.fail_routing('10000000-0000-0000-0000-000000000002', 'x', '0000000a-0000-0000-0000-000000000001', 2147483647 + 1)$$),
    ('F66', 'fail: max_attempts 2147483648', $$SELECT lead_router.fail_routing('10000000-0000-0000-0000-000000000002', 'x', '0000000a-0000-0000-0000-000000000001', 2147483648)$$),
    ('F67', 'fail: max_attempts ''3.5''', $$SELECT lead_router.fail_routing('10000000-0000-0000-0000-000000000002', 'x', '0000000a-0000-0000-0000-000000000001', '3.5')$$),
    ('F68', 'fail: unknown lead', $$SELECT lead_router.fail_routing('1000dead-0000-0000-0000-000000000000', 'x', '0000000a-0000-0000-0000-000000000001')$$),
    ('F69', 'fail: pending lead', $$SELECT lead_router.fail_routing('10000000-0000-0000-0000-000000000001', 'x', '0000000a-0000-0000-0000-000000000001')$$),
    ('F70', 'fail: another owner', $$SELECT lead_router.fail_routing('10000000-0000-0000-0000-000000000002', 'x', '0000000a-0000-0000-0000-000000000002')$$),
    ('F71', 'fail: routed lead', $$SELECT lead_router.fail_routing('10000000-0000-0000-0000-000000000003', 'x', '0000000a-0000-0000-0000-000000000001')$$)
) AS v(n, "case", statement);
SELECT pg_temp.changes() AS tables_after;

-- complete_routing must not deliver to a workspace a rule could not name, nor record a rule
-- that does not exist (run in a transaction that is rolled back, so that the rest of the
-- test starts from the same state whatever happens)
BEGIN;
SELECT n, "case", pg_temp.refusal(statement, bad_value) AS outcome FROM (VALUES
    ('F72', 'complete: internal destination', $$SELECT lead_router.complete_routing('10000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-0000000000a2', NULL, '0000000a-0000-0000-0000-000000000001')$$, '00000000-0000-0000-0000-0000000000a2'),
    ('F73', 'complete: to its own source workspace', $$SELECT lead_router.complete_routing('10000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-0000000000a1', NULL, '0000000a-0000-0000-0000-000000000001')$$, '00000000-0000-0000-0000-0000000000a1'),
    ('F74', 'complete: unknown matched_rule_id', $$SELECT lead_router.complete_routing('10000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-0000000000b1', '2000dead-0000-0000-0000-000000000000', '0000000a-0000-0000-0000-000000000001')$$, '2000dead-0000-0000-0000-000000000000')
) AS v(n, "case", statement, bad_value);
SELECT pg_temp.changes() AS tables_after;
ROLLBACK;

-- a 1 MB error message is accepted and stored cut to 1000 bytes in all three places
SELECT n, "case", pg_temp.outcome(statement) AS outcome FROM (VALUES
    ('F75', 'fail: 1 MB error message', $$SELECT lead_router.fail_routing('10000000-0000-0000-0000-000000000002', repeat('é', 500000), '0000000a-0000-0000-0000-000000000001')$$)
) AS v(n, "case", statement);
SELECT octet_length(l.routing_error) AS lead_bytes, octet_length(q.last_error) AS queue_bytes,
       (SELECT octet_length(error_message) FROM routing_logs WHERE lead_id = l.id ORDER BY id DESC LIMIT 1) AS log_bytes
  FROM leads l JOIN routing_queue q ON q.lead_id = l.id AND q.processed_at IS NULL
 WHERE l.id = '10000000-0000-0000-0000-000000000002';
SELECT lead, routing_status, attempts, locked FROM lead_state WHERE lead = '02';
SELECT pg_temp.take_snapshot();

-- release_stale_routing_locks: interval abuse (infinity does not parse in PostgreSQL 15;
-- pg_regress shows intervals in the postgres_verbose style)
SELECT n, "case", pg_temp.outcome(statement) AS outcome FROM (VALUES
    ('F76', 'negative', $$SELECT lead_router.release_stale_routing_locks('-1 day')$$),
    ('F77', 'zero', $$SELECT lead_router.release_stale_routing_locks('0')$$),
    ('F78', 'negative overall (1 month - 31 days)', $$SELECT lead_router.release_stale_routing_locks('1 mon -31 days')$$),
    ('F79', '1000000 years', $$SELECT lead_router.release_stale_routing_locks('1000000 years')$$),
    ('F80', 'largest interval', $$SELECT lead_router.release_stale_routing_locks('178000000 years')$$),
    ('F81', '2147483647 days', $$SELECT lead_router.release_stale_routing_locks('2147483647 days')$$),
    ('F82', 'infinity', $$SELECT lead_router.release_stale_routing_locks('infinity')$$),
    ('F83', 'garbage', $$SELECT lead_router.release_stale_routing_locks('soon')$$),
    ('F84', 'NULL: lead_router.lock_timeout', $$SELECT lead_router.release_stale_routing_locks(NULL)$$),
    ('F85', '999 years: nothing that old', $$SELECT lead_router.release_stale_routing_locks('999 years')$$),
    ('F86', 'months and years count', $$SELECT lead_router.release_stale_routing_locks('1 year 2 months')$$)
) AS v(n, "case", statement);
-- a huge negative interval is named before any arithmetic could overflow, and the bound
-- counts years as PostgreSQL compares intervals (1001 years is more than 1000)
SELECT n, "case", pg_temp.refusal(statement, bad_value) AS outcome FROM (VALUES
    ('F87', '-1000000 years', $$SELECT lead_router.release_stale_routing_locks('-1000000 years')$$, '@ 1000000 years ago'),
    ('F88', '1001 years', $$SELECT lead_router.release_stale_routing_locks('1001 years')$$, '@ 1001 years')
) AS v(n, "case", statement, bad_value);

-- check_cross_partner_duplicate and mark_expired_leads
SELECT n, "case", pg_temp.outcome(statement) AS outcome FROM (VALUES
    ('F89', 'NULL hash: no identity, no duplicate', $$SELECT count(*) FROM lead_router.check_cross_partner_duplicate(NULL, '00000000-0000-0000-0000-0000000000a1')$$),
    ('F90', 'NULL source workspace', $$SELECT count(*) FROM lead_router.check_cross_partner_duplicate(repeat('0', 64), NULL)$$),
    ('F91', 'both NULL', $$SELECT count(*) FROM lead_router.check_cross_partner_duplicate(NULL, NULL)$$),
    ('F92', 'upper-case hash', $$SELECT count(*) FROM lead_router.check_cross_partner_duplicate(repeat('A', 64), NULL)$$),
    ('F93', '65 hex digits', $$SELECT count(*) FROM lead_router.check_cross_partner_duplicate(repeat('a', 65), NULL)$$),
    ('F94', 'empty hash', $$SELECT count(*) FROM lead_router.check_cross_partner_duplicate('', NULL)$$),
    ('F95', '1 MB hash (named clipped)', $$SELECT count(*) FROM lead_router.check_cross_partner_duplicate(repeat('g', 1000000), NULL)$$),
    ('F96', 'SQL in the hash', $$SELECT count(*) FROM lead_router.check_cross_partner_duplicate(''' OR ''1''=''1', NULL)$$),
    ('F97', 'malformed source workspace', $$SELECT count(*) FROM lead_router.check_cross_partner_duplicate(repeat('0', 64), 'inbound')$$),
    ('F98', 'mark_expired_leads with an argument', $$SELECT lead_router.mark_expired_leads(1)$$)
) AS v(n, "case", statement);

-- route_lead, route_pending_leads, explain_route, process_retry_queue
SELECT n, "case", pg_temp.outcome(statement) AS outcome FROM (VALUES
    ('F99', 'route: NULL lead_id', $$SELECT status FROM lead_router.route_lead(NULL)$$),
    ('F100', 'route: NULL max_attempts', $$SELECT status FROM lead_router.route_lead('10000000-0000-0000-0000-000000000001', NULL, NULL)$$),
    ('F101', 'route: max_attempts 0', $$SELECT status FROM lead_router.route_lead('10000000-0000-0000-0000-000000000001', NULL, 0)$$),
    ('F102', 'route: max_attempts 101', $$SELECT status FROM lead_router.route_lead('10000000-0000-0000-0000-000000000001', NULL, 101)$$),
    ('F103', 'route: max_attempts -2147483648', $$SELECT status FROM lead_router.route_lead('10000000-0000-0000-0000-000000000001', NULL, -2147483648)$$),
    ('F104', 'route: max_attempts 2147483647 + 1', $$SELECT status FROM lead_router.route_lead('10000000-0000-0000-0000-000000000001', NULL, 2147483647 + 1)$$),
    ('F105', 'route: max_attempts ''''', $$SELECT status FROM lead_router.route_lead('10000000-0000-0000-0000-000000000001', NULL, '')$$),
    ('F106', 'route: malformed lead_id', $$SELECT status FROM lead_router.route_lead('10000000-0000-0000-0000-0000000000zz')$$),
    ('F107', 'route: unknown lead', $$SELECT status FROM lead_router.route_lead('1000dead-0000-0000-0000-000000000000')$$),
    ('F108', 'route: another source workspace', $$SELECT status FROM lead_router.route_lead('10000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a2')$$),
    ('F109', 'route: unknown source workspace', $$SELECT status FROM lead_router.route_lead('10000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-00000000ffff')$$),
    ('F110', 'route: malformed source workspace', $$SELECT status FROM lead_router.route_lead('10000000-0000-0000-0000-000000000001', 'a1')$$),
    ('F111', 'route: routed lead (idempotent)', $$SELECT status || ' by ' || right(matched_rule_id::text, 2) FROM lead_router.route_lead('10000000-0000-0000-0000-000000000003')$$),
    ('F112', 'route: expired lead', $$SELECT status || ': ' || error FROM lead_router.route_lead('10000000-0000-0000-0000-000000000004')$$),
    ('F113', 'pending: NULL batch_size', $$SELECT count(*) FROM lead_router.route_pending_leads(NULL)$$),
    ('F114', 'pending: batch_size 0', $$SELECT count(*) FROM lead_router.route_pending_leads(0)$$),
    ('F115', 'pending: batch_size -1', $$SELECT count(*) FROM lead_router.route_pending_leads(-1)$$),
    ('F116', 'pending: batch_size 10001', $$SELECT count(*) FROM lead_router.route_pending_leads(10001)$$),
    ('F117', 'pending: batch_size 2147483647', $$SELECT count(*) FROM lead_router.route_pending_leads(2147483647)$$),
    ('F118', 'pending: batch_size -2147483648', $$SELECT count(*) FROM lead_router.route_pending_leads(-2147483648)$$),
    ('F119', 'pending: batch_size ''1e3''', $$SELECT count(*) FROM lead_router.route_pending_leads('1e3')$$),
    ('F120', 'explain: NULL lead_id', $$SELECT count(*) FROM lead_router.explain_route(NULL)$$),
    ('F121', 'explain: unknown lead', $$SELECT count(*) FROM lead_router.explain_route('1000dead-0000-0000-0000-000000000000')$$),
    ('F122', 'explain: malformed lead_id', $$SELECT count(*) FROM lead_router.explain_route('')$$),
    ('F123', 'retry queue: NULL batch_size', $$SELECT processed FROM lead_router.process_retry_queue(NULL)$$),
    ('F124', 'retry queue: batch_size 0', $$SELECT processed FROM lead_router.process_retry_queue(0)$$),
    ('F125', 'retry queue: batch_size 10001', $$SELECT processed FROM lead_router.process_retry_queue(10001)$$),
    ('F126', 'retry queue: batch_size -2147483648', $$SELECT processed FROM lead_router.process_retry_queue(-2147483648)$$)
) AS v(n, "case", statement);
SELECT pg_temp.changes() AS tables_after;

-- routing_health, check_routing_health, reset_routing_stats
SELECT n, "case", pg_temp.outcome(statement) AS outcome FROM (VALUES
    ('F127', 'health: NULL window', $$SELECT verdict FROM lead_router.routing_health(NULL)$$),
    ('F128', 'health: 59 seconds', $$SELECT verdict FROM lead_router.routing_health('59 seconds')$$),
    ('F129', 'health: negative', $$SELECT verdict FROM lead_router.routing_health('-1 hour')$$),
    ('F130', 'health: 1 month', $$SELECT verdict FROM lead_router.routing_health('1 month')$$),
    ('F131', 'health: 24 hours and 1 microsecond', $$SELECT verdict FROM lead_router.routing_health('24:00:00.000001')$$),
    ('F132', 'health: smallest interval', $$SELECT verdict FROM lead_router.routing_health('-178000000 years')$$),
    ('F133', 'health: infinity', $$SELECT verdict FROM lead_router.routing_health('infinity')$$),
    ('F134', 'health: exactly 1 minute, as 1 day - 23:59', $$SELECT count(*) FROM lead_router.routing_health('1 day -23 hours -59 minutes')$$),
    ('F135', 'health: exactly 24 hours', $$SELECT count(*) FROM lead_router.routing_health('24 hours')$$),
    ('F136', 'check_routing_health with an argument', $$SELECT lead_router.check_routing_health('1 hour')$$),
    ('F137', 'reset_routing_stats with an argument', $$SELECT lead_router.reset_routing_stats(true)$$)
) AS v(n, "case", statement);

-- prune_routing_history (CALL) and its batch function: retention and batch_size out of
-- range, called the wrong way
SELECT n, "case", pg_temp.outcome(statement) AS outcome FROM (VALUES
    ('F138', 'prune: NULL batch_size', $$CALL lead_router.prune_routing_history(NULL, NULL)$$),
    ('F139', 'prune: batch_size 0', $$CALL lead_router.prune_routing_history(NULL, 0)$$),
    ('F140', 'prune: batch_size -5', $$CALL lead_router.prune_routing_history(NULL, -5)$$),
    ('F141', 'prune: batch_size 100001', $$CALL lead_router.prune_routing_history(NULL, 100001)$$),
    ('F142', 'prune: 59 minutes', $$CALL lead_router.prune_routing_history('59 minutes')$$),
    ('F143', 'prune: negative', $$CALL lead_router.prune_routing_history('-90 days')$$),
    ('F144', 'prune: 1000000 years', $$CALL lead_router.prune_routing_history('1000000 years')$$),
    ('F145', 'prune: garbage', $$CALL lead_router.prune_routing_history('a while')$$),
    ('F146', 'prune: with SELECT', $$SELECT lead_router.prune_routing_history()$$),
    ('F147', 'prune: nothing old enough', $$CALL lead_router.prune_routing_history('1 hour')$$),
    ('F148', 'batch: NULL cutoff', $$SELECT pruned_logs FROM lead_router.prune_routing_history_batch(NULL, 10)$$),
    ('F149', 'batch: NULL batch_size', $$SELECT pruned_logs FROM lead_router.prune_routing_history_batch('2000-01-01', NULL)$$),
    ('F150', 'batch: batch_size 0', $$SELECT pruned_logs FROM lead_router.prune_routing_history_batch('2000-01-01', 0)$$),
    ('F151', 'batch: garbage cutoff', $$SELECT pruned_logs FROM lead_router.prune_routing_history_batch('yesterday-ish', 10)$$),
    ('F152', 'schedule_maintenance without pg_cron', $$SELECT count(*) FROM lead_router.schedule_maintenance()$$),
    ('F153', 'unschedule_maintenance without pg_cron', $$SELECT lead_router.unschedule_maintenance()$$),
    ('F154', 'schedule_maintenance with an argument', $$SELECT count(*) FROM lead_router.schedule_maintenance('* * * * *')$$)
) AS v(n, "case", statement);
SELECT pg_temp.changes() AS tables_after;

-- 101 years is more than 100; the batch function, which the service role may execute,
-- keeps the same floor (a cutoff at least 1 hour in the past), so it cannot empty the
-- append-only audit log
BEGIN;
SELECT n, "case", pg_temp.refusal(statement, bad_value) AS outcome FROM (VALUES
    ('F155', 'prune: 101 years', $$CALL lead_router.prune_routing_history('101 years')$$, '@ 101 years'),
    ('F156', 'batch: cutoff infinity', $$SELECT lead_router.prune_routing_history_batch('infinity', 10)$$, 'infinity')
) AS v(n, "case", statement, bad_value);
SELECT pg_temp.changes() AS tables_after;
ROLLBACK;

-- correct results that change something: expiry of -infinity and infinity, a lead routed
-- by route_lead after all the refused calls
INSERT INTO leads (id, source_workspace_id, lead_expires_at) VALUES
    ('10000000-0000-0000-0000-000000000006', :'inbound', '-infinity'),
    ('10000000-0000-0000-0000-000000000007', :'inbound', 'infinity');
SELECT n, "case", pg_temp.outcome(statement) AS outcome FROM (VALUES
    ('F157', 'expire: -infinity expires, infinity never', $$SELECT lead_router.mark_expired_leads()$$),
    ('F158', 'route the pending lead of inbound2', $$SELECT status || ' to ' || right(destination_workspace_id::text, 2) FROM lead_router.route_lead('10000000-0000-0000-0000-000000000005', '00000000-0000-0000-0000-0000000000a2', 100)$$)
) AS v(n, "case", statement);
SELECT * FROM lead_state;

-- current_user_id with a 1 MB value: an error naming it, but not echoing 1 MB
BEGIN;
SELECT set_config('lead_router.user_id', repeat('u', 1000000), false) IS NOT NULL AS set_1mb;
SELECT 'F159' AS n, left(e, 50) AS outcome, octet_length(e) < 2000 AS message_bounded
  FROM pg_temp.outcome('SELECT lead_router.current_user_id()') AS e;
COMMIT;
RESET lead_router.user_id;

\i sql/fixtures/teardown.sql
DROP OWNED BY regress_lr_bad_input;
DROP ROLE regress_lr_bad_input;
