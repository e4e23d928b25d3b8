-- Distribution: pools with weights (smooth weighted round-robin), caps per calendar window
-- in the partner's time zone, accepting hours, the waterfall to the next rule, deferral when
-- nobody can take a lead, and how explain_route, partner_capacity, partner_availability and
-- the audit log explain it.  Nothing here depends on the time of day the test runs at: hours
-- are set relative to the transaction's now(), and fixed instants go to partner_capacity_at
-- and partner_availability.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;
SET TimeZone = 'UTC';

-- sources (internal) and partners of the scenarios below
\set s_pool  00000000-0000-0000-0000-0000000000d1
\set s_fall  00000000-0000-0000-0000-0000000000d2
\set s_defer 00000000-0000-0000-0000-0000000000d3
\set s_batch 00000000-0000-0000-0000-0000000000d4
\set s_bfall 00000000-0000-0000-0000-0000000000d5
\set s_close 00000000-0000-0000-0000-0000000000d6
\set s_direct 00000000-0000-0000-0000-0000000000d7
\set s_bdirect 00000000-0000-0000-0000-0000000000d8
\set pa 00000000-0000-0000-0000-0000000000e1
\set pb 00000000-0000-0000-0000-0000000000e2
\set pc 00000000-0000-0000-0000-0000000000e3
\set wa 00000000-0000-0000-0000-0000000000f1
\set wb 00000000-0000-0000-0000-0000000000f2
\set wr 00000000-0000-0000-0000-0000000000f3
\set ba 00000000-0000-0000-0000-0000000000f4
\set bb 00000000-0000-0000-0000-0000000000f5
\set br 00000000-0000-0000-0000-0000000000f6
\set da 00000000-0000-0000-0000-0000000000c1
\set db 00000000-0000-0000-0000-0000000000c2
INSERT INTO workspaces (id, name, workspace_type, time_zone) VALUES
    (:'s_pool',  'Pool source',            'internal', 'UTC'),
    (:'s_fall',  'Waterfall source',       'internal', 'UTC'),
    (:'s_defer', 'Deferral source',        'internal', 'UTC'),
    (:'s_batch', 'Batch pool source',      'internal', 'UTC'),
    (:'s_bfall', 'Batch waterfall source', 'internal', 'UTC'),
    (:'s_close', 'Closed partner source',  'internal', 'UTC'),
    (:'s_direct', 'Direct source',         'internal', 'UTC'),
    (:'s_bdirect', 'Batch direct source',  'internal', 'UTC'),
    (:'pa', 'A', 'partner', 'UTC'),
    (:'pb', 'B', 'partner', 'UTC'),
    (:'pc', 'C', 'partner', 'UTC'),
    (:'wa', 'Waterfall A', 'partner', 'America/New_York'),
    (:'wb', 'Waterfall B', 'partner', 'Asia/Tokyo'),
    (:'wr', 'Waterfall R', 'partner', 'UTC'),
    (:'ba', 'Batch A',     'partner', 'America/New_York'),
    (:'bb', 'Batch B',     'partner', 'Asia/Tokyo'),
    (:'br', 'Batch R',     'partner', 'UTC'),
    (:'da', 'Closed D',    'partner', 'Asia/Tokyo'),
    (:'db', 'Zero-cap D',  'partner', 'UTC');

-- short names for ids in the output
CREATE FUNCTION pg_temp.n(id uuid) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT w.name FROM lead_router.workspaces w WHERE w.id = $1), right($1::text, 2))
$$;
CREATE FUNCTION pg_temp.route(lead uuid, max_attempts int DEFAULT 3)
RETURNS TABLE (success boolean, status text, destination text, rule text, error text, attempt int)
LANGUAGE sql AS $$
    SELECT r.success, r.status, pg_temp.n(r.destination_workspace_id), right(r.matched_rule_id::text, 2),
           r.error, r.attempt
      FROM lead_router.route_lead(lead, NULL, max_attempts) r
$$;

--------------------------------------------------------------------------------------------
-- Bad input: refused on write with 22023, the value named
--------------------------------------------------------------------------------------------
INSERT INTO routing_rules (id, workspace_id, name, priority, conditions, destination_workspace_id) VALUES
    ('20000000-0000-0000-0000-0000000000b0', :'inbound', 'single', 10, '{}', :'partner1');
BEGIN;
INSERT INTO routing_rules (id, workspace_id, name, priority, conditions, destination_workspace_id) VALUES
    ('20000000-0000-0000-0000-0000000000b1', :'inbound', 'pool', 5, '{}', NULL);
INSERT INTO routing_rule_destinations (rule_id, destination_workspace_id, weight) VALUES
    ('20000000-0000-0000-0000-0000000000b1', :'partner2', 1);
COMMIT;

