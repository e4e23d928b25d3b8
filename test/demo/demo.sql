-- lead_router demo: partners with routing rules, about 1,000 realistic leads (some of them
-- people a partner already owns, written differently; some matching no rule), routed in
-- batches by route_pending_leads, then what happened and why.
\pset footer off
\echo
\echo '=== lead_router demo ==='
CREATE EXTENSION lead_router;
SET search_path = lead_router, public;

INSERT INTO workspaces (id, name, workspace_type) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'Web forms',          'internal'),
    ('00000000-0000-0000-0000-0000000000a2', 'Trade shows',        'internal'),
    ('00000000-0000-0000-0000-0000000000b1', 'Northwind Partners', 'partner'),
    ('00000000-0000-0000-0000-0000000000b2', 'Contoso Resellers',  'partner'),
    ('00000000-0000-0000-0000-0000000000b3', 'Fabrikam Europe',    'partner'),
    ('00000000-0000-0000-0000-0000000000b4', 'Tailspin Startups',  'partner');

INSERT INTO routing_rules (workspace_id, name, priority, conditions, destination_workspace_id) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'Enterprise software', 100,
     '{"company_industry": ["software", "saas"], "company_size": {"gte": 1000}}', '00000000-0000-0000-0000-0000000000b1'),
    ('00000000-0000-0000-0000-0000000000a1', 'European mid-market', 80,
     '{"country": {"in": ["DE", "FR", "NL", "ES", "IT"]}, "company_size": {"between": [50, 999]}}', '00000000-0000-0000-0000-0000000000b3'),
    ('00000000-0000-0000-0000-0000000000a1', 'Startups with budget', 60,
     '{"company_size": {"lt": 50}, "any": [{"attributes.budget": {"gte": 20000}}, {"attributes.referral": {"exists": true}}]}',
     '00000000-0000-0000-0000-0000000000b4'),
    ('00000000-0000-0000-0000-0000000000a1', 'North American resale', 40,
     '{"country": ["US", "CA"], "company_industry": {"neq": "government"}}', '00000000-0000-0000-0000-0000000000b2'),
    ('00000000-0000-0000-0000-0000000000a1', 'Public sector and health', 20,
     '{"company_industry": ["government", "healthcare", "education"], "country": {"neq": "JP"}}',
     '00000000-0000-0000-0000-0000000000b3'),
    ('00000000-0000-0000-0000-0000000000a1', 'Asia and Latin America, larger companies', 30,
     '{"country": ["JP", "IN", "BR"], "company_size": {"gte": 150}}', '00000000-0000-0000-0000-0000000000b1'),
    ('00000000-0000-0000-0000-0000000000a1', 'Small companies in the Americas and Europe', 5,
     '{"company_size": {"lt": 50}, "country": {"not_in": ["JP", "IN", "BR"]}}',
     '00000000-0000-0000-0000-0000000000b4'),
    ('00000000-0000-0000-0000-0000000000a2', 'Trade show: manufacturing', 90,
     '{"company_industry": {"prefix": "manufactur"}}', '00000000-0000-0000-0000-0000000000b2'),
    ('00000000-0000-0000-0000-0000000000a2', 'Trade show: paid plans', 50,
     '{"attributes.plan": {"in": ["pro", "enterprise"]}}', '00000000-0000-0000-0000-0000000000b1'),
    ('00000000-0000-0000-0000-0000000000a2', 'Trade show: everyone else outside Asia', 10,
     '{"country": {"not_in": ["JP", "IN"]}}', '00000000-0000-0000-0000-0000000000b4');

-- The background worker routes new leads as they arrive (lead_router.route_on_arrival); off
-- for the first part, so that the batches below are what routes them.
ALTER SYSTEM SET lead_router.route_on_arrival = off;
SELECT pg_reload_conf() AS reloaded;
DO $$ BEGIN PERFORM pg_sleep(0.5); END $$;  -- the worker rereads its settings

-- 950 people from the two inbound workspaces ...
INSERT INTO leads (email, phone, company_name, company_domain, company_industry, company_size,
                   company_location, country, attributes, source_workspace_id, created_at)
