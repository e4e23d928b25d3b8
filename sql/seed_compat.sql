-- lead_router_seed_compat: the seed design's seven functions, with its names, argument names
-- and results, over lead_router -- what the seed's LeadRoutingService calls as Supabase RPCs
-- (supabase.rpc('acquire_routing_lock', { p_lead_id, p_lock_owner })), which PostgREST runs
-- as a call with named arguments.  A Supabase project's seed schema (public) is migrated
-- first; the extension then goes into a schema of its own placed first in the search path,
-- or into public once the seed's functions are dropped.  Identity: the JWT's sub, as
-- auth.uid() has it.
\i sql/fixtures/setup.sql
\set ECHO none
SET client_min_messages = warning;
SET search_path = public;
\i test/seed/seed_schema.sql
\i test/seed/seed_data.sql
RESET search_path;
RESET client_min_messages;
\set ECHO all
\set SHOW_CONTEXT never

\set in_ws   5eed0a00-0000-4000-8000-000000000001
\set nw_ws   5eed0a00-0000-4000-8000-000000000003
\set gx_ws   5eed0a00-0000-4000-8000-000000000004
\set rule1   5eed0c00-0000-4000-8000-000000000001
\set user1   5eed0b00-0000-4000-8000-000000000001
\set user4   5eed0b00-0000-4000-8000-000000000004
\set o1      0c0c0000-0000-4000-8000-000000000001
\set o2      0c0c0000-0000-4000-8000-000000000002
\set o3      0c0c0000-0000-4000-8000-000000000003
\set o4      0c0c0000-0000-4000-8000-000000000004

-- the migration (source schema public, the default)
SELECT object, to_move, cannot_map FROM lead_router.migrate_from_seed_schema(dry_run => false)
 WHERE object = 'seed schema public' OR object LIKE 'function %';
SELECT max(id) AS last_migrated_log FROM lead_router.routing_logs \gset

-- the seed's functions are still in public: the extension cannot go there ...
SELECT pg_temp.error_of('CREATE EXTENSION lead_router_seed_compat SCHEMA public') AS into_public_now;
-- ... but into a schema of its own, placed first in the search path the API exposes
CREATE SCHEMA seed_api;
CREATE EXTENSION lead_router_seed_compat SCHEMA seed_api;
SET search_path = seed_api, public;

-- Supabase's roles: service_role bypasses row-level security (the service's admin client),
-- authenticated is an end user identified by the JWT.  Grants as README "Security" says,
-- plus the wrappers'.
CREATE ROLE regress_lr_service_role NOLOGIN BYPASSRLS;
CREATE ROLE regress_lr_authenticated NOLOGIN;
GRANT USAGE ON SCHEMA lead_router, seed_api, auth TO regress_lr_service_role, regress_lr_authenticated;
GRANT SELECT ON lead_router.leads, lead_router.routing_logs, lead_router.routing_queue
   TO regress_lr_service_role, regress_lr_authenticated;
GRANT EXECUTE ON FUNCTION lead_router.acquire_routing_lock(uuid, uuid),
      lead_router.complete_routing(uuid, uuid, uuid, uuid), lead_router.fail_routing(uuid, text, uuid, integer),
      lead_router.check_cross_partner_duplicate(text, uuid),
      seed_api.acquire_routing_lock(uuid, uuid), seed_api.complete_routing(uuid, uuid, uuid, uuid),
      seed_api.fail_routing(uuid, text, uuid, integer), seed_api.check_cross_partner_duplicate(text, uuid)
   TO regress_lr_service_role, regress_lr_authenticated;
GRANT EXECUTE ON FUNCTION lead_router.release_stale_routing_locks(interval), lead_router.mark_expired_leads(),
      seed_api.release_stale_routing_locks(), seed_api.mark_expired_leads()
   TO regress_lr_service_role;

CREATE TEMP VIEW lead AS
SELECT right(id::text, 2) AS lead, routing_status, right(workspace_id::text, 2) AS owner,
       right(source_workspace_id::text, 2) AS source, routing_attempts AS attempts, routing_error,
       right(routing_locked_by::text, 2) AS locked_by
  FROM lead_router.leads;
GRANT SELECT ON lead TO regress_lr_service_role;

------------------------------------------------------------------------------------------
-- The seed's results, through the seed's names and named arguments, as the service calls them
------------------------------------------------------------------------------------------
SET ROLE regress_lr_service_role;

