-- The benchmark's data, created in the throw-away bench database after
-- CREATE EXTENSION lead_router (run_bench.sh loads this file with psql).
--
-- Everything is generated inside the server with INSERT ... SELECT generate_series, so that a
-- 1,000,000-lead table loads in a few statements.  Leads are a pure function of an integer key
-- (bench.rnd hashes key and salt), so every run, and every comparator within a run, sees the
-- same leads.
--
--   history      leads that arrived before the benchmark: 90 % routed to a partner, 5 % failed,
--                2.5 % expired, 2.5 % pending with a retry due hours from now (not due).
--                Keys 0 .. history-1.  Duplicates in working sets copy the identity of a routed
--                history lead, so the history is also the pool of originals.
--   working set  pending leads, due now, that one measurement routes.  Each measurement gets a
--                fresh one (the previous one is deleted first), so every comparator starts from
--                the same table: history + its own working set.

\set ON_ERROR_STOP 1

CREATE SCHEMA bench;

-- epoch: working sets are created after it, history long before it.
CREATE TABLE bench.state (
    epoch            timestamptz NOT NULL,
    history          bigint NOT NULL,
    next_working_key bigint NOT NULL
);
INSERT INTO bench.state VALUES (now() - interval '1 hour', 0, 1000000000000);

-- Deterministic pseudo-random number in [0, 1) for (key, salt).
CREATE FUNCTION bench.rnd(k bigint, salt integer) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (pg_catalog.hashint8extended(k, salt) & 2147483647)::double precision / 2147483648.0 $$;

------------------------------------------------------------------------------------------
-- Workspaces and rules: four inbound (source) workspaces with six rules each, eight partners,
-- and one inbound workspace without rules for the retry scenario.
------------------------------------------------------------------------------------------

INSERT INTO lead_router.workspaces (id, name, workspace_type)
SELECT ('10000000-0000-4000-8000-00000000000' || i)::uuid, 'Inbound ' || i, 'internal'
  FROM generate_series(1, 4) i
UNION ALL
SELECT ('20000000-0000-4000-8000-00000000000' || i)::uuid, 'Partner ' || i, 'partner'
  FROM generate_series(1, 8) i
UNION ALL
SELECT '30000000-0000-4000-8000-000000000001'::uuid, 'Inbound retries', 'internal';

CREATE FUNCTION bench.source_workspaces() RETURNS uuid[] LANGUAGE sql IMMUTABLE
    AS $$ SELECT ARRAY(SELECT ('10000000-0000-4000-8000-00000000000' || i)::uuid
                         FROM generate_series(1, 4) i) $$;
CREATE FUNCTION bench.partner_workspaces() RETURNS uuid[] LANGUAGE sql IMMUTABLE
    AS $$ SELECT ARRAY(SELECT ('20000000-0000-4000-8000-00000000000' || i)::uuid
                         FROM generate_series(1, 8) i) $$;
CREATE FUNCTION bench.retry_workspace() RETURNS uuid LANGUAGE sql IMMUTABLE
    AS $$ SELECT '30000000-0000-4000-8000-000000000001'::uuid $$;

-- Realistic rules: most specific first, a broad "core markets" rule last.  A lead in JP/IN/BR
-- from education with a small budget, no plan and no webinar matches none of them.
INSERT INTO lead_router.routing_rules (workspace_id, name, priority, conditions, destination_workspace_id)
SELECT s.ws, r.name, r.priority, r.conditions::jsonb,
       (bench.partner_workspaces())[1 + (s.i + r.n) % 8]
  FROM (SELECT ws, i FROM unnest(bench.source_workspaces()) WITH ORDINALITY AS u(ws, i)) s
 CROSS JOIN (VALUES
    (1, 'Enterprise software', 100,
        '{"company_industry": ["software", "saas"], "company_size": {"gte": 1000}}'),
    (2, 'DACH mid-market', 90,
        '{"country": {"in": ["DE", "AT", "CH"]}, "company_size": {"between": [50, 999]}}'),
    (3, 'Big budget', 80,
        '{"attributes.budget": {"gte": 50000}, "company_industry": {"not_in": ["education", "government"]}}'),
    (4, 'US healthcare', 70,
        '{"company_industry": "healthcare", "country": "US"}'),
    (5, 'Startups on a plan', 60,
        '{"company_size": {"lt": 50}, "attributes.plan": {"exists": true}}'),
    (6, 'Core markets', 10,
        '{"any": [{"country": ["US", "CA", "GB", "DE", "FR", "NL", "AT", "CH"]}, {"attributes.source": "webinar"}]}')
 ) AS r(n, name, priority, conditions);

