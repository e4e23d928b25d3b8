-- Rules are validated on write: malformed conditions and unusable destinations are
-- rejected with SQLSTATE 22023 and a message naming the bad part.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;

CREATE FUNCTION pg_temp.try_rule(conditions text, destination uuid DEFAULT '00000000-0000-0000-0000-0000000000b1')
RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.error_of(format(
        'INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id)
         VALUES (%L, %L, %L, %L)', '00000000-0000-0000-0000-0000000000a1', 'probe', conditions, destination))
$$;

-- valid rules of every form
SELECT conditions, pg_temp.try_rule(conditions) AS result FROM (VALUES
    ('{}'),
    ('{"country": "US"}'),
    ('{"country": ["US", "CA"]}'),
    ('{"company_size": {"between": [10, 500]}, "company_industry": {"neq": "retail"}}'),
    ('{"company_size": {"gte": 10, "lt": 500}}'),
    ('{"email": {"contains": "@gmail."}, "company_domain": {"prefix": "shop"}}'),
    ('{"attributes.plan": {"exists": true}, "attributes.score": {"gt": 0.5}}'),
    ('{"attributes.vip": true, "attributes.tier": [1, 2, 3]}'),
    ('{"any": [{"country": "US"}, {"all": [{"country": "CA"}, {"company_size": {"gte": 50}}]}]}'),
    ('{"country": {"between": ["A", "M"]}}')
) AS v(conditions);
SELECT count(*) AS rules_stored FROM routing_rules;

-- malformed conditions, each named by its path
SELECT conditions, pg_temp.try_rule(conditions) AS result FROM (VALUES
    ('{"industry": "software"}'),
    ('{"country": {"equals": "US"}}'),
    ('{"country": {}}'),
    ('{"company_size": {"between": [500]}}'),
    ('{"company_size": {"between": [500, 10]}}'),
    ('{"company_size": {"between": "10-500"}}'),
    ('{"company_size": {"gte": "10"}}'),
    ('{"country": {"gt": true}}'),
    ('{"country": {"in": []}}'),
    ('{"country": {"in": ["US", {"x": 1}]}}'),
    ('{"country": {"eq": null}}'),
    ('{"country": {"prefix": ""}}'),
    ('{"attributes.plan": {"exists": "yes"}}'),
    ('{"attributes.": "x"}'),
    ('{"any": []}'),
    ('{"any": [{"country": "US"}, {"country": {"nope": 1}}]}'),
    ('{"all": {"country": "US"}}'),
    ('{"any": [{"any": [{"any": [{"any": [{"any": [{"any": [{"any": [{"any": [{"any": [{"country": "US"}]}]}]}]}]}]}]}]}]}'),
    ('[]'),
    ('"just a string"')
) AS v(conditions);

-- limits: 256 predicates pass, 257 fail; 1000-element lists pass, 1001 fail
SELECT pg_temp.try_rule((SELECT '{' || string_agg(format('"attributes.k%s": 1', i), ', ') || '}'
                           FROM generate_series(1, 256) i)) AS predicates_256;
SELECT pg_temp.try_rule((SELECT '{' || string_agg(format('"attributes.k%s": 1', i), ', ') || '}'
                           FROM generate_series(1, 257) i)) AS predicates_257;
SELECT pg_temp.try_rule((SELECT '{"attributes.n": {"in": [' || string_agg(i::text, ',') || ']}}'
                           FROM generate_series(1, 1000) i)) AS list_1000;
SELECT pg_temp.try_rule((SELECT '{"attributes.n": {"in": [' || string_agg(i::text, ',') || ']}}'
                           FROM generate_series(1, 1001) i)) AS list_1001;
SELECT pg_temp.try_rule(format('{"country": %s}', to_json(repeat('x', 1001)))) AS long_string;
SELECT pg_temp.try_rule('{"attributes.x": {"gt": 1e400}}') AS huge_number;
SELECT pg_temp.try_rule('{"country": "US"') AS malformed_json;

-- destinations: must exist, be active, be a partner, not be the rule's own workspace
SELECT pg_temp.try_rule('{}', '00000000-0000-0000-0000-00000000ffff') AS missing_destination;
SELECT pg_temp.try_rule('{}', :'retired') AS inactive_destination;
SELECT pg_temp.try_rule('{}', :'inbound2') AS internal_destination;
SELECT pg_temp.try_rule('{}', :'inbound') AS own_workspace;

-- updates are validated too; unrelated updates of a rule whose destination retired still work
SELECT pg_temp.error_of($$UPDATE lead_router.routing_rules SET conditions = '{"country": {"eq": 1}}'
                          WHERE conditions = '{}'$$) AS bad_update;
UPDATE workspaces SET is_active = false WHERE id = :'partner1';
UPDATE routing_rules SET name = 'renamed' WHERE conditions = '{}';
SELECT name, is_active FROM routing_rules WHERE conditions = '{}';
SELECT pg_temp.error_of($$UPDATE lead_router.routing_rules SET destination_workspace_id = '00000000-0000-0000-0000-0000000000b9'
                          WHERE conditions = '{}'$$) AS move_to_retired;
SELECT count(*) AS rules_stored FROM routing_rules;

\i sql/fixtures/teardown.sql