-- acquire_routing_lock: true for a pending lead; false while another owner holds it, and for
-- a routed lead
SELECT acquire_routing_lock(p_lead_id => '5eed1ead-0000-4000-8000-000000000011', p_lock_owner => :'o1') AS acquired;
SELECT acquire_routing_lock(p_lead_id => '5eed1ead-0000-4000-8000-000000000011', p_lock_owner => :'o2') AS held_by_another;
SELECT acquire_routing_lock(p_lead_id => '5eed1ead-0000-4000-8000-000000000001', p_lock_owner => :'o2') AS routed_lead;
SELECT * FROM lead WHERE lead = '11';

-- check_cross_partner_duplicate: no partner has this person
SELECT count(*) AS duplicates FROM check_cross_partner_duplicate(
    p_dedupe_hash => (SELECT dedupe_hash FROM lead_router.leads WHERE id = '5eed1ead-0000-4000-8000-000000000011'),
    p_source_workspace_id => :'in_ws');

-- complete_routing: only for the lock's owner
SELECT complete_routing(p_lead_id => '5eed1ead-0000-4000-8000-000000000011', p_destination_workspace_id => :'nw_ws',
                        p_matched_rule_id => :'rule1', p_lock_owner => :'o2') AS not_the_owner;
SELECT complete_routing(p_lead_id => '5eed1ead-0000-4000-8000-000000000011', p_destination_workspace_id => :'nw_ws',
                        p_matched_rule_id => :'rule1', p_lock_owner => :'o1') AS completed;
SELECT * FROM lead WHERE lead = '11';

-- the duplicate path: lead 32 is the person Globex bought as lead 02 (migrated); the service
-- completes it to that partner, without a rule
SELECT acquire_routing_lock(p_lead_id => '5eed1ead-0000-4000-8000-000000000032', p_lock_owner => :'o3') AS acquired;
SELECT right(id::text, 2) AS duplicate_lead, right(workspace_id::text, 2) AS owner
  FROM check_cross_partner_duplicate(
    p_dedupe_hash => (SELECT dedupe_hash FROM lead_router.leads WHERE id = '5eed1ead-0000-4000-8000-000000000032'),
    p_source_workspace_id => :'in_ws');
SELECT complete_routing(p_lead_id => '5eed1ead-0000-4000-8000-000000000032', p_destination_workspace_id => :'gx_ws',
                        p_matched_rule_id => NULL, p_lock_owner => :'o3') AS delivered_to_the_owner;

-- fail_routing: queued with a retry row while attempts remain, failed at p_max_attempts
SELECT acquire_routing_lock(p_lead_id => '5eed1ead-0000-4000-8000-000000000027', p_lock_owner => :'o4') AS acquired;
SELECT fail_routing(p_lead_id => '5eed1ead-0000-4000-8000-000000000027', p_error_message => 'No matching rule',
                    p_lock_owner => :'o4', p_max_attempts => 2) AS first_failure;
SELECT attempt_number, max_attempts, extract(epoch FROM next_retry_at - now()) BETWEEN 54 AND 66 AS in_about_a_minute
  FROM lead_router.routing_queue WHERE lead_id = '5eed1ead-0000-4000-8000-000000000027' AND processed_at IS NULL;
SELECT acquire_routing_lock(p_lead_id => '5eed1ead-0000-4000-8000-000000000027', p_lock_owner => :'o4') AS acquired;
SELECT fail_routing(p_lead_id => '5eed1ead-0000-4000-8000-000000000027', p_error_message => 'No matching rule',
                    p_lock_owner => :'o4', p_max_attempts => 2) AS second_failure;
SELECT * FROM lead WHERE lead = '27';
-- p_max_attempts defaults to 3: lead 13 (2 attempts in the seed) fails for good on its third
SELECT acquire_routing_lock(p_lead_id => '5eed1ead-0000-4000-8000-000000000013', p_lock_owner => :'o4') AS acquired;
SELECT fail_routing(p_lead_id => '5eed1ead-0000-4000-8000-000000000013', p_error_message => 'No matching rule',
                    p_lock_owner => :'o4') AS third_attempt;
-- failing a lead one does not hold is refused (the seed returned nothing)
SELECT pg_temp.error_of(format($$SELECT fail_routing(p_lead_id => '5eed1ead-0000-4000-8000-000000000012',
                                                    p_error_message => 'x', p_lock_owner => %L)$$, :'o4')) AS not_held;

