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
-- Distribution (issue 12): the pool scenario's own two inbound workspaces and four partners,
-- so that its caps and round-robin state touch no other scenario.  "Inbound pool" has one
-- catch-all rule that distributes over a weighted pool (4:3:2:1) of the four partners, the
-- first two with a cap; "Inbound single" has the same catch-all rule with one destination,
-- the third partner (no cap): the single-destination comparator.  The caps are far above what
-- a run routes: they are counted on every routing, never reached.
------------------------------------------------------------------------------------------

INSERT INTO lead_router.workspaces (id, name, workspace_type)
SELECT '40000000-0000-4000-8000-000000000001'::uuid, 'Inbound pool', 'internal'
UNION ALL
SELECT '40000000-0000-4000-8000-000000000002'::uuid, 'Inbound single', 'internal'
UNION ALL
SELECT ('50000000-0000-4000-8000-00000000000' || i)::uuid, 'Pool partner ' || i, 'partner'
  FROM generate_series(1, 4) i;

CREATE FUNCTION bench.pool_workspace() RETURNS uuid LANGUAGE sql IMMUTABLE
    AS $$ SELECT '40000000-0000-4000-8000-000000000001'::uuid $$;
CREATE FUNCTION bench.single_workspace() RETURNS uuid LANGUAGE sql IMMUTABLE
    AS $$ SELECT '40000000-0000-4000-8000-000000000002'::uuid $$;
CREATE FUNCTION bench.pool_partners() RETURNS uuid[] LANGUAGE sql IMMUTABLE
    AS $$ SELECT ARRAY(SELECT ('50000000-0000-4000-8000-00000000000' || i)::uuid
                         FROM generate_series(1, 4) i) $$;

-- The two rules, the pool and its caps; called by the driver's pool scenario (on a
-- lead_router with pools), once.
CREATE FUNCTION bench.create_pool() RETURNS uuid
    LANGUAGE plpgsql AS $$
DECLARE
    rule uuid;
BEGIN
    INSERT INTO lead_router.routing_rules (workspace_id, name, priority, conditions, destination_workspace_id)
    VALUES (bench.pool_workspace(), 'Pool catch-all', 1, '{}', NULL)
    RETURNING id INTO rule;
    INSERT INTO lead_router.routing_rule_destinations (rule_id, destination_workspace_id, weight)
    SELECT rule, (bench.pool_partners())[i], 5 - i FROM generate_series(1, 4) i;
    INSERT INTO lead_router.partner_caps (workspace_id, period, max_leads)
    VALUES ((bench.pool_partners())[1], 'day', 2000000000),
           ((bench.pool_partners())[2], 'hour', 2000000000);
    INSERT INTO lead_router.routing_rules (workspace_id, name, priority, conditions, destination_workspace_id)
    VALUES (bench.single_workspace(), 'Single catch-all', 1, '{}', (bench.pool_partners())[3]);
    RETURN rule;
END $$;

-- A fresh working set of n pending leads (bench.new_working_set) from the pool workspace,
-- every second one of them (in arrival order) moved to the single-destination workspace.
CREATE FUNCTION bench.new_pool_working_set(n integer, nomatch_share double precision) RETURNS bigint
    LANGUAGE plpgsql AS $$
DECLARE
    inserted bigint;
BEGIN
    inserted := bench.new_working_set(n, 0, nomatch_share, bench.pool_workspace());
    UPDATE lead_router.leads l SET source_workspace_id = bench.single_workspace()
      FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS k
              FROM lead_router.leads WHERE created_at > (SELECT epoch FROM bench.state)) o
     WHERE l.id = o.id AND o.k % 2 = 0;
    RETURN inserted;
END $$;

-- The working set's pending leads from one source workspace, in arrival order.
CREATE FUNCTION bench.working_set_ids_of(source uuid) RETURNS SETOF uuid
    LANGUAGE sql STABLE AS $$
    SELECT id FROM lead_router.leads
     WHERE created_at > (SELECT epoch FROM bench.state) AND routing_status = 'pending'
       AND source_workspace_id = source
     ORDER BY created_at, id $$;

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

------------------------------------------------------------------------------------------
-- Identity scenario: variants of already-routed people that differ in format only
------------------------------------------------------------------------------------------

-- What the driver is told about each planted lead: a variant of `original_id` (it must be
-- reported a duplicate of it, through `expected_key`), or a near miss (a different person who
-- shares a company, a name or most of a phone number with an original: it must not be).
CREATE TABLE bench.identity_plan (
    lead_id      uuid PRIMARY KEY,
    original_id  uuid NOT NULL,
    planted      boolean NOT NULL,  -- true: a variant; false: a near miss
    kind         text NOT NULL,
    expected_key text               -- the key that should match (email or phone); NULL for near misses
);

