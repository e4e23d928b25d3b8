-- Workspace isolation for two non-superuser application users of different workspaces:
-- each sees and changes only its own workspaces' leads, queue rows, audit rows and rules;
-- no lead_router.user_id means no rows; a malformed one is an error; the routing
-- functions refuse leads of other workspaces as if they did not exist.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;
-- A direct connection keeps its application user across transactions when told to
-- (lead_router.identity_scope = session, superuser-only); application_identity tests the
-- default, transaction scope.
SET lead_router.identity_scope = session;

-- the documented roles: an application group role and two of its login users
CREATE ROLE lead_router_app NOLOGIN;
CREATE ROLE regress_lr_alice LOGIN IN ROLE lead_router_app;
CREATE ROLE regress_lr_bob LOGIN IN ROLE lead_router_app;
-- the grants the README documents (the install script makes them when the role exists)
GRANT USAGE ON SCHEMA lead_router TO lead_router_app;
GRANT SELECT ON workspaces, user_workspaces, routing_queue, routing_logs TO lead_router_app;
GRANT SELECT ON leads TO lead_router_app;
GRANT INSERT (id, email, phone, company_name, company_domain, company_industry, company_size,
              company_location, country, attributes, source_workspace_id, lead_expires_at)
   ON leads TO lead_router_app;
GRANT UPDATE (email, phone, company_name, company_domain, company_industry, company_size,
              company_location, country, attributes) ON leads TO lead_router_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON routing_rules TO lead_router_app;
GRANT EXECUTE ON FUNCTION route_lead(uuid, uuid, integer), route_pending_leads(integer),
      explain_route(uuid), acquire_routing_lock(uuid, uuid), complete_routing(uuid, uuid, uuid, uuid),
      fail_routing(uuid, text, uuid, integer), check_cross_partner_duplicate(text, uuid)
   TO lead_router_app;

\set alice aaaaaaaa-0000-0000-0000-000000000001
\set bob   bbbbbbbb-0000-0000-0000-000000000002
-- alice works in inbound and for partner one; bob in the second inbound workspace
INSERT INTO user_workspaces (user_id, workspace_id) VALUES
    (:'alice', :'inbound'), (:'alice', :'partner1'), (:'bob', :'inbound2');
INSERT INTO routing_rules (id, workspace_id, name, conditions, destination_workspace_id) VALUES
    ('20000000-0000-0000-0000-000000000001', :'inbound', 'software', '{"company_industry": "software"}', :'partner1'),
    ('20000000-0000-0000-0000-000000000002', :'inbound2', 'all', '{}', :'partner2');
INSERT INTO leads (id, email, company_industry, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-0000000000a1', 'a1@x.com', 'software', :'inbound'),
    ('10000000-0000-0000-0000-0000000000a2', 'a2@x.com', 'mining',   :'inbound'),
    ('10000000-0000-0000-0000-0000000000b1', 'b1@x.com', 'software', :'inbound2'),
    ('10000000-0000-0000-0000-0000000000b2', 'b2@x.com', 'mining',   :'inbound2');
-- one queue row and one audit row per inbound workspace
SELECT status FROM route_lead('10000000-0000-0000-0000-0000000000a2');
SELECT status FROM route_lead('10000000-0000-0000-0000-0000000000b2');

CREATE FUNCTION pg_temp.visible() RETURNS TABLE (leads text, queue text, logs text, rules text, memberships bigint)
LANGUAGE sql AS $$
    SELECT (SELECT coalesce(string_agg(right(id::text, 2), ',' ORDER BY id), '-') FROM lead_router.leads),
           (SELECT coalesce(string_agg(right(lead_id::text, 2), ',' ORDER BY lead_id), '-') FROM lead_router.routing_queue),
           (SELECT coalesce(string_agg(right(lead_id::text, 2) || ':' || routing_result, ',' ORDER BY id), '-') FROM lead_router.routing_logs),
           (SELECT coalesce(string_agg(name, ',' ORDER BY name), '-') FROM lead_router.routing_rules),
           (SELECT count(*) FROM lead_router.user_workspaces)
$$;
GRANT EXECUTE ON FUNCTION pg_temp.visible() TO lead_router_app;

-- without lead_router.user_id: nothing, not everything
SET ROLE regress_lr_alice;
SELECT * FROM pg_temp.visible();
-- a malformed user id is an error, not a NULL that matches something
SET lead_router.user_id = 'alice';
SELECT pg_temp.error_of('SELECT * FROM lead_router.leads') AS malformed_user_id;
SELECT pg_temp.error_of('SELECT lead_router.current_user_id()') AS malformed_current_user_id;

-- alice sees inbound's rows (and partner one's, empty so far)
SET lead_router.user_id = :'alice';
SELECT current_user, lead_router.current_user_id();
SELECT * FROM pg_temp.visible();
-- bob sees inbound2's
SET ROLE regress_lr_bob;
SET lead_router.user_id = :'bob';
SELECT * FROM pg_temp.visible();
-- SET LOCAL names the user for one transaction only.  (lead_router.user_id is trusted: the
-- application sets it from its own authentication, as a connection pool would per request.)
BEGIN;
SET LOCAL lead_router.user_id = :'alice';
SELECT leads FROM pg_temp.visible();
COMMIT;
SELECT leads FROM pg_temp.visible();