-- release_stale_routing_locks(): locks older than 5 minutes go back to pending
SELECT acquire_routing_lock(p_lead_id => '5eed1ead-0000-4000-8000-000000000012', p_lock_owner => :'o2') AS acquired;
RESET ROLE;
UPDATE lead_router.leads SET routing_locked_at = now() - interval '10 minutes'
 WHERE id = '5eed1ead-0000-4000-8000-000000000012';
SET ROLE regress_lr_service_role;
SELECT release_stale_routing_locks() AS released;
SELECT * FROM lead WHERE lead = '12';

-- mark_expired_leads(): lead 17 (pending past its TTL) and lead 29 (a legacy lead, created
-- 150 days ago, whose TTL the migration set to created_at + 90 days)
SELECT mark_expired_leads() AS expired;
SELECT lead, routing_status FROM lead WHERE lead IN ('17', '29') ORDER BY lead;

-- generate_dedupe_hash(p_email, p_phone, p_company): lead_router's hash, the one stored
SELECT generate_dedupe_hash(p_email => ' Maria.Gomez@ACME.io ', p_phone => '+1 (415) 555-0101', p_company => 'acme inc')
       = (SELECT dedupe_hash FROM lead_router.leads WHERE id = '5eed1ead-0000-4000-8000-000000000001') AS same_as_stored,
       generate_dedupe_hash(p_email => NULL, p_phone => '', p_company => NULL) IS NULL AS empty_identity;
RESET ROLE;

-- what those calls wrote to the audit log (after the migrated history)
SELECT right(lead_id::text, 2) AS lead, routing_result, right(destination_workspace_id::text, 2) AS destination,
       right(matched_rule_id::text, 2) AS rule, attempt, error_message
  FROM lead_router.routing_logs
 WHERE id > :last_migrated_log
 ORDER BY id;

------------------------------------------------------------------------------------------
-- The end user: the JWT's sub is the application user, as auth.uid() is
------------------------------------------------------------------------------------------
SET lead_router.identity_source = 'request.jwt.claims';   -- ALTER DATABASE ... SET on Supabase
SET ROLE regress_lr_authenticated;
BEGIN;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'user1', 'role', 'authenticated')::text, true) IS NOT NULL AS claims;
SELECT identity_source, jwt_sub = :'user1' AS jwt_sub_is_user1, user_id = auth.uid() AS acts_as_auth_uid FROM seed_identity();
-- user 1 belongs to the inbound workspace: it may route its leads
SELECT acquire_routing_lock(p_lead_id => '5eed1ead-0000-4000-8000-000000000015', p_lock_owner => :'o1') AS own_workspace;
SELECT fail_routing(p_lead_id => '5eed1ead-0000-4000-8000-000000000015', p_error_message => 'No matching rule',
                    p_lock_owner => :'o1', p_max_attempts => 5) AS queued;
COMMIT;
BEGIN;
-- user 4 (Globex) does not see the inbound workspace's leads
SELECT set_config('request.jwt.claims', json_build_object('sub', :'user4', 'role', 'authenticated')::text, true) IS NOT NULL AS claims;
SELECT pg_temp.error_of($$SELECT acquire_routing_lock(p_lead_id => '5eed1ead-0000-4000-8000-000000000016',
                                                     p_lock_owner => '0c0c0000-0000-4000-8000-000000000001')$$) AS other_workspace;
-- and may not run maintenance
SELECT pg_temp.error_of('SELECT release_stale_routing_locks()') AS maintenance;
COMMIT;
-- no JWT: nobody
SELECT pg_temp.error_of($$SELECT acquire_routing_lock(p_lead_id => '5eed1ead-0000-4000-8000-000000000016',
                                                     p_lock_owner => '0c0c0000-0000-4000-8000-000000000001')$$) AS no_jwt;
RESET ROLE;
RESET lead_router.identity_source;

-- act_as_jwt_sub(), PostgREST's db-pre-request hook, where identity_source stays as it is
GRANT EXECUTE ON FUNCTION lead_router.act_as(uuid) TO regress_lr_authenticated;
SET ROLE regress_lr_authenticated;
BEGIN;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'user1')::text, true) IS NOT NULL AS claims;
SELECT act_as_jwt_sub() = :'user1' AS acting;
SELECT identity_source, user_id = :'user1' AS acts_as_user1 FROM seed_identity();
SELECT acquire_routing_lock(p_lead_id => '5eed1ead-0000-4000-8000-000000000016', p_lock_owner => :'o2') AS own_workspace;
ROLLBACK;
SELECT user_id FROM seed_identity();
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "not a uuid"}', true) IS NOT NULL AS claims;
SELECT pg_temp.error_of('SELECT act_as_jwt_sub()') AS malformed_sub;
ROLLBACK;
RESET ROLE;