SELECT pg_temp.error_of($$UPDATE lead_router.workspaces SET time_zone = 'Mars/Olympus_Mons' WHERE id = '$$ || :'partner1' || $$'$$) AS unknown_zone;
SELECT pg_temp.error_of($$INSERT INTO lead_router.workspaces (name, workspace_type, time_zone) VALUES ('x', 'partner', 'EST5EDT4,M3.2.0,M11.1.0')$$) AS posix_zone;
SELECT pg_temp.error_of($$INSERT INTO lead_router.routing_rule_destinations (rule_id, destination_workspace_id, weight) VALUES ('20000000-0000-0000-0000-0000000000b1', '$$ || :'pa' || $$', 0)$$) AS weight_0;
SELECT pg_temp.error_of($$INSERT INTO lead_router.routing_rule_destinations (rule_id, destination_workspace_id, weight) VALUES ('20000000-0000-0000-0000-0000000000b1', '$$ || :'pa' || $$', 1001)$$) AS weight_1001;
SELECT pg_temp.error_of($$UPDATE lead_router.routing_rule_destinations SET weight = 1001$$) AS weight_1001_update;
SELECT pg_temp.error_of($$INSERT INTO lead_router.partner_hours (workspace_id, iso_weekday, opens, closes) VALUES ('$$ || :'pa' || $$', 1, '17:00', '09:00')$$) AS opens_after_closes;
SELECT pg_temp.error_of($$INSERT INTO lead_router.partner_hours (workspace_id, iso_weekday, opens, closes) VALUES ('$$ || :'pa' || $$', 1, '09:00', '09:00')$$) AS opens_equals_closes;
SELECT pg_temp.error_of($$INSERT INTO lead_router.partner_hours (workspace_id, iso_weekday, opens, closes) VALUES ('$$ || :'pa' || $$', 8, '09:00', '17:00')$$) AS weekday_8;
SELECT pg_temp.error_of($$INSERT INTO lead_router.partner_caps (workspace_id, period, max_leads) VALUES ('$$ || :'pa' || $$', 'day', -1)$$) AS negative_cap;
SELECT pg_temp.error_of($$INSERT INTO lead_router.partner_caps (workspace_id, period, max_leads) VALUES ('$$ || :'pa' || $$', 'fortnight', 5)$$) AS unknown_period;
SELECT pg_temp.error_of($$INSERT INTO lead_router.partner_caps (workspace_id, period, max_leads) VALUES ('$$ || :'inbound' || $$', 'day', 5)$$) AS cap_on_internal;
SELECT pg_temp.error_of($$INSERT INTO lead_router.routing_rule_destinations (rule_id, destination_workspace_id) VALUES ('20000000-0000-0000-0000-0000000000b1', '$$ || :'inbound' || $$')$$) AS member_is_source;
SELECT pg_temp.error_of($$INSERT INTO lead_router.routing_rule_destinations (rule_id, destination_workspace_id) VALUES ('20000000-0000-0000-0000-0000000000b1', '$$ || :'inbound2' || $$')$$) AS member_not_partner;
-- a rule with a single destination cannot get pool rows, nor a pool rule a single destination
SELECT pg_temp.error_of($$INSERT INTO lead_router.routing_rule_destinations (rule_id, destination_workspace_id) VALUES ('20000000-0000-0000-0000-0000000000b0', '$$ || :'partner2' || $$')$$) AS pool_on_single;
SELECT pg_temp.error_of($$UPDATE lead_router.routing_rules SET destination_workspace_id = '$$ || :'partner1' || $$' WHERE id = '20000000-0000-0000-0000-0000000000b1'$$) AS single_on_pool;
-- a rule with neither: checked when the transaction commits (pool rows may follow the rule)
BEGIN;
INSERT INTO routing_rules (id, workspace_id, name, conditions, destination_workspace_id) VALUES
    ('20000000-0000-0000-0000-0000000000b2', :'inbound', 'nowhere', '{}', NULL);
SELECT 'accepted until commit' AS neither;
COMMIT;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS rule_nowhere_kept FROM routing_rules WHERE id = '20000000-0000-0000-0000-0000000000b2';
-- removing the last pool row of a rule: refused at commit, the row stays
BEGIN;
DELETE FROM routing_rule_destinations WHERE rule_id = '20000000-0000-0000-0000-0000000000b1';
COMMIT;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.n(destination_workspace_id) AS pool_member_kept FROM routing_rule_destinations
 WHERE rule_id = '20000000-0000-0000-0000-0000000000b1';
-- replacing it by a single destination in one transaction is fine
BEGIN;
DELETE FROM routing_rule_destinations WHERE rule_id = '20000000-0000-0000-0000-0000000000b1';
UPDATE routing_rules SET destination_workspace_id = :'partner2' WHERE id = '20000000-0000-0000-0000-0000000000b1';
COMMIT;
SELECT right(id::text, 2) AS rule, pg_temp.n(destination_workspace_id) AS destination FROM routing_rules
 WHERE workspace_id = :'inbound' ORDER BY id;
-- valid time zones are accepted
UPDATE workspaces SET time_zone = 'Asia/Kolkata' WHERE id = :'pc';
SELECT name, time_zone FROM workspaces WHERE id = :'pc';
UPDATE workspaces SET time_zone = 'UTC' WHERE id = :'pc';