SELECT lower(first) || '.' || lower(last) || i || '@' || domain,
       '+' || cc || ' ' || (200 + i % 700) || ' ' || lpad((i * 7919 % 10000)::text, 4, '0'),
       company, domain, industry, size, city, country, attrs,
       CASE WHEN i % 4 = 0 THEN '00000000-0000-0000-0000-0000000000a2'::uuid
            ELSE '00000000-0000-0000-0000-0000000000a1'::uuid END,
       now() - (950 - i) * interval '1 second'
  FROM (
    SELECT i,
           (ARRAY['Ada','Grace','Linus','Margaret','Ken','Barbara','Nikola','Hedy','Alan','Emmy','Dennis','Frances'])[1 + i % 12] AS first,
           (ARRAY['Lovelace','Hopper','Torvalds','Hamilton','Thompson','Liskov','Tesla','Lamarr','Turing','Noether','Ritchie','Allen'])[1 + (i / 12) % 12] AS last,
           (ARRAY['Acme','Globex','Initech','Umbrella','Hooli','Stark','Wayne','Wonka','Cyberdyne','Soylent'])[1 + i % 10]
             || ' ' || (ARRAY['Corp','GmbH','Labs','SA','Inc'])[1 + i % 5] AS company,
           (ARRAY['acme','globex','initech','umbrella','hooli','stark','wayne','wonka','cyberdyne','soylent'])[1 + i % 10]
             || (i % 37) || '.example' AS domain,
           (ARRAY['software','saas','manufacturing','retail','education','government','healthcare','manufacturing equipment'])[1 + i % 8] AS industry,
           (ARRAY[8, 25, 60, 180, 420, 900, 1500, 12000])[1 + (i / 8) % 8] AS size,
           (ARRAY['US','CA','DE','FR','NL','ES','IT','BR','JP','IN'])[1 + (i / 3) % 10] AS country,
           (ARRAY['1','1','49','33','31','34','39','55','81','91'])[1 + (i / 3) % 10] AS cc,
           (ARRAY['Austin','Toronto','Berlin','Lyon','Utrecht','Madrid','Turin','Recife','Osaka','Pune'])[1 + (i / 3) % 10] AS city,
           jsonb_strip_nulls(jsonb_build_object(
               'budget', CASE WHEN i % 3 = 0 THEN 5000 * (i % 9) END,
               'referral', CASE WHEN i % 11 = 0 THEN 'partner-event' END,
               'plan', (ARRAY['free','pro','enterprise', NULL])[1 + i % 4])) AS attrs
      FROM generate_series(1, 950) i
  ) AS people;

-- ... and 50 of them again from the other inbound workspace, written differently
INSERT INTO leads (email, phone, company_name, company_industry, company_size, country, attributes,
                   source_workspace_id, created_at)
SELECT '  ' || upper(email) || ' ', replace(replace(phone, '+', '00'), ' ', '-'), upper(company_name) || '  ',
       company_industry, company_size, country, attributes,
       CASE WHEN source_workspace_id = '00000000-0000-0000-0000-0000000000a1'::uuid
            THEN '00000000-0000-0000-0000-0000000000a2'::uuid
            ELSE '00000000-0000-0000-0000-0000000000a1'::uuid END,
       now()
  FROM leads ORDER BY created_at LIMIT 50;

SELECT count(*) AS leads_waiting FROM leads WHERE routing_status = 'pending';

\echo
\echo '--- routing in batches of 250 with route_pending_leads (each batch one transaction)'
SELECT count(*) AS batch_1 FROM route_pending_leads(250);
SELECT count(*) AS batch_2 FROM route_pending_leads(250);
SELECT count(*) AS batch_3 FROM route_pending_leads(250);
SELECT count(*) AS batch_4 FROM route_pending_leads(250);
SELECT count(*) AS batch_5_nothing_left FROM route_pending_leads(250);

\echo
\echo '--- where the leads went, and by which rule'
SELECT w.name AS destination, r.name AS rule, count(*) AS leads
  FROM routing_logs g
  JOIN workspaces w ON w.id = g.destination_workspace_id
  JOIN routing_rules r ON r.id = g.matched_rule_id
 WHERE g.routing_result = 'success'
 GROUP BY 1, 2 ORDER BY 1, 3 DESC;

