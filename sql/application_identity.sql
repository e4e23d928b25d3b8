-- The application user behind a transaction pooler: by default (identity_scope =
-- transaction) lead_router.user_id counts only in the transaction that set it, so the next
-- client's transaction on the same server connection acts as nobody; act_as() sets it for
-- one transaction; identity_scope = session is the superuser's opt-in for direct
-- connections; identity_source = request.jwt.claims acts as a PostgREST JWT's sub.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;

CREATE ROLE regress_lr_identity LOGIN;
GRANT USAGE ON SCHEMA lead_router TO regress_lr_identity;
GRANT SELECT ON leads, user_workspaces TO regress_lr_identity;
GRANT EXECUTE ON FUNCTION route_lead(uuid, uuid, integer) TO regress_lr_identity;
\set alice aaaaaaaa-0000-0000-0000-000000000001
\set bob   bbbbbbbb-0000-0000-0000-000000000002
INSERT INTO user_workspaces (user_id, workspace_id) VALUES (:'alice', :'inbound'), (:'bob', :'inbound2');
INSERT INTO leads (id, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-0000000000a1', :'inbound'),
    ('10000000-0000-0000-0000-0000000000b1', :'inbound2');
CREATE FUNCTION pg_temp.me() RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(left(lead_router.current_user_id()::text, 8), '(nobody)') || ' sees '
           || coalesce((SELECT string_agg(right(id::text, 2), ',' ORDER BY id) FROM lead_router.leads), 'nothing')
$$;
GRANT EXECUTE ON FUNCTION pg_temp.me() TO regress_lr_identity;
SET ROLE regress_lr_identity;

SHOW lead_router.identity_scope;
-- a session-level SET counts in its own transaction ...
BEGIN;
SET lead_router.user_id = :'alice';
SELECT pg_temp.me() AS in_the_setting_transaction;
COMMIT;
-- ... and in no later one: the next transaction on this connection may be another client's
SELECT pg_temp.me() AS next_transaction;
SHOW lead_router.user_id;
SELECT pg_temp.error_of($$SELECT * FROM lead_router.route_lead('10000000-0000-0000-0000-0000000000a1')$$) AS route_lead_next_transaction;
-- outside a transaction block a SET is its own transaction: it names nobody for the next statement
SET lead_router.user_id = :'bob';
SELECT pg_temp.me() AS after_autocommit_set;

-- act_as: for the rest of the transaction; called again, the last call wins; NULL is nobody
BEGIN;
SELECT left(act_as(:'alice')::text, 8) AS act_as;
SELECT pg_temp.me() AS acting_as_alice;
SELECT left(act_as(:'bob')::text, 8) AS act_as_again;
SELECT pg_temp.me() AS acting_as_bob;
SELECT act_as(NULL) AS act_as_nobody;
SELECT pg_temp.me() AS acting_as_nobody;
COMMIT;
-- outside a transaction block act_as lasts for its own statement only
SELECT left(act_as(:'alice')::text, 8) AS act_as_alone;
SELECT pg_temp.me() AS after_act_as_alone;
-- within one statement it is in force for what follows it
SELECT left(act_as(:'alice')::text, 8) AS acting, (SELECT pg_temp.me()) AS in_the_same_statement;
-- set_config(..., true) and SET LOCAL are the same transaction-scoped form
BEGIN;
SELECT set_config('lead_router.user_id', :'bob', true) IS NOT NULL AS set_config_local;
SELECT pg_temp.me() AS set_config;
COMMIT;
BEGIN;
SET LOCAL lead_router.user_id = :'alice';
SELECT pg_temp.me() AS set_local;
ROLLBACK;
-- a savepoint rolled back takes the user with it
BEGIN;
SAVEPOINT s;
SELECT act_as(:'alice') IS NOT NULL AS acting;
ROLLBACK TO SAVEPOINT s;
SELECT pg_temp.me() AS after_rollback_to_savepoint;
COMMIT;
-- route_lead inside the acting transaction
BEGIN;
SELECT act_as(:'alice') IS NOT NULL AS acting;
SELECT status FROM route_lead('10000000-0000-0000-0000-0000000000a1');
SELECT pg_temp.error_of($$SELECT * FROM lead_router.route_lead('10000000-0000-0000-0000-0000000000b1')$$) AS other_workspace;
ROLLBACK;
-- a parallel plan sees the leader's user (the policy functions are parallel restricted)
SET force_parallel_mode = on;
BEGIN;
SELECT act_as(:'alice') IS NOT NULL AS acting;
SELECT count(*) AS alice_leads_in_parallel FROM lead_router.leads;
COMMIT;
RESET force_parallel_mode;

-- the scope and the source are the superuser's to choose: an application role cannot widen them
SELECT pg_temp.error_of($$SET lead_router.identity_scope = session$$) AS app_sets_scope;
SELECT pg_temp.error_of($$SET lead_router.identity_source = 'request.jwt.claims'$$) AS app_sets_source;
RESET ROLE;
SELECT pg_temp.error_of($$SET lead_router.identity_scope = 'forever'$$) AS unknown_scope;

-- identity_scope = session (direct connections): a session-level SET counts until changed
SET lead_router.identity_scope = session;
SET ROLE regress_lr_identity;
SET lead_router.user_id = :'bob';
SELECT pg_temp.me() AS session_scope_later_statement;
RESET lead_router.user_id;
RESET ROLE;
RESET lead_router.identity_scope;

-- identity_source = request.jwt.claims: PostgREST sets the claims per transaction
SET lead_router.identity_source = 'request.jwt.claims';
SET ROLE regress_lr_identity;
BEGIN;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'alice', 'role', 'authenticated')::text, true) IS NOT NULL AS claims;
SELECT pg_temp.me() AS jwt_sub;
-- lead_router.user_id is not consulted with this source
SELECT act_as(:'bob') IS NOT NULL AS acting;
SELECT pg_temp.me() AS jwt_sub_wins;
COMMIT;
SELECT pg_temp.me() AS no_claims;
BEGIN;
SELECT set_config('request.jwt.claims', '{"role": "anon"}', true) IS NOT NULL AS anonymous;
SELECT pg_temp.me() AS no_sub;
COMMIT;
-- anything that is not a uuid fails closed
SELECT n, pg_temp.error_of(format($$SELECT set_config('request.jwt.claims', %L, true), lead_router.current_user_id()$$, claims)) AS outcome
  FROM (VALUES ('J1', '{"sub": "alice"}'), ('J2', '{"sub": 42}'), ('J3', '{"sub": "aaaaaaaa-0000-0000-0000-00000000000"}'),
               ('J4', 'not json'), ('J5', '["aaaaaaaa-0000-0000-0000-000000000001"]'), ('J6', '{"sub": null}')) AS t(n, claims)
 ORDER BY n;
RESET ROLE;
RESET lead_router.identity_source;

\i sql/fixtures/teardown.sql
DROP OWNED BY regress_lr_identity;
DROP ROLE regress_lr_identity;
