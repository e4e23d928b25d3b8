-- Bad input to rule validation (issue 5, README "Rules"), rules that bypassed validation,
-- and direct writes to the tables (the state machine's trigger, CHECKs, foreign keys, the
-- append-only audit log).  Each case is a numbered row (R1, R2, ...) whose outcome is
-- 'accepted' / the value returned, or 'SQLSTATE: message' of its error; every group that
-- could change something is followed by a check that no table changed.  The SQL functions'
-- own arguments: bad_input_functions.sql.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;

\i sql/fixtures/bad_input.sql

-- A rule with these conditions, inserted and always undone: 'accepted' or the error.
CREATE FUNCTION pg_temp.try_rule(doc text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id)
        VALUES ('00000000-0000-0000-0000-0000000000a1', 'probe', doc::jsonb, '00000000-0000-0000-0000-0000000000b1');
        RAISE EXCEPTION 'undo' USING ERRCODE = 'LR999';
    EXCEPTION WHEN SQLSTATE 'LR999' THEN
        RETURN 'accepted';
    END;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE FUNCTION pg_temp.rule_statement(doc text) RETURNS text LANGUAGE sql AS $$
    SELECT format('INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id) VALUES (%L, %L, %L, %L)',
                  '00000000-0000-0000-0000-0000000000a1', 'probe', doc, '00000000-0000-0000-0000-0000000000b1')
$$;
-- conditions nested `depth` levels deep in any (or all) groups
CREATE FUNCTION pg_temp.nested(depth int, grp text DEFAULT 'any') RETURNS text LANGUAGE sql AS $$
    SELECT repeat(format('{"%s": [', grp), depth) || '{"country": "US"}' || repeat(']}', depth)
$$;

-- Rule validation.  Accepted at the limits (each probe is undone, so nothing is stored):
SELECT n, "case", pg_temp.try_rule(doc) AS outcome FROM (VALUES
    ('R1', 'any nested 8 levels', pg_temp.nested(8)),
    ('R2', 'all nested 8 levels', pg_temp.nested(8, 'all')),
    ('R3', '256 predicates', (SELECT '{' || string_agg(format('"attributes.k%s": %s', i, i), ', ') || '}' FROM generate_series(1, 256) i)),
    ('R4', 'in list of 1000 strings', (SELECT '{"country": {"in": [' || string_agg(format('"c%s"', i), ',') || ']}}' FROM generate_series(1, 1000) i)),
    ('R5', '1000-byte string operand', format('{"company_name": {"contains": "%s"}}', repeat('é', 500))),
    ('R6', '255-byte attribute key', format('{"attributes.%s": 1}', repeat('k', 255))),
    ('R7', 'largest double', '{"attributes.x": {"lt": 1.7976931348623157e308}}'),
    ('R8', '1e-400 (underflows to 0)', '{"attributes.x": {"gt": 1e-400}}'),
    ('R9', '"NaN" and "Infinity" are strings', '{"attributes.x": {"eq": "NaN"}, "attributes.y": {"gt": "Infinity"}}'),
    ('R10', 'empty alternative (matches all)', '{"any": [{}]}'),
    ('R11', 'duplicate key: jsonb keeps the last', '{"country": 5, "country": "US"}')
) AS v(n, "case", doc);