-- The person behind original number j (0-based within a set): name, email, phone in E.164,
-- national, 00 and punctuated forms, country, company.  Half the names are written with
-- accents (composed, NFC); with `accented`, all are.  Phones: US +1 AAA EEE 5DDD, GB
-- +44 20 BBBB 5DDD, DE +49 30 BBBB5DDD, unique per j below 40,000,000 and apart from every
-- other phone the bench generates (history and working sets end in 0000-0999 in the US).
CREATE FUNCTION bench.person(j bigint, accented boolean DEFAULT false, OUT email text,
                             OUT e164 text, OUT national_form text, OUT intl00 text,
                             OUT punctuated text, OUT country text, OUT company text)
    LANGUAGE sql IMMUTABLE AS $$
    SELECT lower(f) || '.' || lower(l) || j || '@' || 'acme' || j % 5000 || '.example',
           CASE c WHEN 'US' THEN '+1 ' || a || ' ' || e || ' ' || d
                  WHEN 'GB' THEN '+44 20 ' || b || ' ' || d
                  ELSE '+49 30 ' || b || d END,
           CASE c WHEN 'US' THEN '(' || a || ') ' || e || '-' || d
                  WHEN 'GB' THEN '020 ' || b || ' ' || d
                  ELSE '030 ' || b || d END,
           CASE c WHEN 'US' THEN '001 ' || a || ' ' || e || ' ' || d
                  WHEN 'GB' THEN '0044 20 ' || b || ' ' || d
                  ELSE '0049 30 ' || b || d END,
           CASE c WHEN 'US' THEN '+1 (' || a || ') ' || e || '-' || d
                  WHEN 'GB' THEN '+44 (0)20 ' || b || '-' || d
                  ELSE '+49 (0)30 ' || b || '-' || d END,
           c,
           'Acme ' || j % 5000 || ' Inc'
      FROM (SELECT (ARRAY['José', 'Zoë', 'François', 'Jürgen', 'Søren', 'Chloé', 'Łukasz', 'Inés',
                          'John', 'Mary', 'Peter', 'Anna', 'Omar', 'Sarah', 'Tom', 'Li'])
                       [1 + (j % CASE WHEN accented THEN 8 ELSE 16 END)::int] AS f,
                   (ARRAY['García', 'Müller', 'Dubois', 'Nowak', 'Smith', 'Jones', 'Brown', 'Khan'])
                       [1 + ((j / 16) % 8)::int] AS l,
                   (ARRAY['US', 'GB', 'DE'])[1 + ((j / 3) % 3)::int] AS c,
                   (200 + j % 800)::text AS a,
                   (200 + (j / 800) % 800)::text AS e,
                   (2000 + j % 8000)::text AS b,
                   (5000 + (j / 8000) % 5000)::text AS d) p $$;

-- A fresh identity working set of n pending leads (the previous working set deleted first):
-- a share variant_share are variants of people routed before it (one routed original each,
-- inserted with it), a share near_share are near misses of such originals, the rest are
-- ordinary working-set leads (nomatch_share of them match no rule).  Variant kinds, in turn:
--   email_case          the email in capitals
--   email_spaces        the email between white space (tab, no-break space), the company with
--                       runs of inner spaces
--   email_fullwidth     the email in full-width letters (U+FF01..)
--   email_nfd           email and company decomposed (NFD)
--   without_phone       the same email, no phone
--   with_phone          the original had no phone, the variant has one
--   company_punctuation "Acme 12 Inc" vs "Acme 12, Inc." beside the same email
--   phone_plus          phone only, +CC with punctuation and a national trunk "(0)"
--   phone_00            phone only, the 00CC international form
--   phone_national      phone only, national form; region from the lead's country, written
--                       lower-case with spaces (" us ")
-- Near misses: same_company (a colleague: same company, own email and phone), other_domain
-- (same name at another company, own phone), phone_neighbour (a phone one digit apart, own
-- email).  Originals and near misses are created after the epoch, so the next working set
-- deletes them with the rest.
CREATE FUNCTION bench.new_identity_set(n integer, variant_share double precision,
                                       near_share double precision,
                                       nomatch_share double precision) RETURNS bigint
    LANGUAGE plpgsql AS $$
DECLARE
    n_variants integer := floor(n * variant_share);
    n_near integer := floor(n * near_share);
    n_plain integer := n - n_variants - n_near;
    first_key bigint;
    variant_kinds text[] := ARRAY['email_case', 'email_spaces', 'email_fullwidth', 'email_nfd',
                                  'without_phone', 'with_phone', 'company_punctuation',
                                  'phone_plus', 'phone_00', 'phone_national'];
    near_kinds text[] := ARRAY['same_company', 'other_domain', 'phone_neighbour'];
    partners uuid[] := bench.partner_workspaces();
    sources uuid[] := bench.source_workspaces();