\echo
\echo '--- duplicates caught: routed as duplicates, kept home, never sold twice'
SELECT count(*) AS duplicates FROM leads WHERE duplicate_of IS NOT NULL;
SELECT d.email AS duplicate_as_written, s.name AS arrived_in, o.email AS original, w.name AS owned_by
  FROM leads d
  JOIN leads o ON o.id = d.duplicate_of
  JOIN workspaces s ON s.id = d.source_workspace_id
  JOIN workspaces w ON w.id = o.workspace_id
 ORDER BY d.created_at, d.email LIMIT 5;

\echo
\echo '--- no matching rule: queued for retry with backoff (1 min, 5 min, 15 min, 1 h)'
SELECT s.name AS source, count(*) AS queued, min(q.attempt_number) AS next_attempt,
       date_trunc('second', min(q.next_retry_at) - now()) AS first_retry_in
  FROM routing_queue q JOIN workspaces s ON s.id = q.workspace_id
 WHERE q.processed_at IS NULL GROUP BY 1 ORDER BY 1;

\echo
\echo '--- why one queued lead matched nothing (explain_route, a dry run)'
SELECT email, company_industry, company_size, country, attributes
  FROM leads WHERE routing_status = 'pending' ORDER BY created_at LIMIT 1 \gset demo_
\echo lead: :demo_email, :demo_company_industry, size :demo_company_size, :demo_country, attributes :demo_attributes
SELECT e.rule_name, e.priority, e.matched, e.failed_condition, e.expected, e.lead_value
  FROM explain_route((SELECT id FROM leads WHERE routing_status = 'pending' ORDER BY created_at LIMIT 1)) e;

\echo
\echo '--- health: routing_health() (latency from the shared-memory histogram, rates over the last hour)'
SELECT pending, routed, failed, queue_depth, queue_due, stale_locks,
       round(success_rate::numeric, 3) AS success_rate,
       round(lock_acquisition_rate::numeric, 3) AS lock_acquisition_rate,
       latency_samples, p50_ms, p95_ms, p99_ms, verdict, reasons
  FROM routing_health() \gx
\echo '(success_rate counts a lead with no matching rule as an unsuccessful attempt: the'
\echo ' retry worker will try those again in a minute, and again with backoff after that.)'

\echo
\echo '=== distribution: a weighted pool, daily caps in each partner''s time zone, the fall-through ==='
-- A third inbound workspace sends every lead to a pool of two partners, Litware 3 : Adventure
-- Works 1 (smooth weighted round-robin).  Litware (New York) takes at most 3 leads a day,
-- Adventure Works (Tokyo) at most 3, each day counted from the partner's own midnight.  When
-- Litware is full its turns go to Adventure Works; when both are full, the next rule sends
-- the overflow to Fabrikam Europe.
INSERT INTO workspaces (id, name, workspace_type, time_zone) VALUES
    ('00000000-0000-0000-0000-0000000000a3', 'Partner portal',  'internal', 'UTC'),
    ('00000000-0000-0000-0000-0000000000b5', 'Litware Direct',  'partner',  'America/New_York'),
    ('00000000-0000-0000-0000-0000000000b6', 'Adventure Works', 'partner',  'Asia/Tokyo');
BEGIN;
INSERT INTO routing_rules (id, workspace_id, name, priority, conditions, destination_workspace_id) VALUES
    ('20000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000a3', 'Portal pool', 20, '{}', NULL),
    ('20000000-0000-0000-0000-0000000000a2', '00000000-0000-0000-0000-0000000000a3', 'Portal overflow', 10, '{}',
     '00000000-0000-0000-0000-0000000000b3');
INSERT INTO routing_rule_destinations (rule_id, destination_workspace_id, weight) VALUES
    ('20000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b5', 3),
    ('20000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b6', 1);
INSERT INTO partner_caps (workspace_id, period, max_leads) VALUES
    ('00000000-0000-0000-0000-0000000000b5', 'day', 3),
    ('00000000-0000-0000-0000-0000000000b6', 'day', 3);