-- Refused with 22023 and the path of the bad part (runs of 20 or more equal characters in
-- a message are shown as one and an ellipsis): nesting and size limits
SELECT n, "case", regexp_replace(pg_temp.try_rule(doc), '(.)\1{19,}', '\1…', 'g') AS outcome FROM (VALUES
    ('R12', 'any nested 9 levels', pg_temp.nested(9)),
    ('R13', 'all nested 9 levels', pg_temp.nested(9, 'all')),
    ('R14', 'any nested 20 levels', pg_temp.nested(20)),
    ('R15', '257 predicates', (SELECT '{' || string_agg(format('"attributes.k%s": %s', i, i), ', ') || '}' FROM generate_series(1, 257) i)),
    ('R16', '10,000 predicates', (SELECT '{' || string_agg(format('"attributes.k%s": %s', i, i), ', ') || '}' FROM generate_series(1, 10000) i)),
    ('R17', '300 predicates in any', (SELECT '{"any": [' || string_agg('{"country": "US"}', ',') || ']}' FROM generate_series(1, 300))),
    ('R18', 'in list of 1001 numbers', (SELECT '{"attributes.n": {"in": [' || string_agg(i::text, ',') || ']}}' FROM generate_series(1, 1001) i)),
    ('R19', 'not_in list of 2000 numbers', (SELECT '{"company_size": {"not_in": [' || string_agg(i::text, ',') || ']}}' FROM generate_series(1, 2000) i)),
    ('R20', '1001-byte string operand', format('{"country": "%s"}', repeat('x', 1001))),
    ('R21', '1 MB string operand', format('{"company_name": {"contains": "%s"}}', repeat('ab', 500000))),
    ('R22', '256-byte attribute key', format('{"attributes.%s": 1}', repeat('k', 256))),
    -- numeric overflow: beyond double precision, whatever the operator
    ('R23', 'gt 1e400', '{"company_size": {"gt": 1e400}}'),
    ('R24', 'lt -1e400', '{"attributes.x": {"lt": -1e400}}'),
    ('R25', 'between [1, 1e400]', '{"company_size": {"between": [1, 1e400]}}'),
    ('R26', 'in [1, 1e400]', '{"attributes.x": {"in": [1, 1e400]}}'),
    ('R27', 'bare 1e400 (eq)', '{"attributes.x": 1e400}'),
    ('R28', '"NaN" for a number field', '{"company_size": {"eq": "NaN"}}'),
    ('R29', '1e400 for a text field', '{"country": {"eq": 1e400}}'),
    -- empty keys, unknown fields and operators
    ('R30', 'empty field', '{"": "x"}'),
    ('R31', 'empty attribute key', '{"attributes.": 1}'),
    ('R32', 'field with a leading blank', '{" country": "US"}'),
    ('R33', 'field in upper case', '{"COUNTRY": "US"}'),
    ('R34', 'attributes without a key', '{"attributes": {"plan": "pro"}}'),
    ('R35', 'empty operator', '{"country": {"": "US"}}'),
    ('R36', 'operator in upper case', '{"country": {"EQ": "US"}}'),
    ('R37', 'unknown operator', '{"country": {"regex": ".*"}}'),
    ('R38', 'no operator', '{"country": {}}'),
    ('R39', 'unknown next to a known one', '{"country": {"eq": "US", "nope": 1}}'),
    -- any / all misuse
    ('R40', 'any: an object', '{"any": {"country": "US"}}'),
    ('R41', 'any: empty', '{"any": []}'),
    ('R42', 'all: empty', '{"all": []}'),
    ('R43', 'any: null', '{"any": null}'),
    ('R44', 'any: a number', '{"any": [1]}'),
    ('R45', 'any: a string', '{"any": ["US"]}'),
    ('R46', 'any: an array', '{"any": [[{"country": "US"}]]}'),
    ('R47', 'any as an operator', '{"country": {"any": ["US", "CA"]}}'),
    ('R48', 'bad part deep inside', '{"any": [{"country": "US"}, {"all": [{"company_size": 5}, {"country": {"in": []}}]}]}'),
    -- wrong JSON types, operator by operator
    ('R49', 'eq: an array', '{"country": {"eq": ["US"]}}'),
    ('R50', 'eq: an object', '{"country": {"eq": {"code": "US"}}}'),
    ('R51', 'eq: null', '{"country": {"eq": null}}'),
    ('R52', 'eq: a boolean for text', '{"country": {"eq": true}}'),
    ('R53', 'neq: a number for text', '{"country": {"neq": 1}}'),
    ('R54', 'eq: an object for an attribute', '{"attributes.x": {"eq": {"a": 1}}}'),
    ('R55', 'in: a string', '{"country": {"in": "US"}}'),
    ('R56', 'not_in: empty', '{"country": {"not_in": []}}'),
    ('R57', 'not_in: a null element', '{"country": {"not_in": ["US", null]}}'),
    ('R58', 'in: a nested array', '{"country": {"in": [["US"]]}}'),
    ('R59', 'in: mixed types for a number', '{"company_size": {"in": [1, "2"]}}'),
    ('R60', 'gt: a boolean', '{"company_size": {"gt": true}}'),
    ('R61', 'gte: a string for a number', '{"company_size": {"gte": "10"}}'),
    ('R62', 'lt: null', '{"company_size": {"lt": null}}'),
    ('R63', 'lte: an array', '{"company_size": {"lte": [1]}}'),
    ('R64', 'gt: a boolean for an attribute', '{"attributes.x": {"gt": false}}'),
    ('R65', 'between: three bounds', '{"company_size": {"between": [1, 2, 3]}}'),
    ('R66', 'between: an object', '{"company_size": {"between": {"low": 1, "high": 2}}}'),
    ('R67', 'between: a null bound', '{"company_size": {"between": [null, 2]}}'),
    ('R68', 'between: mixed types', '{"attributes.x": {"between": [1, "z"]}}'),
    ('R69', 'between: low > high', '{"company_size": {"between": [500, 10]}}'),
    ('R70', 'prefix: a number', '{"country": {"prefix": 1}}'),
    ('R71', 'prefix: on a number field', '{"company_size": {"prefix": "1"}}'),
    ('R72', 'contains: empty', '{"email": {"contains": ""}}'),
    ('R73', 'contains: an array', '{"email": {"contains": ["@x"]}}'),
    ('R74', 'exists: a number', '{"country": {"exists": 1}}'),
    ('R75', 'exists: a string', '{"country": {"exists": "true"}}'),
    ('R76', 'exists: null', '{"country": {"exists": null}}'),
    ('R77', 'bare string for a number', '{"company_size": "10"}'),
    ('R78', 'bare null', '{"company_size": null}'),
    -- not an object, or not JSON at all (the last five refused by the server's jsonb input)
    ('R79', 'null', 'null'),
    ('R80', 'an array', '[{"country": "US"}]'),
    ('R81', 'a string', '"country = US"'),
    ('R82', 'a number', '42'),
    ('R83', 'truncated', '{"country": "US"'),
    ('R84', 'NaN literal', '{"company_size": NaN}'),
    ('R85', 'escaped NUL', '{"country": "\u0000"}'),
    ('R86', 'lone surrogate', '{"country": "\ud800"}')
) AS v(n, "case", doc);
SELECT 'R87' AS n, 'invalid UTF-8 in a string' AS "case", pg_temp.outcome($$INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id)
    VALUES ('00000000-0000-0000-0000-0000000000a1', 'probe', convert_from('\x7b22636f756e747279223a2022ff227d'::bytea, 'UTF8')::jsonb,
            '00000000-0000-0000-0000-0000000000b1')$$) AS outcome;