BEGIN
    PERFORM bench.clear_working_sets();
    TRUNCATE bench.identity_plan;
    UPDATE bench.state SET next_working_key = next_working_key + n
        RETURNING next_working_key - n INTO first_key;
    -- the ordinary leads, spread over the first n_plain milliseconds of the arrival order
    PERFORM bench.insert_leads(first_key, n_plain, 'working', 0, nomatch_share, NULL);

    -- originals: routed to a partner before the set arrived (after the epoch: deleted with it)
    CREATE TEMP TABLE identity_people ON COMMIT DROP AS
    SELECT j, j < n_variants AS planted,
           CASE WHEN j < n_variants THEN variant_kinds[1 + (j % 10)::int]
                ELSE near_kinds[1 + (j % 3)::int] END AS kind,
           p.*, gen_random_uuid() AS original_id, gen_random_uuid() AS lead_id
      FROM generate_series(0, n_variants + n_near - 1) AS j,
           bench.person(j, j < n_variants AND j % 10 = 3) p;  -- email_nfd: accented names

    INSERT INTO lead_router.leads
           (id, email, phone, company_name, company_domain, company_industry, company_size,
            country, attributes, source_workspace_id, workspace_id, routing_status,
            routing_attempts, created_at)
    SELECT original_id, email,
           CASE WHEN kind = 'with_phone' THEN NULL ELSE e164 END,
           company, 'acme' || j % 5000 || '.example', 'software', 200, country, '{}',
           sources[1 + (j % 4)::int], partners[1 + (j % 8)::int], 'routed', 1,
           (SELECT epoch FROM bench.state) + interval '1 second' + j * interval '1 microsecond'
      FROM identity_people;

    -- the planted variants and the near misses, pending and due, spread over the arrival order
    -- of the ordinary leads
    INSERT INTO lead_router.leads
           (id, email, phone, company_name, company_domain, company_industry, company_size,
            company_location, country, attributes, source_workspace_id, routing_status,
            routing_attempts, created_at)
    SELECT lead_id,
           CASE kind
                WHEN 'email_case' THEN upper(email)
                WHEN 'email_spaces' THEN E'\t ' || email || E'\u00a0'
                WHEN 'email_fullwidth' THEN translate(email,
                     'abcdefghijklmnopqrstuvwxyz0123456789@.',
                     'ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ０１２３４５６７８９＠．')
                WHEN 'email_nfd' THEN normalize(email, NFD)
                WHEN 'without_phone' THEN email
                WHEN 'with_phone' THEN email
                WHEN 'company_punctuation' THEN email
                WHEN 'same_company' THEN 'colleague' || j || '@' || 'acme' || j % 5000 || '.example'
                WHEN 'other_domain' THEN split_part(email, '@', 1) || '@other' || j % 5000 || '.example'
                WHEN 'phone_neighbour' THEN 'neighbour' || j || '@elsewhere.example'
                ELSE NULL END,  -- phone-only variants
           CASE kind
                WHEN 'without_phone' THEN NULL
                WHEN 'with_phone' THEN e164
                WHEN 'phone_plus' THEN punctuated
                WHEN 'phone_00' THEN intl00
                WHEN 'phone_national' THEN national_form
                WHEN 'same_company' THEN NULL
                WHEN 'other_domain' THEN NULL
                -- one digit apart: the 5 that starts the last group made a 4 (no phone the
                -- bench generates has one there)
                WHEN 'phone_neighbour' THEN left(e164, -4) || '4' || right(e164, 3)
                ELSE e164 END,
           CASE kind
                WHEN 'email_spaces' THEN '  ' || replace(company, ' ', '   ') || ' '
                WHEN 'email_nfd' THEN normalize(company, NFD)
                WHEN 'company_punctuation' THEN replace(company, ' Inc', ', Inc.')
                ELSE company END,
           'acme' || j % 5000 || '.example', 'software', 200, 'New York',
           CASE WHEN kind = 'phone_national' THEN ' ' || lower(country) || ' ' ELSE country END,
           '{"source": "webinar"}', sources[1 + ((j + 1) % 4)::int], 'pending', 0,
           now() - interval '10 minutes'
               + (floor(j * greatest(n_plain, 1)::double precision / (n_variants + n_near)) + 0.5)
                 * interval '1 millisecond'
      FROM identity_people;

    INSERT INTO bench.identity_plan
    SELECT lead_id, original_id, planted, kind,
           CASE WHEN NOT planted THEN NULL
                WHEN kind LIKE 'phone%' THEN 'phone' ELSE 'email' END
      FROM identity_people;
    RETURN n;
END $$;