------------------------------------------------------------------------------------------
-- Lead generation
------------------------------------------------------------------------------------------

-- Inserts leads for keys first_key .. first_key+n-1.  mode 'history' or 'working'.
-- Working leads: a share nomatch_share matches no rule; a share dup_share copies the identity
-- (email, phone, company) of a routed history lead, i.e. a lead a partner already owns.
CREATE FUNCTION bench.insert_leads(first_key bigint, n integer, mode text,
                                   dup_share double precision, nomatch_share double precision,
                                   source uuid) RETURNS bigint
    LANGUAGE plpgsql AS $$
DECLARE
    st bench.state;
    inserted bigint;
BEGIN
    SELECT * INTO st FROM bench.state;
    WITH g AS (
        SELECT k,
               -- history leads are classed by k % 40: 0-35 routed, 36-37 failed, 38 expired,
               -- 39 pending (retry not yet due)
               CASE WHEN mode = 'history' THEN (k % 40)::int ELSE -1 END AS class,
               mode = 'working' AND bench.rnd(k, 1) < nomatch_share AS nomatch,
               CASE WHEN mode = 'working' AND bench.rnd(k, 2) < dup_share AND st.history >= 40
                    -- a routed history key: class (k % 36) < 36 of a random block of 40
                    THEN 40 * floor(bench.rnd(k, 3) * floor(st.history / 40))::bigint + k % 36
                    ELSE k END AS ident,
               1 + floor(bench.rnd(k, 4) * 8)::int AS ind,
               1 + floor(bench.rnd(k, 5) * 9)::int AS sz,
               1 + floor(bench.rnd(k, 6) * 8)::int AS ctry,
               1 + floor(bench.rnd(k, 7) * 5)::int AS budget,
               1 + floor(bench.rnd(k, 8) * 4)::int AS src,
               bench.rnd(k, 9) < 0.4 AS has_plan,
               bench.rnd(k, 10) AS r
          FROM generate_series(first_key, first_key + n - 1) AS k
    ), ins AS (
        INSERT INTO lead_router.leads
               (email, phone, company_name, company_domain, company_industry, company_size,
                company_location, country, attributes, source_workspace_id, workspace_id,
                routing_status, routing_attempts, routing_error, routing_due_at,
                lead_expires_at, created_at)
        SELECT 'lead' || ident || '@company' || ident % 50000 || '.example',
               '+1 ' || 200 + pn % 800 || ' ' || 200 + (pn / 800) % 800 || ' '
                     || lpad(((pn / 640000) % 10000)::text, 4, '0'),
               'Company ' || ident % 50000,
               'company' || ident % 50000 || '.example',
               CASE WHEN nomatch THEN 'education'
                    ELSE (ARRAY['software', 'saas', 'healthcare', 'finance', 'manufacturing',
                                'retail', 'education', 'logistics'])[ind] END,
               CASE WHEN nomatch THEN 10 + (k % 30)::int
                    ELSE (ARRAY[5, 20, 45, 80, 150, 400, 900, 2500, 8000])[sz] + (k % 10)::int END,
               CASE WHEN nomatch THEN (ARRAY['Tokyo', 'Mumbai', 'Sao Paulo'])[1 + (k % 3)::int]
                    ELSE (ARRAY['New York', 'Toronto', 'London', 'Berlin', 'Paris', 'Amsterdam',
                                'Vienna', 'Zurich'])[ctry] END,
               CASE WHEN nomatch THEN (ARRAY['JP', 'IN', 'BR'])[1 + (k % 3)::int]
                    ELSE (ARRAY['US', 'CA', 'GB', 'DE', 'FR', 'NL', 'AT', 'CH'])[ctry] END,
               CASE WHEN nomatch THEN '{"budget": 2000, "source": "partner_referral"}'::jsonb
                    ELSE jsonb_build_object(
                             'budget', (ARRAY[5000, 15000, 30000, 60000, 120000])[budget],
                             'source', (ARRAY['webinar', 'ads', 'organic', 'referral'])[src])
                         || CASE WHEN has_plan THEN '{"plan": "pro"}'::jsonb ELSE '{}' END END,
               coalesce(source, (bench.source_workspaces())[1 + (k % 4)::int]),
               CASE WHEN class BETWEEN 0 AND 35
                    THEN (bench.partner_workspaces())[1 + ((k / 40) % 8)::int] END,
               (CASE WHEN class < 0 OR class = 39 THEN 'pending'
                     WHEN class <= 35 THEN 'routed'
                     WHEN class <= 37 THEN 'failed'
                     ELSE 'expired' END)::lead_router.lead_routing_status,
               CASE WHEN class < 0 THEN 0 WHEN class = 38 THEN 0 WHEN class >= 36 THEN 3 ELSE 1 END,
               CASE WHEN class >= 36 AND class <> 38 THEN 'no matching rule' END,
               CASE WHEN class = 39 THEN now() + (1 + 23 * r) * interval '1 hour' END,
               CASE WHEN class = 38 THEN st.epoch - interval '1 day' END,
               CASE WHEN mode = 'history'
                    THEN st.epoch - interval '400 days' + k * interval '1 second'
                    ELSE now() - interval '10 minutes' + (k - first_key) * interval '1 millisecond' END
          FROM (SELECT g.*,
                       -- the phone's number: one per identity (history keys from 0, working
                       -- keys from 10^12 mapped to 5 * 10^8 + ...), unique below 6.4 * 10^9,
                       -- so that two identities never share a phone (lead_router matches
                       -- duplicates by phone alone)
                       CASE WHEN ident >= 1000000000000 THEN 500000000 + (ident - 1000000000000)
                            ELSE ident END AS pn
                  FROM g) g
        RETURNING id, source_workspace_id, routing_status, routing_due_at, routing_error
    ), queued AS (
        -- a history lead waiting for its retry has its open queue row, as fail_routing leaves it
        INSERT INTO lead_router.routing_queue
               (lead_id, workspace_id, attempt_number, max_attempts, next_retry_at, last_error)
        SELECT id, source_workspace_id, 2, 3, routing_due_at, routing_error
          FROM ins WHERE mode = 'history' AND routing_status = 'pending'
    )
    SELECT count(*) INTO inserted FROM ins;
    RETURN inserted;