--------------------------------------------------------------------------------------------
-- A single-destination rule works as before: no pool state, no skipped destinations
--------------------------------------------------------------------------------------------
INSERT INTO leads (id, email, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-0000000000b0', 'single@x.com', :'inbound');
SELECT * FROM pg_temp.route('10000000-0000-0000-0000-0000000000b0');
SELECT routing_result, pg_temp.n(destination_workspace_id) AS destination, right(matched_rule_id::text, 2) AS rule,
       skipped_destinations
  FROM routing_logs WHERE lead_id = '10000000-0000-0000-0000-0000000000b0';
SELECT save_distribution_state();
SELECT count(*) AS pool_state_rows FROM routing_pool_state;

--------------------------------------------------------------------------------------------
-- A weighted pool {A:5, B:1, C:1}: smooth weighted round-robin, A A B A C A A, twice
--------------------------------------------------------------------------------------------
BEGIN;
INSERT INTO routing_rules (id, workspace_id, name, priority, conditions, destination_workspace_id) VALUES
    ('20000000-0000-0000-0000-0000000000c1', :'s_pool', 'weighted pool', 10, '{}', NULL);
INSERT INTO routing_rule_destinations (rule_id, destination_workspace_id, weight) VALUES
    ('20000000-0000-0000-0000-0000000000c1', :'pa', 5),
    ('20000000-0000-0000-0000-0000000000c1', :'pb', 1),
    ('20000000-0000-0000-0000-0000000000c1', :'pc', 1);
COMMIT;
INSERT INTO leads (id, email, source_workspace_id)
SELECT ('10000000-0000-0000-0000-0000000001' || lpad(i::text, 2, '0'))::uuid, 'pool' || i || '@x.com', :'s_pool'
  FROM generate_series(1, 14) i;
-- explain before the first routing: every member eligible, A is the next pick
SELECT right(rule_id::text, 2) AS rule, pg_temp.n(destination_workspace_id) AS member, matched, weight,
       eligible, ineligible_reason, next_pick
  FROM explain_route('10000000-0000-0000-0000-000000000101');
SELECT string_agg(r.destination, ' ' ORDER BY i) AS sequence,
       bool_and(r.success AND r.status = 'routed' AND r.rule = 'c1') AS all_routed_by_pool
  FROM generate_series(1, 14) i,
       LATERAL pg_temp.route(('10000000-0000-0000-0000-0000000001' || lpad(i::text, 2, '0'))::uuid) r;
-- after two full cycles every credit is back at 0
SELECT save_distribution_state();
SELECT (SELECT array_agg(pg_temp.n(d) ORDER BY o) FROM unnest(destinations) WITH ORDINALITY AS u(d, o)) AS members,
       credits
  FROM routing_pool_state WHERE rule_id = '20000000-0000-0000-0000-0000000000c1';
-- the audit names the chosen member; none was better-ranked, so nothing was skipped
SELECT pg_temp.n(destination_workspace_id) AS destination, count(*) AS leads,
       count(skipped_destinations) AS with_skipped
  FROM routing_logs WHERE source_workspace_id = :'s_pool' AND routing_result = 'success'
 GROUP BY 1 ORDER BY 1;

-- an inactive member neither gains nor loses credit: with B inactive the pool alternates
-- over A and C with their weights, and B comes back where it was (no burst)
UPDATE workspaces SET is_active = false WHERE id = :'pb';
INSERT INTO leads (id, email, source_workspace_id)
SELECT ('10000000-0000-0000-0000-0000000001' || lpad(i::text, 2, '0'))::uuid, 'pool' || i || '@x.com', :'s_pool'
  FROM generate_series(15, 20) i;
SELECT pg_temp.n(destination_workspace_id) AS member, eligible, ineligible_reason, next_pick
  FROM explain_route('10000000-0000-0000-0000-000000000115');
SELECT string_agg(r.destination, ' ' ORDER BY i) AS sequence_without_b
  FROM generate_series(15, 20) i,
       LATERAL pg_temp.route(('10000000-0000-0000-0000-0000000001' || lpad(i::text, 2, '0'))::uuid) r;
SELECT save_distribution_state();
SELECT credits FROM routing_pool_state WHERE rule_id = '20000000-0000-0000-0000-0000000000c1';
UPDATE workspaces SET is_active = true WHERE id = :'pb';
INSERT INTO leads (id, email, source_workspace_id)
SELECT ('10000000-0000-0000-0000-0000000001' || lpad(i::text, 2, '0'))::uuid, 'pool' || i || '@x.com', :'s_pool'
  FROM generate_series(21, 27) i;
SELECT string_agg(r.destination, ' ' ORDER BY i) AS sequence_b_back
  FROM generate_series(21, 27) i,
       LATERAL pg_temp.route(('10000000-0000-0000-0000-0000000001' || lpad(i::text, 2, '0'))::uuid) r;

--------------------------------------------------------------------------------------------
-- Caps: the next member when one is full, then the next matching rule (waterfall)
--   rule f1: pool {Waterfall A: 5 (cap 2 a day, New York), Waterfall B: 1 (caps 2 a day
--            and 100 a month, Tokyo)}
--   rule f2: Waterfall R (no cap)
--   and, from another source, rule f3: Waterfall A alone (which shares A's cap)
--------------------------------------------------------------------------------------------
BEGIN;
INSERT INTO routing_rules (id, workspace_id, name, priority, conditions, destination_workspace_id) VALUES
    ('20000000-0000-0000-0000-0000000000f1', :'s_fall', 'capped pool', 20, '{}', NULL),
    ('20000000-0000-0000-0000-0000000000f2', :'s_fall', 'overflow', 10, '{}', :'wr'),
    ('20000000-0000-0000-0000-0000000000f3', :'s_direct', 'direct to A', 10, '{}', :'wa');
INSERT INTO routing_rule_destinations (rule_id, destination_workspace_id, weight) VALUES
    ('20000000-0000-0000-0000-0000000000f1', :'wa', 5),
    ('20000000-0000-0000-0000-0000000000f1', :'wb', 1);
INSERT INTO partner_caps (workspace_id, period, max_leads) VALUES
    (:'wa', 'day', 2), (:'wb', 'day', 2), (:'wb', 'month', 100);
COMMIT;
INSERT INTO leads (id, email, source_workspace_id)
SELECT ('10000000-0000-0000-0000-0000000002' || lpad(i::text, 2, '0'))::uuid, 'fall' || i || '@x.com', :'s_fall'
  FROM generate_series(1, 7) i;
INSERT INTO leads (id, email, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000200', 'direct@x.com', :'s_direct');
-- a single destination with a cap counts against it too: A has 1/2 left for the pool
SELECT * FROM pg_temp.route('10000000-0000-0000-0000-000000000200');
-- the partner's window: from its local midnight to the next, whatever the day's length
CREATE FUNCTION pg_temp.window_end(workspace uuid, cap_period text) RETURNS text LANGUAGE sql AS $$
    SELECT to_char(c.window_end AT TIME ZONE w.time_zone, 'YYYY-MM-DD HH24:MI') || ' ' || w.time_zone
      FROM lead_router.partner_capacity c JOIN lead_router.workspaces w ON w.id = c.workspace_id
     WHERE c.workspace_id = workspace AND c.period = cap_period
$$;
SELECT * FROM pg_temp.route('10000000-0000-0000-0000-000000000201');
-- A is full (2/2): explain shows why, and that B is the next pick although A has more credit
SELECT right(rule_id::text, 2) AS rule, pg_temp.n(destination_workspace_id) AS member, weight, eligible,
       ineligible_reason = format('capped day 2/2 until %s', pg_temp.window_end(:'wa', 'day')) AS reason_is_a_full_day,
       next_pick
  FROM explain_route('10000000-0000-0000-0000-000000000202');
SELECT ineligible_reason ~ '^capped day 2/2 until \d{4}-\d\d-\d\d 00:00 America/New_York$' AS reason_shape
  FROM explain_route('10000000-0000-0000-0000-000000000202') WHERE destination_workspace_id = :'wa';
SELECT save_distribution_state();
SELECT (SELECT array_agg(pg_temp.n(d) ORDER BY o) FROM unnest(destinations) WITH ORDINALITY AS u(d, o)) AS members,
       credits
  FROM routing_pool_state WHERE rule_id = '20000000-0000-0000-0000-0000000000f1';
-- leads 2 and 3 would be A's turn: A is skipped, B takes them (A keeps its credit); then
-- both are full: the next rule
SELECT i AS lead, r.*
  FROM generate_series(2, 6) i,
       LATERAL pg_temp.route(('10000000-0000-0000-0000-0000000002' || lpad(i::text, 2, '0'))::uuid) r;
SELECT save_distribution_state();
SELECT credits FROM routing_pool_state WHERE rule_id = '20000000-0000-0000-0000-0000000000f1';
-- the audit: the chosen member, and the better-ranked ones passed over with why
SELECT right(g.lead_id::text, 2) AS lead, g.routing_result, pg_temp.n(g.destination_workspace_id) AS destination,
       right(g.matched_rule_id::text, 2) AS rule,
       (SELECT string_agg(pg_temp.n((s ->> 'workspace_id')::uuid) || ' (rule ' || right(s ->> 'rule_id', 2) || ')', ', ')
          FROM jsonb_array_elements(g.skipped_destinations) s) AS skipped
  FROM routing_logs g WHERE g.source_workspace_id IN (:'s_fall', :'s_direct') ORDER BY g.id;
SELECT right(g.lead_id::text, 2) AS lead, pg_temp.n((s ->> 'workspace_id')::uuid) AS skipped,
       s ->> 'reason' = format('capped day 2/2 until %s', pg_temp.window_end((s ->> 'workspace_id')::uuid, 'day')) AS reason_is_full_day
  FROM routing_logs g, jsonb_array_elements(g.skipped_destinations) s
 WHERE g.source_workspace_id = :'s_fall' ORDER BY g.id, 2;
-- both full: explain shows rule f1 with no eligible member and R as the next pick
SELECT right(rule_id::text, 2) AS rule, pg_temp.n(destination_workspace_id) AS member, matched, eligible,
       ineligible_reason IS NOT NULL AS has_reason, next_pick
  FROM explain_route('10000000-0000-0000-0000-000000000207');
-- partner_capacity: used/max of each cap in its window, in the partner's own time zone
SELECT pg_temp.n(c.workspace_id) AS partner, c.period, c.used, c.max_leads,
       (c.window_start AT TIME ZONE w.time_zone)::time AS local_start,
       (c.window_end AT TIME ZONE w.time_zone)
           = (c.window_start AT TIME ZONE w.time_zone) + CASE c.period WHEN 'day' THEN interval '1 day' ELSE interval '1 month' END AS one_local_period,
       now() >= c.window_start AND now() < c.window_end AS contains_now,
       c.period <> 'month' OR extract(day FROM c.window_start AT TIME ZONE w.time_zone) = 1 AS month_from_the_1st
  FROM partner_capacity c JOIN workspaces w ON w.id = c.workspace_id
 WHERE c.workspace_id IN (:'wa', :'wb') ORDER BY 1, 2;
-- the counters themselves: one row per cap, in the window that contains now
SELECT save_distribution_state();
SELECT pg_temp.n(u.workspace_id) AS partner, u.period, u.used,
       u.window_start = c.window_start AS current_window
  FROM partner_cap_usage u JOIN partner_capacity c USING (workspace_id, period) ORDER BY 1, 2;
-- a higher cap makes A eligible again at once
UPDATE partner_caps SET max_leads = 3 WHERE workspace_id = :'wa' AND period = 'day';
SELECT pg_temp.n(destination_workspace_id) AS member, eligible, next_pick
  FROM explain_route('10000000-0000-0000-0000-000000000207') WHERE rule_id = '20000000-0000-0000-0000-0000000000f1';
SELECT * FROM pg_temp.route('10000000-0000-0000-0000-000000000207');
SELECT pg_temp.n(workspace_id) AS partner, period, used, max_leads FROM partner_capacity
 WHERE workspace_id = :'wa';
-- duplicates do not count against a cap
INSERT INTO leads (id, email, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000208', 'FALL7@x.com', :'s_fall');
SELECT status, destination FROM pg_temp.route('10000000-0000-0000-0000-000000000208');
SELECT pg_temp.n(workspace_id) AS partner, period, used FROM partner_capacity WHERE workspace_id = :'wa';

--------------------------------------------------------------------------------------------
-- Windows at fixed instants: hour, day (23 h and 25 h days of DST), week from Monday,
-- month from the 1st, each in the partner's zone (partner_capacity_at)
--------------------------------------------------------------------------------------------
UPDATE workspaces SET time_zone = 'America/New_York' WHERE id = :'pc';
INSERT INTO partner_caps (workspace_id, period, max_leads) VALUES
    (:'pc', 'hour', 10), (:'pc', 'day', 50), (:'pc', 'week', 200), (:'pc', 'month', 700);
SELECT t.at, c.period, c.window_start, c.window_end, c.window_end - c.window_start AS length, c.used
  FROM (VALUES (timestamptz '2026-03-08 12:30+00'), ('2026-11-01 12:30+00'), ('2026-11-01 03:30+00')) t(at),
       LATERAL partner_capacity_at(t.at) c
 WHERE c.workspace_id = :'pc' ORDER BY t.at, c.window_end - c.window_start;
-- an hour in a zone half an hour off UTC
UPDATE workspaces SET time_zone = 'Asia/Kolkata' WHERE id = :'pc';
SELECT period, window_start, window_end FROM partner_capacity_at('2026-06-15 12:10+00')
 WHERE workspace_id = :'pc' AND period IN ('hour', 'day') ORDER BY period;
DELETE FROM partner_caps WHERE workspace_id = :'pc';
UPDATE workspaces SET time_zone = 'UTC' WHERE id = :'pc';

--------------------------------------------------------------------------------------------
-- Accepting hours and availability at fixed instants (partner_availability)
--------------------------------------------------------------------------------------------
-- Closed D (Tokyo): Monday to Friday 09:00-17:00; Zero-cap D: a day cap of 0
INSERT INTO partner_hours (workspace_id, iso_weekday, opens, closes)
SELECT :'da', d, '09:00', '17:00' FROM generate_series(1, 5) d;
INSERT INTO partner_caps (workspace_id, period, max_leads) VALUES (:'db', 'day', 0);
SELECT t.at, pg_temp.n(a.workspace_id) AS partner, a.is_active, a.is_open, a.next_opening, a.capped_periods
  FROM (VALUES (timestamptz '2025-12-05 08:30+00'),   -- Fri 17:30 in Tokyo: closed until Mon 09:00
               ('2025-12-08 00:00+00'),               -- Mon 09:00 in Tokyo: open
               ('2025-12-07 23:59:59+00')) t(at),     -- Mon 08:59:59 in Tokyo: closed
       LATERAL partner_availability(t.at) a
 WHERE a.workspace_id IN (:'da', :'db', :'wa') ORDER BY t.at, 2;
-- closes at 24:00: open until the end of the day
INSERT INTO partner_hours (workspace_id, iso_weekday, opens, closes) VALUES (:'da', 6, '20:00', '24:00');
SELECT t.at, a.is_open, a.next_opening
  FROM (VALUES (timestamptz '2025-12-06 14:59:59+00'), ('2025-12-06 15:00+00')) t(at),   -- Sat 23:59:59, Sun 00:00 in Tokyo
       LATERAL partner_availability(t.at) a
 WHERE a.workspace_id = :'da' ORDER BY t.at;
DELETE FROM partner_hours WHERE workspace_id = :'da';
SELECT is_open, next_opening, capped_periods FROM partner_availability() WHERE workspace_id = :'da';

--------------------------------------------------------------------------------------------
-- Everyone closed or full: the lead is deferred, not failed
--------------------------------------------------------------------------------------------
-- Closed D accepts leads on one weekday only, three days from today in Tokyo: closed now
INSERT INTO partner_hours (workspace_id, iso_weekday, opens, closes)
SELECT :'da', extract(isodow FROM (now() AT TIME ZONE 'Asia/Tokyo') + interval '3 days')::int, '09:00', '17:00';
CREATE FUNCTION pg_temp.d_opens() RETURNS timestamptz LANGUAGE sql AS $$
    SELECT (date_trunc('day', now() AT TIME ZONE 'Asia/Tokyo')
            + ((h.iso_weekday - extract(isodow FROM now() AT TIME ZONE 'Asia/Tokyo')::int + 7) % 7) * interval '1 day'
            + h.opens) AT TIME ZONE 'Asia/Tokyo'
      FROM lead_router.partner_hours h WHERE h.workspace_id = '00000000-0000-0000-0000-0000000000c1'
$$;
SELECT is_open, next_opening = pg_temp.d_opens() AS opens_in_three_days, capped_periods
  FROM partner_availability() WHERE workspace_id = :'da';
BEGIN;
INSERT INTO routing_rules (id, workspace_id, name, priority, conditions, destination_workspace_id) VALUES
    ('20000000-0000-0000-0000-0000000000d1', :'s_defer', 'closed or full pool', 10, '{}', NULL),
    ('20000000-0000-0000-0000-0000000000d2', :'s_close', 'closed partner', 10, '{}', :'da');
INSERT INTO routing_rule_destinations (rule_id, destination_workspace_id, weight) VALUES
    ('20000000-0000-0000-0000-0000000000d1', :'da', 1),
    ('20000000-0000-0000-0000-0000000000d1', :'db', 1);
COMMIT;
INSERT INTO leads (id, email, source_workspace_id, lead_expires_at) VALUES
    ('10000000-0000-0000-0000-000000000301', 'defer1@x.com', :'s_defer', now() + interval '30 days'),
    ('10000000-0000-0000-0000-000000000302', 'defer2@x.com', :'s_close', now() + interval '30 days'),
    ('10000000-0000-0000-0000-000000000303', 'defer3@x.com', :'s_close', now() + interval '1 hour');
SELECT pg_temp.n(destination_workspace_id) AS member, eligible,
       CASE destination_workspace_id
           WHEN :'da' THEN ineligible_reason = 'closed until ' || to_char(pg_temp.d_opens() AT TIME ZONE 'Asia/Tokyo', 'Dy HH24:MI') || ' Asia/Tokyo'
           ELSE ineligible_reason = 'capped day 0/0 until ' || to_char(date_trunc('day', now()) + interval '1 day', 'YYYY-MM-DD HH24:MI') || ' UTC'
       END AS reason_as_expected,
       next_pick
  FROM explain_route('10000000-0000-0000-0000-000000000301');
-- the earliest end of a blocking condition: Zero-cap D's day resets at the next UTC midnight
SELECT * FROM pg_temp.route('10000000-0000-0000-0000-000000000301', 1);
SELECT routing_status, routing_attempts, workspace_id = :'s_defer' AS still_with_source,
       routing_due_at = date_trunc('day', now()) + interval '1 day' AS due_at_cap_reset
  FROM leads WHERE id = '10000000-0000-0000-0000-000000000301';
SELECT attempt_number, max_attempts, next_retry_at = date_trunc('day', now()) + interval '1 day' AS due_at_cap_reset, last_error
  FROM routing_queue WHERE lead_id = '10000000-0000-0000-0000-000000000301' AND processed_at IS NULL;
SELECT routing_result, destination_workspace_id, error_message, attempt,
       (SELECT string_agg(pg_temp.n((s ->> 'workspace_id')::uuid), ', ' ORDER BY s ->> 'workspace_id')
          FROM jsonb_array_elements(skipped_destinations) s) AS candidates
  FROM routing_logs WHERE lead_id = '10000000-0000-0000-0000-000000000301';
-- again (max_attempts 1): still deferred, no attempt consumed, one open queue row
SELECT * FROM pg_temp.route('10000000-0000-0000-0000-000000000301', 1);
SELECT routing_status, routing_attempts,
       (SELECT count(*) FROM routing_queue q WHERE q.lead_id = l.id AND q.processed_at IS NULL) AS open_queue_rows,
       (SELECT count(*) FROM routing_logs g WHERE g.lead_id = l.id AND g.routing_result = 'deferred') AS deferred_rows
  FROM leads l WHERE id = '10000000-0000-0000-0000-000000000301';
-- only closed: due at the next opening; never later than the lead's expiry
SELECT * FROM pg_temp.route('10000000-0000-0000-0000-000000000302');
SELECT * FROM pg_temp.route('10000000-0000-0000-0000-000000000303');
SELECT right(l.id::text, 2) AS lead, l.routing_status,
       l.routing_due_at = pg_temp.d_opens() AS due_at_opening,
       l.routing_due_at = l.lead_expires_at AS due_at_expiry,
       q.next_retry_at = l.routing_due_at AS queue_row_due_then
  FROM leads l JOIN routing_queue q ON q.lead_id = l.id AND q.processed_at IS NULL
 WHERE l.source_workspace_id = :'s_close' ORDER BY l.id;
SELECT right(lead_id::text, 2) AS lead, routing_result, error_message, skipped_destinations -> 0 ->> 'reason' LIKE 'closed until %' AS closed
  FROM routing_logs WHERE source_workspace_id = :'s_close' ORDER BY id;
-- the retry queue takes the same decision while nothing changed: not due yet, nothing done
SELECT * FROM process_retry_queue(10);
-- once the partner accepts leads at any hour, the deferred lead routes
DELETE FROM partner_hours WHERE workspace_id = :'da';
SELECT * FROM pg_temp.route('10000000-0000-0000-0000-000000000302');
SELECT count(*) FILTER (WHERE processed_at IS NULL) AS open_queue_rows FROM routing_queue
 WHERE lead_id = '10000000-0000-0000-0000-000000000302';

-- every candidate inactive: no moment is known, so it is not a deferral
-- (Closed D is closed again for what follows)
INSERT INTO partner_hours (workspace_id, iso_weekday, opens, closes)
SELECT :'da', extract(isodow FROM (now() AT TIME ZONE 'Asia/Tokyo') + interval '3 days')::int, '09:00', '17:00';
UPDATE workspaces SET is_active = false WHERE id IN (:'da', :'db');
SELECT pg_temp.n(destination_workspace_id) AS member, matched, eligible, ineligible_reason, next_pick
  FROM explain_route('10000000-0000-0000-0000-000000000301');
SELECT success, status, destination, error, attempt FROM pg_temp.route('10000000-0000-0000-0000-000000000301');
UPDATE workspaces SET is_active = true WHERE id IN (:'da', :'db');

--------------------------------------------------------------------------------------------
-- route_pending_leads takes the decisions route_lead takes: the same pool (A:5, B:1, C:1)
-- and the same capped waterfall on other partners, in one batch
--------------------------------------------------------------------------------------------
BEGIN;
INSERT INTO routing_rules (id, workspace_id, name, priority, conditions, destination_workspace_id) VALUES
    ('20000000-0000-0000-0000-0000000000e1', :'s_batch', 'weighted pool', 10, '{}', NULL),
    ('20000000-0000-0000-0000-0000000000e2', :'s_bfall', 'capped pool', 20, '{}', NULL),
    ('20000000-0000-0000-0000-0000000000e3', :'s_bfall', 'overflow', 10, '{}', :'br'),
    ('20000000-0000-0000-0000-0000000000e4', :'s_bdirect', 'direct to A', 10, '{}', :'ba');
INSERT INTO routing_rule_destinations (rule_id, destination_workspace_id, weight) VALUES
    ('20000000-0000-0000-0000-0000000000e1', :'pa', 5),
    ('20000000-0000-0000-0000-0000000000e1', :'pb', 1),
    ('20000000-0000-0000-0000-0000000000e1', :'pc', 1),
    ('20000000-0000-0000-0000-0000000000e2', :'ba', 5),
    ('20000000-0000-0000-0000-0000000000e2', :'bb', 1);
INSERT INTO partner_caps (workspace_id, period, max_leads) VALUES
    (:'ba', 'day', 2), (:'bb', 'day', 2), (:'bb', 'month', 100);
COMMIT;
-- nothing else is due: the deferred leads wait in the queue
SELECT count(*) AS other_due_leads FROM leads WHERE routing_status = 'pending' AND routing_due_at <= now();
INSERT INTO leads (id, email, source_workspace_id)
SELECT ('10000000-0000-0000-0000-0000000004' || lpad(i::text, 2, '0'))::uuid, 'batch' || i || '@x.com', :'s_batch'::uuid
  FROM generate_series(1, 14) i
UNION ALL
SELECT '10000000-0000-0000-0000-000000000500', 'bdirect@x.com', :'s_bdirect'
UNION ALL
SELECT ('10000000-0000-0000-0000-0000000005' || lpad(i::text, 2, '0'))::uuid, 'bfall' || i || '@x.com', :'s_bfall'
  FROM generate_series(1, 6) i;
SELECT count(*) AS rows, count(*) FILTER (WHERE status = 'routed') AS routed FROM route_pending_leads(100);
SELECT g.source_workspace_id = :'s_batch' AS pool,
       string_agg(pg_temp.n(g.destination_workspace_id), ' ' ORDER BY g.lead_id) AS sequence
  FROM routing_logs g WHERE g.source_workspace_id IN (:'s_batch', :'s_bfall') AND g.routing_result = 'success'
 GROUP BY 1 ORDER BY 1 DESC;
-- the same skipped destinations as route_lead recorded for the waterfall
SELECT right(g.lead_id::text, 2) AS lead, pg_temp.n(g.destination_workspace_id) AS destination,
       right(g.matched_rule_id::text, 2) AS rule,
       (SELECT string_agg(pg_temp.n((s ->> 'workspace_id')::uuid) || ' (rule ' || right(s ->> 'rule_id', 2) || ')', ', ')
          FROM jsonb_array_elements(g.skipped_destinations) s) AS skipped
  FROM routing_logs g WHERE g.source_workspace_id IN (:'s_bfall', :'s_bdirect') ORDER BY g.lead_id;
SELECT save_distribution_state();
SELECT rule_id = '20000000-0000-0000-0000-0000000000e1' AS weighted_pool, credits FROM routing_pool_state
 WHERE rule_id IN ('20000000-0000-0000-0000-0000000000e1', '20000000-0000-0000-0000-0000000000e2') ORDER BY 1 DESC;
SELECT pg_temp.n(workspace_id) AS partner, period, used, max_leads FROM partner_capacity
 WHERE workspace_id IN (:'ba', :'bb') ORDER BY 1, 2;
-- a batch that finds everyone full defers, like route_lead
INSERT INTO leads (id, email, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000601', 'bdefer@x.com', :'s_defer');
SELECT right(lead_id::text, 2) AS lead, status, success FROM route_pending_leads(10);
SELECT routing_status, routing_attempts FROM leads WHERE id = '10000000-0000-0000-0000-000000000601';

--------------------------------------------------------------------------------------------
-- A routing undone by ROLLBACK TO SAVEPOINT gives back its cap unit and its pool step: the
-- next routing counts and picks as if it never happened
--------------------------------------------------------------------------------------------
\set s_undo 00000000-0000-0000-0000-0000000001d9
\set ua 00000000-0000-0000-0000-0000000001a7
\set ub 00000000-0000-0000-0000-0000000001a8
INSERT INTO workspaces (id, name, workspace_type, time_zone) VALUES
    (:'s_undo', 'Undo source', 'internal', 'UTC'), (:'ua', 'Undo A', 'partner', 'UTC'), (:'ub', 'Undo B', 'partner', 'UTC');
INSERT INTO partner_caps (workspace_id, period, max_leads) VALUES (:'ua', 'day', 1);
BEGIN;
INSERT INTO routing_rules (id, workspace_id, name, priority, conditions, destination_workspace_id) VALUES
    ('20000000-0000-0000-0000-0000000001a9', :'s_undo', 'undo pool', 10, '{}', NULL);
INSERT INTO routing_rule_destinations (rule_id, destination_workspace_id, weight) VALUES
    ('20000000-0000-0000-0000-0000000001a9', :'ua', 1), ('20000000-0000-0000-0000-0000000001a9', :'ub', 1);
COMMIT;
INSERT INTO leads (id, email, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000001701', 'undo1@x.com', :'s_undo'),
    ('10000000-0000-0000-0000-000000001702', 'undo2@x.com', :'s_undo');
-- a transaction rolled back: A's unit and A's turn come back
BEGIN;
SELECT status, destination FROM pg_temp.route('10000000-0000-0000-0000-000000001701');
SELECT used, max_leads FROM partner_capacity WHERE workspace_id = :'ua';
ROLLBACK;
SELECT used, max_leads FROM partner_capacity WHERE workspace_id = :'ua';
-- a routing rolled back to a savepoint, in a transaction that goes on
BEGIN;
SAVEPOINT before_routing;
SELECT status, destination FROM pg_temp.route('10000000-0000-0000-0000-000000001701');
SELECT used, max_leads FROM partner_capacity WHERE workspace_id = :'ua';
ROLLBACK TO SAVEPOINT before_routing;
SELECT used, max_leads FROM partner_capacity WHERE workspace_id = :'ua';
-- A's turn again, and A has room again: lead 2 takes the unit lead 1 gave back
SELECT status, destination FROM pg_temp.route('10000000-0000-0000-0000-000000001702');
COMMIT;
-- A is full now: lead 1 goes to B
SELECT status, destination FROM pg_temp.route('10000000-0000-0000-0000-000000001701');
SELECT pg_temp.n(workspace_id) AS partner, used, max_leads FROM partner_capacity WHERE workspace_id IN (:'ua', :'ub');
SELECT pg_temp.n(workspace_id) AS partner, count(*) AS leads FROM leads
 WHERE source_workspace_id = :'s_undo' GROUP BY 1 ORDER BY 1;

--------------------------------------------------------------------------------------------
-- Row-level security: a partner's users see its caps, hours and usage, not others'
--------------------------------------------------------------------------------------------
SET lead_router.identity_scope = session;
CREATE ROLE regress_lr_dist_app NOLOGIN;
CREATE ROLE regress_lr_dist_user LOGIN IN ROLE regress_lr_dist_app;
GRANT USAGE ON SCHEMA lead_router TO regress_lr_dist_app;
GRANT SELECT ON workspaces, user_workspaces, routing_rules TO regress_lr_dist_app;
GRANT SELECT ON partner_caps, partner_cap_usage, partner_hours, partner_capacity TO regress_lr_dist_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON routing_rule_destinations TO regress_lr_dist_app;
GRANT EXECUTE ON FUNCTION partner_capacity_at(timestamptz), partner_availability(timestamptz) TO regress_lr_dist_app;
\set wa_user aaaaaaaa-0000-0000-0000-0000000000f1
\set fall_user aaaaaaaa-0000-0000-0000-0000000000d2
INSERT INTO user_workspaces (user_id, workspace_id) VALUES (:'wa_user', :'wa'), (:'fall_user', :'s_fall');
INSERT INTO partner_hours (workspace_id, iso_weekday, opens, closes) VALUES
    (:'wa', 1, '00:00', '24:00'), (:'wb', 1, '00:00', '24:00');
SELECT save_distribution_state();
SET ROLE regress_lr_dist_user;
SET lead_router.user_id = :'wa_user';
SELECT (SELECT string_agg(DISTINCT pg_temp.n(workspace_id), ',') FROM partner_caps) AS caps,
       (SELECT string_agg(DISTINCT pg_temp.n(workspace_id), ',') FROM partner_hours) AS hours,
       (SELECT string_agg(DISTINCT pg_temp.n(workspace_id), ',') FROM partner_cap_usage) AS usage,
       (SELECT string_agg(DISTINCT pg_temp.n(workspace_id), ',') FROM partner_capacity) AS capacity,
       (SELECT string_agg(DISTINCT pg_temp.n(workspace_id), ',') FROM partner_availability()) AS availability,
       (SELECT count(*) FROM routing_rule_destinations) AS pool_rows;
SELECT period, used, max_leads FROM partner_capacity ORDER BY period;
-- read-only: the service role manages caps and hours
SELECT pg_temp.error_of($$INSERT INTO lead_router.partner_caps (workspace_id, period, max_leads) VALUES ('$$ || :'wa' || $$', 'week', 1000)$$) AS insert_cap;
SELECT pg_temp.error_of($$UPDATE lead_router.partner_cap_usage SET used = 0$$) AS reset_usage;
-- a user of the source workspace sees its rule's pool, and no partner's caps
SET lead_router.user_id = :'fall_user';
SELECT (SELECT string_agg(pg_temp.n(destination_workspace_id), ',' ORDER BY destination_workspace_id) FROM routing_rule_destinations) AS pool,
       (SELECT count(*) FROM partner_caps) AS caps, (SELECT count(*) FROM partner_hours) AS hours,
       (SELECT count(*) FROM partner_capacity) AS capacity;
-- no user: nothing
RESET lead_router.user_id;
SELECT (SELECT count(*) FROM partner_caps) AS caps, (SELECT count(*) FROM partner_capacity) AS capacity,
       (SELECT count(*) FROM partner_availability()) AS availability;
RESET ROLE;
RESET lead_router.identity_scope;
DROP OWNED BY regress_lr_dist_app, regress_lr_dist_user;
DROP ROLE regress_lr_dist_user;
DROP ROLE regress_lr_dist_app;

--------------------------------------------------------------------------------------------
-- A cap added in the middle of a window counts what the partner received earlier in it
--------------------------------------------------------------------------------------------
INSERT INTO workspaces (id, name, workspace_type, time_zone) VALUES
    ('00000000-0000-0000-0000-0000000000d9', 'Late cap source', 'internal', 'UTC'),
    ('00000000-0000-0000-0000-0000000000c9', 'Late cap P', 'partner', 'UTC');
INSERT INTO routing_rules (id, workspace_id, name, conditions, destination_workspace_id) VALUES
    ('20000000-0000-0000-0000-0000000000c9', '00000000-0000-0000-0000-0000000000d9', 'late cap', '{}',
     '00000000-0000-0000-0000-0000000000c9');
INSERT INTO leads (id, email, source_workspace_id)
SELECT ('10000000-0000-0000-0000-0000000009' || lpad(g::text, 2, '0'))::uuid, 'late' || g || '@x.com',
       '00000000-0000-0000-0000-0000000000d9'
  FROM generate_series(1, 5) g;
-- three routed before the cap exists
SELECT right(id::text, 2) AS lead, (pg_temp.route(id)).status
  FROM leads WHERE id::text LIKE '10000000-0000-0000-0000-00000000090%' AND id::text <= '10000000-0000-0000-0000-000000000903'
 ORDER BY id;
-- a monthly cap of 4: one more this month, then the lead waits for the next month
INSERT INTO partner_caps (workspace_id, period, max_leads) VALUES ('00000000-0000-0000-0000-0000000000c9', 'month', 4);
SELECT right(id::text, 2) AS lead, (pg_temp.route(id)).status
  FROM leads WHERE id::text IN ('10000000-0000-0000-0000-000000000904', '10000000-0000-0000-0000-000000000905')
 ORDER BY id;
SELECT period, used, max_leads, window_start = date_trunc('month', now()) AS this_month
  FROM partner_capacity WHERE workspace_id = '00000000-0000-0000-0000-0000000000c9';
SELECT count(*) AS routed_to_p FROM leads
 WHERE workspace_id = '00000000-0000-0000-0000-0000000000c9' AND routing_status = 'routed';

--------------------------------------------------------------------------------------------
-- Known limit: complete_routing, the low-level primitive, does not consult caps, hours or
-- pools (route_lead and route_pending_leads do); it routes to the destination it is given
--------------------------------------------------------------------------------------------
INSERT INTO leads (id, email, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000701', 'primitive@x.com', :'s_fall');
SELECT acquire_routing_lock('10000000-0000-0000-0000-000000000701', :'owner1') AS locked;
SELECT complete_routing('10000000-0000-0000-0000-000000000701', :'wb', '20000000-0000-0000-0000-0000000000f1', :'owner1') AS completed;
SELECT pg_temp.n(workspace_id) AS owner, routing_status FROM leads WHERE id = '10000000-0000-0000-0000-000000000701';
SELECT pg_temp.n(workspace_id) AS partner, period, used, max_leads FROM partner_capacity WHERE workspace_id = :'wb' ORDER BY period;

\i sql/fixtures/teardown.sql