-- beyond 64 levels of JSON the reader stops and the error names no path, but it is still the
-- rule error (22023, the depth limit); a 1 MB key is cut short in the path, so the message
-- still says what is wrong
SELECT n, "case", pg_temp.refusal(pg_temp.rule_statement(doc), VARIADIC parts) AS outcome FROM (VALUES
    ('R88', 'any nested 32 levels', pg_temp.nested(32), ARRAY['conditions.any[0].any[0]', 'nesting deeper than 8 levels']),
    ('R89', 'any nested 1000 levels', pg_temp.nested(1000), ARRAY['conditions.any[0].any[0]', 'nesting deeper than 8 levels']),
    ('R90', '1 MB attribute key', format('{"attributes.%s": 1}', repeat('k', 1000000)), ARRAY['attribute key longer than 255 bytes'])
) AS v(n, "case", doc, parts);
SELECT pg_temp.changes() AS tables_after;

-- A rule stored without validation (a superuser disabled the trigger) is reported by every
-- routing call of its workspace with 22023 naming the rule and the path: the C++ exception
-- becomes an ERROR, the backend survives, and the call changes nothing
INSERT INTO leads (id, email, country, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000001', 'a@x.com', 'US', :'inbound'),
    ('10000000-0000-0000-0000-000000000002', 'b@x.com', 'US', :'inbound2'),
    ('10000000-0000-0000-0000-000000000003', 'c@x.com', 'US', :'inbound');
INSERT INTO routing_queue (lead_id, workspace_id, attempt_number, next_retry_at)
VALUES ('10000000-0000-0000-0000-000000000003', :'inbound', 1, now() - interval '1 minute');
ALTER TABLE routing_rules DISABLE TRIGGER routing_rules_validate;
INSERT INTO routing_rules (id, workspace_id, name, priority, conditions, destination_workspace_id) VALUES
    ('20000000-0000-0000-0000-000000000001', :'inbound', 'valid', 1, '{"country": "US"}', :'partner1'),
    ('20000000-0000-0000-0000-000000000002', :'inbound', 'smuggled operator', 5, '{"any": [{"country": {"nope": 1}}]}', :'partner1'),
    ('20000000-0000-0000-0000-000000000003', :'inbound', 'smuggled number', 3, '{"company_size": {"gt": 1e400}}', :'partner1'),
    ('20000000-0000-0000-0000-000000000004', :'inbound2', 'smuggled depth', 5, pg_temp.nested(1000)::jsonb, :'partner2');
SELECT pg_temp.outcome($$INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id)
                          VALUES ('00000000-0000-0000-0000-0000000000a1', 'array', '[]', '00000000-0000-0000-0000-0000000000b1')$$)
       AS even_then_conditions_are_an_object;