COMMIT;
SELECT r.name AS rule, w.name AS destination, d.weight, w.time_zone,
       (SELECT string_agg(c.max_leads || ' a ' || c.period, ', ') FROM partner_caps c WHERE c.workspace_id = w.id) AS caps
  FROM routing_rules r
  LEFT JOIN routing_rule_destinations d ON d.rule_id = r.id
  JOIN workspaces w ON w.id = coalesce(d.destination_workspace_id, r.destination_workspace_id)
 WHERE r.workspace_id = '00000000-0000-0000-0000-0000000000a3' ORDER BY r.priority DESC, d.weight DESC;

\echo
\echo '--- ten portal leads, routed in one batch: where each went, and who was passed over and why'
-- (inserted and routed in one transaction: the background worker, which routes new leads as
-- they arrive, never sees them pending)
BEGIN;
INSERT INTO leads (email, company_name, country, source_workspace_id, created_at)
SELECT 'buyer' || i || '@portal-' || i || '.example', 'Portal customer ' || i, 'US',
       '00000000-0000-0000-0000-0000000000a3', now() - (10 - i) * interval '1 millisecond'
  FROM generate_series(1, 10) i;
SELECT count(*) AS routed FROM route_pending_leads(50)
 WHERE status = 'routed' AND lead_id IN (SELECT id FROM leads WHERE source_workspace_id = '00000000-0000-0000-0000-0000000000a3');
COMMIT;
SELECT row_number() OVER (ORDER BY l.created_at) AS lead, w.name AS destination, r.name AS rule,
       coalesce((SELECT string_agg(sw.name || ': ' || (s ->> 'reason'), '; ')
                   FROM jsonb_array_elements(g.skipped_destinations) s
                   JOIN workspaces sw ON sw.id = (s ->> 'workspace_id')::uuid), '') AS passed_over
  FROM leads l
  JOIN routing_logs g ON g.lead_id = l.id AND g.routing_result = 'success'
  JOIN workspaces w ON w.id = g.destination_workspace_id
  JOIN routing_rules r ON r.id = g.matched_rule_id
 WHERE l.source_workspace_id = '00000000-0000-0000-0000-0000000000a3' ORDER BY l.created_at;

\echo
\echo '--- partner_capacity: used/max of each cap in its current window, in the partner''s time zone'
SELECT w.name AS partner, c.period, c.used || '/' || c.max_leads AS used,
       to_char(c.window_start AT TIME ZONE w.time_zone, 'YYYY-MM-DD HH24:MI') AS window_start_local,
       to_char(c.window_end AT TIME ZONE w.time_zone, 'YYYY-MM-DD HH24:MI') AS window_end_local, w.time_zone
  FROM partner_capacity c JOIN workspaces w ON w.id = c.workspace_id ORDER BY 1;

\echo
\echo '--- explain_route for the next portal lead: each pool member, eligible or not and why, and the next pick'
BEGIN;
INSERT INTO leads (id, email, source_workspace_id)
VALUES ('10000000-0000-0000-0000-0000000000a3', 'buyer11@portal-11.example', '00000000-0000-0000-0000-0000000000a3');
SELECT e.rule_name, w.name AS destination, e.weight, e.eligible, e.ineligible_reason, e.next_pick
  FROM explain_route('10000000-0000-0000-0000-0000000000a3') e
  JOIN workspaces w ON w.id = e.destination_workspace_id;
ROLLBACK;

\echo
\echo '=== arrival routing: insert a lead, commit, and the background worker routes it ==='
ALTER SYSTEM RESET lead_router.route_on_arrival;
SELECT pg_reload_conf() AS reloaded;
DO $$ BEGIN PERFORM pg_sleep(0.5); END $$;  -- the worker rereads its settings
INSERT INTO leads (id, email, source_workspace_id)
VALUES ('10000000-0000-0000-0000-0000000000a4', 'buyer12@portal-12.example', '00000000-0000-0000-0000-0000000000a3');
DO $$ BEGIN PERFORM pg_sleep(0.5); END $$;  -- half a second later:
SELECT l.routing_status, w.name AS destination, l.routed_at IS NOT NULL AS routed
  FROM leads l JOIN workspaces w ON w.id = l.workspace_id
 WHERE l.id = '10000000-0000-0000-0000-0000000000a4';