END $$;

-- Grows the history by up to `chunk` leads towards `target`; returns the new history size.
-- The driver calls it repeatedly, so that each chunk commits on its own.
CREATE FUNCTION bench.grow_history(target bigint, chunk integer) RETURNS bigint
    LANGUAGE plpgsql AS $$
DECLARE
    h bigint;
    n integer;
BEGIN
    SELECT history INTO h FROM bench.state FOR UPDATE;
    n := least(chunk::bigint, target - h)::integer;
    IF n > 0 THEN
        PERFORM bench.insert_leads(h, n, 'history', 0, 0, NULL);
        UPDATE bench.state SET history = h + n;
    END IF;
    RETURN greatest(h, h + n);
END $$;

-- Deletes the leads of earlier working sets (their queue rows cascade; audit rows stay, the
-- log is append-only).
CREATE FUNCTION bench.clear_working_sets() RETURNS bigint
    LANGUAGE plpgsql AS $$
DECLARE
    deleted bigint;
BEGIN
    DELETE FROM lead_router.leads WHERE created_at > (SELECT epoch FROM bench.state);
    GET DIAGNOSTICS deleted = ROW_COUNT;
    RETURN deleted;
END $$;

-- A fresh working set of n pending leads due now (after deleting the previous one).
CREATE FUNCTION bench.new_working_set(n integer, dup_share double precision,
                                      nomatch_share double precision, source uuid DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql AS $$
DECLARE
    first_key bigint;
BEGIN
    PERFORM bench.clear_working_sets();
    UPDATE bench.state SET next_working_key = next_working_key + n
        RETURNING next_working_key - n INTO first_key;
    RETURN bench.insert_leads(first_key, n, 'working', dup_share, nomatch_share, source);
END $$;

-- The working set's pending leads in arrival order (what the single-lead clients pick from).
CREATE FUNCTION bench.working_set_ids() RETURNS SETOF uuid
    LANGUAGE sql STABLE AS $$
    SELECT id FROM lead_router.leads
     WHERE created_at > (SELECT epoch FROM bench.state) AND routing_status = 'pending'
     ORDER BY created_at, id $$;