ALTER TABLE routing_rules ENABLE TRIGGER routing_rules_validate;
SELECT pg_temp.take_snapshot();
SELECT n, "case", pg_temp.outcome(statement) AS outcome FROM (VALUES
    ('R91', 'route_lead', $$SELECT status FROM lead_router.route_lead('10000000-0000-0000-0000-000000000001')$$),
    ('R92', 'explain_route', $$SELECT count(*) FROM lead_router.explain_route('10000000-0000-0000-0000-000000000001')$$),
    ('R93', 'route_pending_leads (all or nothing)', $$SELECT count(*) FROM lead_router.route_pending_leads(10)$$),
    ('R94', 'process_retry_queue', $$SELECT processed FROM lead_router.process_retry_queue(10)$$),
    ('R95', 'fixing it with another bad rule', $$UPDATE lead_router.routing_rules SET conditions = '{"country": {"nope": 2}}' WHERE name = 'smuggled operator'$$)
) AS v(n, "case", statement);
SELECT pg_temp.changes() AS tables_after;
-- the rule nested 1000 levels deep is reported with the rule's name and the depth limit
SELECT n, "case", pg_temp.refusal(statement, VARIADIC parts) AS outcome FROM (VALUES
    ('R96', 'route_lead, rule too deep', $$SELECT lead_router.route_lead('10000000-0000-0000-0000-000000000002')$$, ARRAY['rule "smuggled depth"', 'nesting deeper than']),
    ('R97', 'explain_route, rule too deep', $$SELECT count(*) FROM lead_router.explain_route('10000000-0000-0000-0000-000000000002')$$, ARRAY['rule "smuggled depth"', 'nesting deeper than'])
) AS v(n, "case", statement, parts);
SELECT pg_temp.changes() AS tables_after;
-- deactivating the smuggled rules one by one: the next one is named, then routing works
UPDATE routing_rules SET is_active = false WHERE name = 'smuggled operator';
SELECT 'R98' AS n, pg_temp.outcome($$SELECT status FROM lead_router.route_lead('10000000-0000-0000-0000-000000000001')$$) AS outcome;
UPDATE routing_rules SET is_active = false WHERE name IN ('smuggled number', 'smuggled depth');
SELECT 'R99' AS n, pg_temp.outcome($$SELECT status || ' by ' || right(matched_rule_id::text, 2) FROM lead_router.route_lead('10000000-0000-0000-0000-000000000001')$$) AS outcome;