-- writes into another workspace are refused, and change nothing
SELECT pg_temp.error_of(format($$INSERT INTO lead_router.leads (email, source_workspace_id) VALUES ('x@y.z', %L)$$, :'inbound')) AS insert_foreign_lead;
SELECT pg_temp.error_of(format($$INSERT INTO lead_router.leads (email, source_workspace_id, workspace_id) VALUES ('x@y.z', %L, %L)$$, :'inbound2', :'inbound')) AS insert_moving_lead;
-- (an UPDATE or DELETE of another workspace's row finds nothing to change)
SELECT pg_temp.error_of($$UPDATE lead_router.leads SET country = 'XX' WHERE id = '10000000-0000-0000-0000-0000000000a1'$$) AS update_foreign_lead;
SELECT pg_temp.error_of(format($$UPDATE lead_router.leads SET workspace_id = %L WHERE id = '10000000-0000-0000-0000-0000000000b1'$$, :'inbound')) AS move_own_lead_away;
SELECT pg_temp.error_of(format($$INSERT INTO lead_router.routing_rules (workspace_id, name, destination_workspace_id) VALUES (%L, 'x', %L)$$, :'inbound', :'partner1')) AS insert_foreign_rule;
SELECT pg_temp.error_of($$DELETE FROM lead_router.routing_rules WHERE name = 'software'$$) AS delete_foreign_rule;
SELECT pg_temp.error_of(format($$INSERT INTO lead_router.user_workspaces VALUES (%L, %L)$$, :'bob', :'inbound')) AS grant_self_membership;
SELECT pg_temp.error_of($$INSERT INTO lead_router.routing_logs (lead_id, source_workspace_id, routing_result) VALUES (gen_random_uuid(), gen_random_uuid(), 'success')$$) AS forge_audit_row;
-- in his own workspace bob can work, but not mark a lead routed by hand
INSERT INTO leads (id, email, company_industry, source_workspace_id)
VALUES ('10000000-0000-0000-0000-0000000000b3', 'b3@x.com', 'retail', :'inbound2');
UPDATE leads SET country = 'DE' WHERE id = '10000000-0000-0000-0000-0000000000b3';
SELECT pg_temp.error_of($$UPDATE lead_router.leads SET routing_status = 'routed' WHERE id = '10000000-0000-0000-0000-0000000000b3'$$) AS set_status_by_hand;
SELECT pg_temp.error_of($$UPDATE lead_router.leads SET routing_attempts = 0$$) AS reset_attempts_by_hand;

-- the routing functions refuse alice's leads as if they did not exist
SELECT pg_temp.error_of($$SELECT lead_router.route_lead('10000000-0000-0000-0000-0000000000a1')$$) AS route_foreign;
SELECT pg_temp.error_of($$SELECT * FROM lead_router.explain_route('10000000-0000-0000-0000-0000000000a1')$$) AS explain_foreign;
SELECT pg_temp.error_of($$SELECT lead_router.acquire_routing_lock('10000000-0000-0000-0000-0000000000a1', gen_random_uuid())$$) AS lock_foreign;
SELECT pg_temp.error_of(format($$SELECT * FROM lead_router.check_cross_partner_duplicate(repeat('a', 64), %L)$$, :'inbound')) AS duplicates_foreign;
-- and work on his own: route_pending_leads takes only his workspaces' leads
SELECT right(lead_id::text, 2) AS lead, status, right(destination_workspace_id::text, 2) AS destination
  FROM route_pending_leads(100) ORDER BY lead_id;
SELECT status, right(destination_workspace_id::text, 2) AS destination
  FROM route_lead('10000000-0000-0000-0000-0000000000b2');
-- routed to partner two, which bob does not work for: the lead left his view
SELECT * FROM pg_temp.visible();
-- maintenance and health are not for application users
SELECT pg_temp.error_of('SELECT lead_router.mark_expired_leads()') AS expire;
SELECT pg_temp.error_of('SELECT * FROM lead_router.routing_health()') AS health;
SELECT pg_temp.error_of('SELECT * FROM lead_router.process_retry_queue()') AS retries;
SELECT pg_temp.error_of('CALL lead_router.prune_routing_history()') AS prune;

-- alice routes her software lead to partner one, where she also works: she keeps seeing it
SET ROLE regress_lr_alice;
SET lead_router.user_id = :'alice';
SELECT status, right(destination_workspace_id::text, 2) AS destination
  FROM route_lead('10000000-0000-0000-0000-0000000000a1');
SELECT * FROM pg_temp.visible();
RESET lead_router.user_id;
RESET ROLE;

-- the service path (superuser here) sees everything, and what was refused did not happen
SELECT count(*) AS all_leads FROM leads;
SELECT country IS NULL AS foreign_lead_untouched FROM leads WHERE id = '10000000-0000-0000-0000-0000000000a1';
SELECT count(*) AS foreign_rule_kept FROM routing_rules WHERE name = 'software';
SELECT count(*) AS memberships FROM user_workspaces;

\i sql/fixtures/teardown.sql
DROP OWNED BY regress_lr_alice, regress_lr_bob, lead_router_app;
DROP ROLE regress_lr_alice, regress_lr_bob, lead_router_app;