------------------------------------------------------------------------------------------
-- Into public, as the seed had them: drop the seed's functions (the report lists them),
-- then move the extension there
------------------------------------------------------------------------------------------
SELECT object FROM lead_router.migrate_from_seed_schema() WHERE object LIKE 'function %';
DROP FUNCTION public.acquire_routing_lock(uuid, uuid), public.complete_routing(uuid, uuid, uuid, uuid),
              public.fail_routing(uuid, text, uuid, integer), public.release_stale_routing_locks(),
              public.check_cross_partner_duplicate(varchar, uuid), public.mark_expired_leads(),
              public.generate_dedupe_hash(text, text, text);
ALTER EXTENSION lead_router_seed_compat SET SCHEMA public;
SELECT object, detail FROM lead_router.migrate_from_seed_schema() WHERE object LIKE 'function %';
SET search_path = public;

SELECT e.extname, e.extversion, n.nspname AS schema, e.extrelocatable,
       (SELECT string_agg(r.extname, ', ') FROM pg_depend d JOIN pg_extension r ON r.oid = d.refobjid
         WHERE d.classid = 'pg_extension'::regclass AND d.objid = e.oid AND d.refclassid = 'pg_extension'::regclass) AS requires
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'lead_router_seed_compat';
-- every member: the seed's argument names, lead_router's result types, SECURITY INVOKER, a
-- pinned search_path; the state-changing ones not for PUBLIC
SELECT p.oid::regprocedure AS function, pg_get_function_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS result, p.provolatile, p.prosecdef, p.proconfig,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'lead_router_seed_compat')
 ORDER BY p.oid;

-- the RPC as PostgREST sends it: schema-qualified, named arguments, typed parameters
PREPARE rpc_acquire(uuid, uuid) AS SELECT "public"."acquire_routing_lock"("p_lead_id" := $1, "p_lock_owner" := $2);
EXECUTE rpc_acquire('5eed1ead-0000-4000-8000-000000000014', :'o3');
PREPARE rpc_duplicates(text, uuid) AS
    SELECT * FROM "public"."check_cross_partner_duplicate"("p_dedupe_hash" := $1, "p_source_workspace_id" := $2);
-- lead 35 is the person Globex bought as lead 03 (the seed's hash missed it: '+44 (0)20 ...')
SELECT (SELECT dedupe_hash FROM lead_router.leads WHERE id = '5eed1ead-0000-4000-8000-000000000035') AS hash_35 \gset
EXECUTE rpc_duplicates(:'hash_35', '5eed0a00-0000-4000-8000-000000000002');
-- a search_path of the caller's cannot redirect the wrappers
CREATE SCHEMA regress_hijack;
CREATE FUNCTION regress_hijack.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT 'epoch'::timestamptz $$;
CREATE TABLE regress_hijack.leads (id uuid);
SET search_path = regress_hijack, public;
SELECT fail_routing(p_lead_id => '5eed1ead-0000-4000-8000-000000000014', p_error_message => 'Partner API unavailable',
                    p_lock_owner => :'o3') AS queued_despite_search_path;
SELECT extract(epoch FROM next_retry_at - pg_catalog.now()) BETWEEN 250 AND 350 AS backoff_from_the_real_now
  FROM lead_router.routing_queue WHERE lead_id = '5eed1ead-0000-4000-8000-000000000014' AND processed_at IS NULL;
RESET search_path;
DROP SCHEMA regress_hijack CASCADE;

-- DROP EXTENSION removes the wrappers and nothing of lead_router
DROP EXTENSION lead_router_seed_compat;
SELECT count(*) AS wrappers_left FROM pg_proc
 WHERE pronamespace = 'public'::regnamespace AND proname IN ('acquire_routing_lock', 'act_as_jwt_sub', 'seed_identity');
SELECT count(*) AS leads FROM lead_router.leads;

\i sql/fixtures/teardown.sql
SET client_min_messages = warning;
DROP SCHEMA seed_api, auth CASCADE;
DROP TABLE public.lead_notes, public.lead_routing_logs, public.lead_routing_queue,
           public.lead_routing_rules, public.user_workspaces, public.leads, public.workspaces;
DROP FUNCTION public.leads_set_dedupe_hash();
DROP TYPE public.lead_routing_status;
RESET client_min_messages;
DROP OWNED BY regress_lr_service_role, regress_lr_authenticated;
DROP ROLE regress_lr_service_role, regress_lr_authenticated;