-- Direct writes to the tables.  Leads: 01 routed, 03 pending with an open queue row,
-- 04 routing (held by owner1), 05 expired, 06 failed.
INSERT INTO leads (id, email, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000004', 'd@x.com', :'inbound'),
    ('10000000-0000-0000-0000-000000000005', 'e@x.com', :'inbound'),
    ('10000000-0000-0000-0000-000000000006', 'f@x.com', :'inbound');
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000004', :'owner1') AS locked_04;
UPDATE leads SET routing_status = 'expired' WHERE id = '10000000-0000-0000-0000-000000000005';
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000006', :'owner1') AS locked_06;
SELECT fail_routing('10000000-0000-0000-0000-000000000006', 'no', :'owner1', 1) AS failed_06;
INSERT INTO user_workspaces (user_id, workspace_id) VALUES ('aaaaaaaa-0000-0000-0000-000000000001', :'inbound');
SELECT right(id::text, 2) AS lead, routing_status, routing_locked_by IS NOT NULL AS locked FROM leads ORDER BY id;
SELECT pg_temp.take_snapshot();
SELECT n, "case", pg_temp.outcome(statement) AS outcome FROM (VALUES
    -- transitions the state machine does not have
    ('R100', 'routed -> pending', $$UPDATE lead_router.leads SET routing_status = 'pending' WHERE id = '10000000-0000-0000-0000-000000000001'$$),
    ('R101', 'routed -> routing', $$UPDATE lead_router.leads SET routing_status = 'routing', routing_locked_by = gen_random_uuid(), routing_locked_at = now() WHERE id = '10000000-0000-0000-0000-000000000001'$$),
    ('R102', 'routed -> expired', $$UPDATE lead_router.leads SET routing_status = 'expired' WHERE id = '10000000-0000-0000-0000-000000000001'$$),
    ('R103', 'expired -> pending', $$UPDATE lead_router.leads SET routing_status = 'pending' WHERE id = '10000000-0000-0000-0000-000000000005'$$),
    ('R104', 'expired -> failed', $$UPDATE lead_router.leads SET routing_status = 'failed' WHERE id = '10000000-0000-0000-0000-000000000005'$$),
    ('R105', 'routing -> expired', $$UPDATE lead_router.leads SET routing_status = 'expired', routing_locked_by = NULL, routing_locked_at = NULL WHERE id = '10000000-0000-0000-0000-000000000004'$$),
    ('R106', 'every lead, one refused: none changed', $$UPDATE lead_router.leads SET country = 'XX', routing_status = CASE WHEN id = '10000000-0000-0000-0000-000000000005' THEN 'pending' ELSE routing_status END$$),
    ('R107', 'unknown status', $$UPDATE lead_router.leads SET routing_status = 'done' WHERE id = '10000000-0000-0000-0000-000000000003'$$),
    ('R108', 'NULL status', $$UPDATE lead_router.leads SET routing_status = NULL WHERE id = '10000000-0000-0000-0000-000000000003'$$),
    ('R109', 'routing without a lock owner', $$UPDATE lead_router.leads SET routing_status = 'routing' WHERE id = '10000000-0000-0000-0000-000000000003'$$),
    ('R110', 'lock owner on a pending lead', $$UPDATE lead_router.leads SET routing_locked_by = gen_random_uuid(), routing_locked_at = now() WHERE id = '10000000-0000-0000-0000-000000000003'$$),
    ('R111', 'routing lock dropped', $$UPDATE lead_router.leads SET routing_locked_by = NULL WHERE id = '10000000-0000-0000-0000-000000000004'$$),
    ('R112', 'duplicate of itself', $$UPDATE lead_router.leads SET duplicate_of = id WHERE id = '10000000-0000-0000-0000-000000000001'$$),
    ('R113', 'pending duplicate', $$UPDATE lead_router.leads SET duplicate_of = '10000000-0000-0000-0000-000000000001' WHERE id = '10000000-0000-0000-0000-000000000003'$$),
    ('R114', 'attempts -1', $$UPDATE lead_router.leads SET routing_attempts = -1 WHERE id = '10000000-0000-0000-0000-000000000003'$$),
    ('R115', 'attempts 2147483647 + 1', $$UPDATE lead_router.leads SET routing_attempts = 2147483647 + 1 WHERE id = '10000000-0000-0000-0000-000000000003'$$),
    -- other columns of leads
    ('R116', 'company_size -1', $$UPDATE lead_router.leads SET company_size = -1 WHERE id = '10000000-0000-0000-0000-000000000003'$$),
    ('R117', 'company_size 2147483648', $$UPDATE lead_router.leads SET company_size = 2147483648 WHERE id = '10000000-0000-0000-0000-000000000003'$$),
    ('R118', 'attributes an array', $$UPDATE lead_router.leads SET attributes = '[]' WHERE id = '10000000-0000-0000-0000-000000000003'$$),
    ('R119', 'attributes NULL', $$UPDATE lead_router.leads SET attributes = NULL WHERE id = '10000000-0000-0000-0000-000000000003'$$),
    ('R120', 'email of 1 MB', $$UPDATE lead_router.leads SET email = repeat('e', 1000000) WHERE id = '10000000-0000-0000-0000-000000000003'$$),
    ('R121', 'email invalid UTF-8', $$UPDATE lead_router.leads SET email = convert_from('\x61c3'::bytea, 'UTF8') WHERE id = '10000000-0000-0000-0000-000000000003'$$),
    ('R122', 'unknown owner workspace', $$UPDATE lead_router.leads SET workspace_id = '00000000-0000-0000-0000-00000000ffff' WHERE id = '10000000-0000-0000-0000-000000000003'$$),
    ('R123', 'expiry that does not parse', $$UPDATE lead_router.leads SET lead_expires_at = 'someday' WHERE id = '10000000-0000-0000-0000-000000000003'$$),
    ('R124', 'insert: NULL source workspace', $$INSERT INTO lead_router.leads (source_workspace_id) VALUES (NULL)$$),
    ('R125', 'insert: unknown source workspace', $$INSERT INTO lead_router.leads (source_workspace_id) VALUES ('00000000-0000-0000-0000-00000000ffff')$$),
    ('R126', 'insert: malformed source workspace', $$INSERT INTO lead_router.leads (source_workspace_id) VALUES ('00000000-0000-0000-0000-0000000000a1x')$$),
    ('R127', 'insert: existing id', $$INSERT INTO lead_router.leads (id, source_workspace_id) VALUES ('10000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1')$$),
    ('R128', 'insert: in routing without owner', $$INSERT INTO lead_router.leads (source_workspace_id, routing_status) VALUES ('00000000-0000-0000-0000-0000000000a1', 'routing')$$),
    ('R129', 'insert: phone of 65 digits', $$INSERT INTO lead_router.leads (source_workspace_id, phone) VALUES ('00000000-0000-0000-0000-0000000000a1', repeat('1', 65))$$),
    -- the retry queue
    ('R130', 'queue: attempt 0', $$INSERT INTO lead_router.routing_queue (lead_id, workspace_id, attempt_number, next_retry_at) VALUES ('10000000-0000-0000-0000-000000000006', '00000000-0000-0000-0000-0000000000a1', 0, now())$$),
    ('R131', 'queue: max_attempts 101', $$INSERT INTO lead_router.routing_queue (lead_id, workspace_id, attempt_number, max_attempts, next_retry_at) VALUES ('10000000-0000-0000-0000-000000000006', '00000000-0000-0000-0000-0000000000a1', 1, 101, now())$$),
    ('R132', 'queue: attempt past max_attempts', $$INSERT INTO lead_router.routing_queue (lead_id, workspace_id, attempt_number, max_attempts, next_retry_at) VALUES ('10000000-0000-0000-0000-000000000006', '00000000-0000-0000-0000-0000000000a1', 4, 3, now())$$),
    ('R133', 'queue: max_attempts 2147483648', $$INSERT INTO lead_router.routing_queue (lead_id, workspace_id, attempt_number, max_attempts, next_retry_at) VALUES ('10000000-0000-0000-0000-000000000006', '00000000-0000-0000-0000-0000000000a1', 1, 2147483648, now())$$),
    ('R134', 'queue: unknown lead', $$INSERT INTO lead_router.routing_queue (lead_id, workspace_id, attempt_number, next_retry_at) VALUES ('1000dead-0000-0000-0000-000000000000', '00000000-0000-0000-0000-0000000000a1', 1, now())$$),
    ('R135', 'queue: NULL due time', $$INSERT INTO lead_router.routing_queue (lead_id, workspace_id, attempt_number, next_retry_at) VALUES ('10000000-0000-0000-0000-000000000006', '00000000-0000-0000-0000-0000000000a1', 1, NULL)$$),
    ('R136', 'queue: explicit id', $$INSERT INTO lead_router.routing_queue (id, lead_id, workspace_id, attempt_number, next_retry_at) VALUES (1, '10000000-0000-0000-0000-000000000006', '00000000-0000-0000-0000-0000000000a1', 1, now())$$),
    ('R137', 'queue: second open row', $$INSERT INTO lead_router.routing_queue (lead_id, workspace_id, attempt_number, next_retry_at) VALUES ('10000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-0000000000a1', 2, now())$$),
    -- the audit log
    ('R138', 'log: unknown result', $$INSERT INTO lead_router.routing_logs (lead_id, source_workspace_id, routing_result) VALUES ('10000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1', 'ok')$$),
    ('R139', 'log: negative attempt', $$INSERT INTO lead_router.routing_logs (lead_id, source_workspace_id, routing_result, attempt) VALUES ('10000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1', 'success', -1)$$),
    ('R140', 'log: UPDATE', $$UPDATE lead_router.routing_logs SET routing_result = 'success'$$),
    ('R141', 'log: DELETE', $$DELETE FROM lead_router.routing_logs$$),
    ('R142', 'log: TRUNCATE', $$TRUNCATE lead_router.routing_logs$$),
    -- rules: columns other than conditions
    ('R143', 'rule: empty name', $$INSERT INTO lead_router.routing_rules (workspace_id, name, destination_workspace_id) VALUES ('00000000-0000-0000-0000-0000000000a1', '', '00000000-0000-0000-0000-0000000000b1')$$),
    ('R144', 'rule: NULL name', $$INSERT INTO lead_router.routing_rules (workspace_id, name, destination_workspace_id) VALUES ('00000000-0000-0000-0000-0000000000a1', NULL, '00000000-0000-0000-0000-0000000000b1')$$),
    ('R145', 'rule: priority 2147483648', $$INSERT INTO lead_router.routing_rules (workspace_id, name, priority, destination_workspace_id) VALUES ('00000000-0000-0000-0000-0000000000a1', 'x', 2147483648, '00000000-0000-0000-0000-0000000000b1')$$),
    ('R146', 'rule: unknown workspace', $$INSERT INTO lead_router.routing_rules (workspace_id, name, destination_workspace_id) VALUES ('00000000-0000-0000-0000-00000000ffff', 'x', '00000000-0000-0000-0000-0000000000b1')$$),
    ('R147', 'rule: NULL destination, no pool', $$INSERT INTO lead_router.routing_rules (workspace_id, name, destination_workspace_id) VALUES ('00000000-0000-0000-0000-0000000000a1', 'x', NULL)$$),
    ('R148', 'rule: unknown destination', $$INSERT INTO lead_router.routing_rules (workspace_id, name, destination_workspace_id) VALUES ('00000000-0000-0000-0000-0000000000a1', 'x', '00000000-0000-0000-0000-00000000ffff')$$),
    ('R149', 'rule: internal destination', $$INSERT INTO lead_router.routing_rules (workspace_id, name, destination_workspace_id) VALUES ('00000000-0000-0000-0000-0000000000a1', 'x', '00000000-0000-0000-0000-0000000000a2')$$),
    ('R150', 'rule: moved to a retired partner', $$UPDATE lead_router.routing_rules SET destination_workspace_id = '00000000-0000-0000-0000-0000000000b9' WHERE name = 'valid'$$),
    ('R151', 'rule: NULL conditions', $$INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id) VALUES ('00000000-0000-0000-0000-0000000000a1', 'x', NULL, '00000000-0000-0000-0000-0000000000b1')$$),
    -- workspaces and memberships
    ('R152', 'workspace: empty name', $$INSERT INTO lead_router.workspaces (name) VALUES ('')$$),
    ('R153', 'workspace: name of 1 MB', $$INSERT INTO lead_router.workspaces (name) VALUES (repeat('w', 1000000))$$),
    ('R154', 'workspace: type in upper case', $$INSERT INTO lead_router.workspaces (name, workspace_type) VALUES ('x', 'Partner')$$),
    ('R155', 'workspace: existing id', $$INSERT INTO lead_router.workspaces (id, name) VALUES ('00000000-0000-0000-0000-0000000000a1', 'x')$$),
    ('R156', 'workspace: NULL is_active', $$UPDATE lead_router.workspaces SET is_active = NULL WHERE id = '00000000-0000-0000-0000-0000000000b2'$$),
    ('R157', 'workspace: delete one with leads', $$DELETE FROM lead_router.workspaces WHERE id = '00000000-0000-0000-0000-0000000000a1'$$),
    ('R158', 'membership: NULL user', $$INSERT INTO lead_router.user_workspaces (user_id, workspace_id) VALUES (NULL, '00000000-0000-0000-0000-0000000000a1')$$),
    ('R159', 'membership: malformed user', $$INSERT INTO lead_router.user_workspaces (user_id, workspace_id) VALUES ('alice', '00000000-0000-0000-0000-0000000000a1')$$),
    ('R160', 'membership: unknown workspace', $$INSERT INTO lead_router.user_workspaces (user_id, workspace_id) VALUES ('aaaaaaaa-0000-0000-0000-000000000001', '00000000-0000-0000-0000-00000000ffff')$$),
    ('R161', 'membership: twice', $$INSERT INTO lead_router.user_workspaces (user_id, workspace_id) VALUES ('aaaaaaaa-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1')$$)
) AS v(n, "case", statement);
SELECT pg_temp.changes() AS tables_after;

-- a hand-written dedupe hash is replaced by the one the identity gives
SELECT 'R162' AS n, pg_temp.outcome($$UPDATE lead_router.leads SET dedupe_hash = repeat('0', 64) WHERE id = '10000000-0000-0000-0000-000000000003'$$) AS outcome;
SELECT dedupe_hash = generate_dedupe_hash(email, phone, company_name) AS hash_kept
  FROM leads WHERE id = '10000000-0000-0000-0000-000000000003';

-- hand-written queue rows are checked against their lead, not trusted: a row for an expired
-- lead is closed without routing; a row for a lead under a fresh routing lock, due since
-- -infinity, is left for later; lead 03's genuine row is retried (and now routes)
INSERT INTO routing_queue (lead_id, workspace_id, attempt_number, max_attempts, next_retry_at) VALUES
    ('10000000-0000-0000-0000-000000000005', :'inbound', 1, 3, now() - interval '1 hour'),
    ('10000000-0000-0000-0000-000000000004', :'inbound', 1, 3, '-infinity');
SELECT 'R163' AS n, pg_temp.outcome($$SELECT format('processed %s, routed %s, requeued %s, failed %s', processed, routed, requeued, failed)
                                        FROM lead_router.process_retry_queue(10)$$) AS outcome;
SELECT right(q.lead_id::text, 2) AS lead, l.routing_status, q.processed_at IS NOT NULL AS closed, q.last_error
  FROM routing_queue q JOIN leads l ON l.id = q.lead_id ORDER BY q.id;

\i sql/fixtures/teardown.sql
