-- Identity (SPEC.md "Identity: the same person, however it is written"): the keys of a lead
-- (email_key, phone_key, dedupe_hash), the everyday variants of one person that now meet,
-- lead_router.duplicate_keys / duplicate_window / email_canonicalization /
-- default_phone_region, workspaces.phone_region, first in time wins, find_lead_duplicates()
-- with its access rules, identity_normalization(), and bad input.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;

-- every lead of the first source goes to partner one, every lead of the second to partner two:
-- a person who arrives in both is sold twice unless the second is recognised as a duplicate
INSERT INTO routing_rules (workspace_id, name, conditions, destination_workspace_id) VALUES
    (:'inbound',  'first source to partner one',  '{}', :'partner1'),
    (:'inbound2', 'second source to partner two', '{}', :'partner2');

-- SHA-256 (hex) of a text, as the keys are
CREATE FUNCTION pg_temp.sha(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(sha256(convert_to(t, 'UTF8')), 'hex')
$$;
-- whether a text is valid in the database encoding (UTF8)
CREATE FUNCTION pg_temp.valid_utf8(t text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM convert_to(t, 'UTF8');
    RETURN true;
EXCEPTION WHEN character_not_in_repertoire THEN
    RETURN false;
END $$;
-- lead number n, and back
CREATE FUNCTION pg_temp.lead(n int) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
    SELECT ('10000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid
$$;
CREATE FUNCTION pg_temp.n(id uuid) RETURNS int LANGUAGE sql IMMUTABLE AS $$
    SELECT right(id::text, 12)::int
$$;

------------------------------------------------------------------------------------------
-- 1. The variants of issue 11.  Each pair: the original arrives in the first source and is
-- routed to partner one, then the variant arrives in the second source (whose rule sends it
-- to partner two) and is routed.  "partners" counts the partner workspaces that own the
-- person afterwards: 1 means recognised, 2 means sold twice.
------------------------------------------------------------------------------------------
CREATE TEMP TABLE variants (
    n int PRIMARY KEY,
    variant text NOT NULL,
    region text,  -- the region the keys use: the lead's country, its workspace's, the default
    o_email text, o_phone text, o_company text, o_country text,
    v_email text, v_phone text, v_company text, v_country text);
INSERT INTO variants VALUES
    (1,  'email josé composed (NFC) / decomposed (NFD)', NULL,
         U&'jos\00E9@example.com', NULL, NULL, NULL,
         U&'jose\0301@example.com', NULL, NULL, NULL),
    (2,  'email full-width letters', NULL,
         'john@example.com', NULL, NULL, NULL,
         'ＪＯＨＮ＠ＥＸＡＭＰＬＥ．ＣＯＭ', NULL, NULL, NULL),
    (3,  'a@b.com with / without a phone', NULL,
         'a@b.com', '+1 555 010 0100', NULL, NULL,
         'a@b.com', NULL, NULL, NULL),
    (4,  'same email, "Acme Inc" / "Acme, Inc."', NULL,
         'carol@acme.example', NULL, 'Acme Inc', NULL,
         'carol@acme.example', NULL, 'Acme, Inc.', NULL),
    (5,  '(555) 010-0199 of a US lead / +1 555 010 0199', 'US',
         'dan@one.example', '(555) 010-0199', NULL, 'US',
         'dan@two.example', '+1 555 010 0199', NULL, NULL),
    (6,  'UK 020 7946 0018, country GB / +44', 'GB',
         'erin@one.example', '020 7946 0018', NULL, 'GB',
         'erin@two.example', '+44 20 7946 0018', NULL, NULL),
    (7,  'UK 020 7946 0019, workspace phone_region GB / +44', 'GB',
         'finn@one.example', '+44 20 7946 0019', NULL, NULL,
         'finn@two.example', '020 7946 0019', NULL, NULL),
    (8,  'UK 020 7946 0020, default_phone_region GB / +44', 'GB',
         'gail@one.example', '+44 20 7946 0020', NULL, NULL,
         'gail@two.example', '020 7946 0020', NULL, NULL),
    (9,  'UK 020 7946 0021, no region anywhere / +44', NULL,
         'hugo@one.example', '+44 20 7946 0021', NULL, NULL,
         'hugo@two.example', '020 7946 0021', NULL, NULL),
    (10, 'UK 0044 20 7946 0022 of a US lead / +44', 'US',
         'ines@one.example', '+44 20 7946 0022', NULL, NULL,
         'ines@two.example', '0044 20 7946 0022', NULL, 'US'),
    (11, 'Gmail dots and +tag, canonicalization none', NULL,
         'mary.jones@gmail.com', NULL, NULL, NULL,
         'maryjones+news@gmail.com', NULL, NULL, NULL),
    (12, 'googlemail.com / gmail.com, canonicalization none', NULL,
         'nell@googlemail.com', NULL, NULL, NULL,
         'nell@gmail.com', NULL, NULL, NULL),
    (13, 'Gmail dots and +tag, canonicalization provider', NULL,
         'john.smith@gmail.com', NULL, NULL, NULL,
         'Johnsmith+leads@gmail.com', NULL, NULL, NULL),
    (14, 'googlemail.com / gmail.com, canonicalization provider', NULL,
         'ann.lee@googlemail.com', NULL, NULL, NULL,
         'annlee@gmail.com', NULL, NULL, NULL);

-- Inserts the pair (original 10n+1 from the first source, variant 10n+2 from the second) and
-- routes both; the keys are computed at insert, under the settings of the moment.
CREATE FUNCTION pg_temp.route_pair(k int)
RETURNS TABLE (n int, variant text, original text, status text, owner text, duplicate_key text, partners bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v pg_temp.variants;
    o lead_router.route_result;
    r lead_router.route_result;
BEGIN
    SELECT * INTO v FROM pg_temp.variants WHERE variants.n = k;
    INSERT INTO lead_router.leads (id, email, phone, company_name, country, source_workspace_id) VALUES
        (pg_temp.lead(10 * k + 1), v.o_email, v.o_phone, v.o_company, v.o_country, '00000000-0000-0000-0000-0000000000a1'),
        (pg_temp.lead(10 * k + 2), v.v_email, v.v_phone, v.v_company, v.v_country, '00000000-0000-0000-0000-0000000000a2');
    SELECT * INTO o FROM lead_router.route_lead(pg_temp.lead(10 * k + 1));
    SELECT * INTO r FROM lead_router.route_lead(pg_temp.lead(10 * k + 2));
    RETURN QUERY
    SELECT k, v.variant, o.status || ' ' || right(o.destination_workspace_id::text, 2), r.status,
           -- the partner that owns the person: the variant's destination, or its original's owner
           right(coalesce(r.destination_workspace_id,
                          (SELECT l.workspace_id FROM lead_router.leads l WHERE l.id = r.duplicate_lead_id))::text, 2),
           r.duplicate_key,
           (SELECT count(DISTINCT l.workspace_id) FROM lead_router.leads l
              JOIN lead_router.workspaces w ON w.id = l.workspace_id AND w.workspace_type = 'partner'
             WHERE l.id IN (pg_temp.lead(10 * k + 1), pg_temp.lead(10 * k + 2)));
END $$;

SELECT * FROM pg_temp.route_pair(1);
SELECT * FROM pg_temp.route_pair(2);
SELECT * FROM pg_temp.route_pair(3);
SELECT * FROM pg_temp.route_pair(4);
SELECT * FROM pg_temp.route_pair(5);
SELECT * FROM pg_temp.route_pair(6);
-- the second source reads national numbers as British
UPDATE workspaces SET phone_region = 'GB' WHERE id = :'inbound2';
SELECT * FROM pg_temp.route_pair(7);
UPDATE workspaces SET phone_region = NULL WHERE id = :'inbound2';
-- neither the lead nor its workspace names a region: the database's default does
SET lead_router.default_phone_region = 'GB';
SELECT * FROM pg_temp.route_pair(8);
RESET lead_router.default_phone_region;
-- no region from any source: a national number cannot match its international form (the
-- documented limit that phone_region and default_phone_region are for)
SELECT * FROM pg_temp.route_pair(9);
-- "00" is read as "+" where it is not a number of the lead's region
SELECT * FROM pg_temp.route_pair(10);
-- provider rules are opt-in: by default a Gmail address is compared as written
SELECT * FROM pg_temp.route_pair(11);
SELECT * FROM pg_temp.route_pair(12);
SET lead_router.email_canonicalization = provider;
SELECT * FROM pg_temp.route_pair(13);
SELECT * FROM pg_temp.route_pair(14);
RESET lead_router.email_canonicalization;

-- the audit row of each duplicate names the key too
SELECT (SELECT n FROM variants WHERE pg_temp.lead(10 * n + 2) = g.lead_id) AS n, g.routing_result,
       right(g.duplicate_owner_workspace_id::text, 2) AS owner, g.duplicate_key
  FROM routing_logs g WHERE g.routing_result = 'duplicate' ORDER BY 1;

-- What the SQL helpers make of each variant (normalize_phone in the region the keys used).
-- normalize_email is IMMUTABLE and knows no settings: the provider rules of 13 and 14 apply to
-- the keys only.
SELECT n, side, octet_length(email) AS bytes, normalize_email(email) AS normalize_email,
       phone, region, normalize_phone(phone, region) AS normalize_phone
  FROM (SELECT n, 'original' AS side, o_email AS email, o_phone AS phone, region FROM variants
        UNION ALL
        SELECT n, 'variant', v_email, v_phone, region FROM variants) s
 ORDER BY n, side;

-- the keys: SHA-256 of the normalised email, of the E.164 text with its "+"; dedupe_hash of the
-- three normalised parts (with the region, so a national number's dedupe_hash is that of its
-- E.164 form, while generate_dedupe_hash, IMMUTABLE, knows no region)
SELECT pg_temp.n(id) AS lead,
       email_key = pg_temp.sha(normalize_email(email)) AS email_key,
       phone_key = pg_temp.sha('+15550100199') AS phone_key_e164,
       dedupe_hash = pg_temp.sha(normalize_email(email) || E'\x1f+15550100199\x1f') AS dedupe_hash,
       dedupe_hash = generate_dedupe_hash(email, phone, company_name) AS as_generate_dedupe_hash
  FROM leads WHERE id IN (pg_temp.lead(51), pg_temp.lead(52)) ORDER BY id;
-- a lead with no email has no email_key; one with no phone no phone_key
SELECT pg_temp.n(id) AS lead, email_key IS NULL AS no_email_key, phone_key IS NULL AS no_phone_key
  FROM leads WHERE id IN (pg_temp.lead(31), pg_temp.lead(32)) ORDER BY id;
-- the provider rules are in the keys of 13 and 14, not in those of 11 and 12
SELECT n, o.email_key = v.email_key AS same_email_key
  FROM variants JOIN leads o ON o.id = pg_temp.lead(10 * n + 1) JOIN leads v ON v.id = pg_temp.lead(10 * n + 2)
 WHERE n BETWEEN 11 AND 14 ORDER BY n;

------------------------------------------------------------------------------------------
-- 2. lead_router.duplicate_keys
------------------------------------------------------------------------------------------
SHOW lead_router.duplicate_keys;
-- original 1001 (partner one); five leads of the second source compare with it:
--   1002 same email, other phone;  1003 same phone (national, US), other email;
--   1004 same email, phone and company, written differently;  1005 same email and phone,
--   company "Keys, Ltd.";  1006 nothing in common
INSERT INTO leads (id, email, phone, company_name, country, source_workspace_id) VALUES
    (pg_temp.lead(1001), 'kim@keys.example',   '+1 555 010 0111', 'Keys Ltd',   NULL, :'inbound'),
    (pg_temp.lead(1002), 'kim@keys.example',   '+1 555 010 0112', 'Keys Ltd',   NULL, :'inbound2'),
    (pg_temp.lead(1003), 'kim@other.example',  '(555) 010-0111',  'Keys Ltd',   'US', :'inbound2'),
    (pg_temp.lead(1004), ' KIM@keys.example',  '+1-555-010-0111', 'keys  ltd',  NULL, :'inbound2'),
    (pg_temp.lead(1005), 'kim@keys.example',   '+1 555 010 0111', 'Keys, Ltd.', NULL, :'inbound2'),
    (pg_temp.lead(1006), 'lee@keys.example',   '+1 555 010 0113', 'Keys Ltd',   NULL, :'inbound2');
SELECT status FROM route_lead(pg_temp.lead(1001));
-- routes 1002..1006 in this order; "lead:duplicate_key" for a duplicate, "lead:status" else
CREATE FUNCTION pg_temp.route_keys() RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(i || ':' || coalesce(r.duplicate_key, r.status || ' ' || right(r.destination_workspace_id::text, 2)),
                      '  ' ORDER BY i)
      FROM generate_series(1002, 1006) i, LATERAL lead_router.route_lead(pg_temp.lead(i)) r
$$;
BEGIN;
SELECT current_setting('lead_router.duplicate_keys') AS keys, pg_temp.route_keys();
ROLLBACK;
BEGIN;
SET LOCAL lead_router.duplicate_keys = 'email';
SELECT current_setting('lead_router.duplicate_keys') AS keys, pg_temp.route_keys();
ROLLBACK;
BEGIN;
SET LOCAL lead_router.duplicate_keys = 'phone';
SELECT current_setting('lead_router.duplicate_keys') AS keys, pg_temp.route_keys();
ROLLBACK;
-- combined alone: the original design's semantics (the same email with another phone is
-- another person; punctuation in the company counts)
BEGIN;
SET LOCAL lead_router.duplicate_keys = 'combined';
SELECT current_setting('lead_router.duplicate_keys') AS keys, pg_temp.route_keys();
ROLLBACK;
-- several keys: the key reported is the first that matched in the order email, phone,
-- combined, whatever the order of the list; names are identifiers (case-insensitive)
BEGIN;
SET LOCAL lead_router.duplicate_keys = 'combined, PHONE';
SELECT current_setting('lead_router.duplicate_keys') AS keys, pg_temp.route_keys();
ROLLBACK;
BEGIN;
SET LOCAL lead_router.duplicate_keys = combined, phone, email;
SELECT current_setting('lead_router.duplicate_keys') AS keys, pg_temp.route_keys();
ROLLBACK;
-- refused: an unknown key, an empty list, a malformed list
SELECT v AS value, pg_temp.error_of(format('SET lead_router.duplicate_keys = %L', v)) AS error
  FROM unnest(ARRAY['name', '', 'email phone', 'email,,phone', 'email, fax', '"Email"']) v;
SHOW lead_router.duplicate_keys;

------------------------------------------------------------------------------------------
-- 3. lead_router.duplicate_window, measured on the original's routed_at
------------------------------------------------------------------------------------------
SHOW lead_router.duplicate_window;
INSERT INTO leads (id, email, source_workspace_id) VALUES
    (pg_temp.lead(2001), 'win@window.example', :'inbound'),
    (pg_temp.lead(2002), 'WIN@window.example', :'inbound2');
SELECT status FROM route_lead(pg_temp.lead(2001));
-- the original is moved back in time; the variant is routed in the same transaction
-- ("found": what find_lead_duplicates() said before the routing)
CREATE FUNCTION pg_temp.route_after(age interval)
RETURNS TABLE (routed_ago interval, window_setting text, found bigint, status text, duplicate_key text)
LANGUAGE plpgsql AS $$
DECLARE
    before bigint;
BEGIN
    UPDATE lead_router.leads SET routed_at = now() - age WHERE id = pg_temp.lead(2001);
    before := (SELECT count(*) FROM lead_router.find_lead_duplicates(pg_temp.lead(2002)));
    RETURN QUERY
    SELECT age, current_setting('lead_router.duplicate_window'), before, r.status, r.duplicate_key
      FROM lead_router.route_lead(pg_temp.lead(2002)) r;
END $$;
-- 90 days to the microsecond counts (routed_at >= now() - window); a microsecond more does not
BEGIN;
SELECT * FROM pg_temp.route_after('7776000 seconds');
ROLLBACK;
BEGIN;
SELECT * FROM pg_temp.route_after('7776000.000001 seconds');
ROLLBACK;
BEGIN;
SELECT * FROM pg_temp.route_after('91 days');
ROLLBACK;
-- 0: no limit
BEGIN;
SET LOCAL lead_router.duplicate_window = 0;
SELECT * FROM pg_temp.route_after('3650 days');
ROLLBACK;
BEGIN;
SET LOCAL lead_router.duplicate_window = '100d';
SELECT * FROM pg_temp.route_after('91 days');
ROLLBACK;
BEGIN;
SET LOCAL lead_router.duplicate_window = '1h';
SELECT * FROM pg_temp.route_after('2 hours');
ROLLBACK;
-- an original routed before routed_at was recorded (NULL until rebuild_identity_keys()
-- fills it in after an upgrade) counts whatever the window
BEGIN;
SET LOCAL lead_router.duplicate_window = '1h';
SELECT * FROM pg_temp.route_after(NULL);
ROLLBACK;
-- refused: negative, not a duration, a unit GUC does not know
SELECT v AS value, pg_temp.error_of(format('SET lead_router.duplicate_window = %L', v)) AS error
  FROM unnest(ARRAY['-1', 'soon', '30 days']) v;

-- Superuser-only, like every identity setting: an application role cannot shorten the window
-- (or change what counts as the same person) for itself.
CREATE ROLE regress_lr_identity_user;
SET ROLE regress_lr_identity_user;
SELECT s AS setting, pg_temp.error_of(format('SET %s = %L', s, v)) AS plain_set,
       pg_temp.error_of(format('SELECT set_config(%L, %L, true)', s, v)) AS set_config
  FROM (VALUES ('lead_router.duplicate_window', '1s'),
               ('lead_router.duplicate_keys', 'combined'),
               ('lead_router.email_canonicalization', 'provider'),
               ('lead_router.default_phone_region', 'GB')) AS t(s, v);
RESET ROLE;
SELECT name, context, unit, boot_val FROM pg_settings
 WHERE name IN ('lead_router.duplicate_window', 'lead_router.duplicate_keys',
                'lead_router.email_canonicalization', 'lead_router.default_phone_region')
 ORDER BY name;

------------------------------------------------------------------------------------------
-- 4. First in time wins
------------------------------------------------------------------------------------------
-- Two routed originals of the same person at two partners: possible under combined-only keys
-- (the same email with another phone is another person there).  Lead 3002 has the smaller id
-- but is routed later.
SET lead_router.duplicate_keys = combined;
INSERT INTO leads (id, email, phone, source_workspace_id) VALUES
    (pg_temp.lead(3003), 'fay@first.example', '+1 555 010 0131', :'inbound'),
    (pg_temp.lead(3002), 'fay@first.example', '+1 555 010 0132', :'inbound2');
SELECT right(r.destination_workspace_id::text, 2) AS destination, r.status
  FROM unnest(ARRAY[3003, 3002]) i, LATERAL route_lead(pg_temp.lead(i)) r;
RESET lead_router.duplicate_keys;
-- 3004: the same email again, from the first source (neither original is owned by it)
INSERT INTO leads (id, email, source_workspace_id) VALUES (pg_temp.lead(3004), ' Fay@First.example', :'inbound');
-- routed: the originals in routed_at order; found: find_lead_duplicates(3004) in its order
-- (before the routing); then 3004 is routed
CREATE FUNCTION pg_temp.first_in_time()
RETURNS TABLE (routed text, found text, duplicate_of int, duplicate_key text)
LANGUAGE plpgsql AS $$
DECLARE
    listed text;
BEGIN
    listed := (SELECT string_agg(pg_temp.n(d.duplicate_lead_id) || ' ' || right(d.workspace_id::text, 2) || ' ' || d.matched_key
                                 || CASE WHEN d.routed_at IS NULL THEN ' (no routed_at)' ELSE '' END, ', ')
                 FROM lead_router.find_lead_duplicates(pg_temp.lead(3004)) d);
    RETURN QUERY
    SELECT (SELECT string_agg(pg_temp.n(l.id)::text, ' < ' ORDER BY l.routed_at NULLS FIRST, l.id)
              FROM lead_router.leads l WHERE l.id IN (pg_temp.lead(3002), pg_temp.lead(3003))),
           listed, pg_temp.n(r.duplicate_lead_id), r.duplicate_key
      FROM lead_router.route_lead(pg_temp.lead(3004)) r;
END $$;
-- 3003 was routed first: it is the original, although 3002 has the smaller id
BEGIN;
SELECT * FROM pg_temp.first_in_time();
ROLLBACK;
-- 3002 routed a minute before 3003
BEGIN;
UPDATE leads SET routed_at = (SELECT routed_at FROM leads WHERE id = pg_temp.lead(3003)) - interval '1 minute'
 WHERE id = pg_temp.lead(3002);
SELECT * FROM pg_temp.first_in_time();
ROLLBACK;
-- a tie: the smaller id
BEGIN;
UPDATE leads SET routed_at = (SELECT routed_at FROM leads WHERE id = pg_temp.lead(3002))
 WHERE id = pg_temp.lead(3003);
SELECT * FROM pg_temp.first_in_time();
ROLLBACK;
-- an original without routed_at (routed before it was recorded) is the earliest
BEGIN;
UPDATE leads SET routed_at = NULL WHERE id = pg_temp.lead(3003);
SELECT * FROM pg_temp.first_in_time();
ROLLBACK;
-- a lead arriving in partner one itself: partner one's own lead is no duplicate for it
INSERT INTO leads (id, email, source_workspace_id) VALUES (pg_temp.lead(3005), 'fay@first.example', :'partner1');
SELECT pg_temp.n(duplicate_lead_id) AS duplicate_lead, right(workspace_id::text, 2) AS owner, matched_key
  FROM find_lead_duplicates(pg_temp.lead(3005));

------------------------------------------------------------------------------------------
-- 5. find_lead_duplicates(lead_id): rows, matched_key, access
------------------------------------------------------------------------------------------
-- 4001 (partner one) has the email and phone 1; 4002 (partner two) has phone 2 only.
-- 4003 has the email and phone 2: two originals, one row each with the key that found it;
-- 4004 has the email and phone 1: one original found by two keys, one row, the first key.
INSERT INTO leads (id, email, phone, source_workspace_id) VALUES
    (pg_temp.lead(4001), 'max@match.example',   '+1 555 010 0141', :'inbound'),
    (pg_temp.lead(4002), 'other@match.example', '+1 555 010 0142', :'inbound2'),
    (pg_temp.lead(4003), 'max@match.example',   '+1 555 010 0142', :'inbound'),
    (pg_temp.lead(4004), 'MAX@match.example',   '(555) 010-0141', :'inbound');
UPDATE leads SET country = 'US' WHERE id = pg_temp.lead(4004);
SELECT status FROM route_lead(pg_temp.lead(4001));
SELECT status FROM route_lead(pg_temp.lead(4002));
SELECT pg_temp.n(duplicate_lead_id) AS duplicate_lead, right(workspace_id::text, 2) AS owner,
       matched_key, routed_at = (SELECT l.routed_at FROM leads l WHERE l.id = duplicate_lead_id) AS routed_at
  FROM find_lead_duplicates(pg_temp.lead(4003));
SELECT pg_temp.n(duplicate_lead_id) AS duplicate_lead, right(workspace_id::text, 2) AS owner, matched_key
  FROM find_lead_duplicates(pg_temp.lead(4004));
-- it reads as routing does: lead_router.duplicate_keys decides what is looked at
BEGIN;
SET LOCAL lead_router.duplicate_keys = 'phone';
SELECT pg_temp.n(duplicate_lead_id) AS duplicate_lead, matched_key FROM find_lead_duplicates(pg_temp.lead(4003));
SET LOCAL lead_router.duplicate_keys = 'combined';
SELECT count(*) AS found FROM find_lead_duplicates(pg_temp.lead(4003));
ROLLBACK;
-- its first row is the original routing reports, and it does not change once routed
SELECT status, pg_temp.n(duplicate_lead_id) AS duplicate_of, duplicate_key FROM route_lead(pg_temp.lead(4003));
SELECT pg_temp.n(duplicate_lead_id) AS duplicate_lead, matched_key FROM find_lead_duplicates(pg_temp.lead(4003));
-- a routed original is not a duplicate of itself: no earlier original shares its keys, so
-- nothing is found
SELECT count(*) AS found FROM find_lead_duplicates(pg_temp.lead(4001));
-- a lead without keys finds nothing; an unknown lead, a NULL id
INSERT INTO leads (id, company_name, source_workspace_id) VALUES (pg_temp.lead(4005), 'Nobody Ltd', :'inbound');
SELECT count(*) AS found FROM find_lead_duplicates(pg_temp.lead(4005));
SELECT pg_temp.error_of(format('SELECT * FROM lead_router.find_lead_duplicates(%L)', :'nolead')) AS unknown_lead;
SELECT pg_temp.error_of('SELECT * FROM lead_router.find_lead_duplicates(NULL)') AS null_lead;

-- Access: the rule of check_cross_partner_duplicate -- an application user may ask about a
-- lead whose source workspace is one of its own; any other lead does not exist for it (P0002,
-- as for the routing functions), as a source of another workspace is refused there (42501).
CREATE ROLE regress_lr_identity_app NOLOGIN;
CREATE ROLE regress_lr_identity_alice IN ROLE regress_lr_identity_app;
CREATE ROLE regress_lr_identity_bob IN ROLE regress_lr_identity_app;
GRANT USAGE ON SCHEMA lead_router TO regress_lr_identity_app;
GRANT EXECUTE ON FUNCTION find_lead_duplicates(uuid), check_cross_partner_duplicate(text, uuid)
   TO regress_lr_identity_app;
\set alice aaaaaaaa-0000-0000-0000-000000000001
\set bob   bbbbbbbb-0000-0000-0000-000000000002
INSERT INTO user_workspaces (user_id, workspace_id) VALUES (:'alice', :'inbound'), (:'bob', :'partner2');
SELECT dedupe_hash AS hash_4001 FROM leads WHERE id = pg_temp.lead(4001) \gset
-- The number of rows a query returns, or its error.
CREATE FUNCTION pg_temp.rows_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE 'SELECT count(*) FROM (' || statement || ') s' INTO n;
    RETURN n || ' rows';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- find_lead_duplicates(4004) finds 4001; check_cross_partner_duplicate(4001's hash, the
-- first source) finds 4001
CREATE FUNCTION pg_temp.access(hash text, source uuid)
RETURNS TABLE (who text, find_lead_duplicates text, check_cross_partner_duplicate text)
LANGUAGE sql AS $$
    SELECT current_user || ' as ' || coalesce(lead_router.current_user_id()::text, 'nobody'),
           pg_temp.rows_of('SELECT * FROM lead_router.find_lead_duplicates(''10000000-0000-0000-0000-000000004004'')'),
           pg_temp.rows_of(format('SELECT * FROM lead_router.check_cross_partner_duplicate(%L, %L)', hash, source))
$$;
GRANT EXECUTE ON FUNCTION pg_temp.access(text, uuid) TO regress_lr_identity_app;
BEGIN;
SET LOCAL ROLE regress_lr_identity_alice;
SET LOCAL lead_router.user_id = :'alice';
SELECT * FROM pg_temp.access(:'hash_4001', :'inbound');
COMMIT;
BEGIN;
SET LOCAL ROLE regress_lr_identity_bob;
SET LOCAL lead_router.user_id = :'bob';
SELECT * FROM pg_temp.access(:'hash_4001', :'inbound');
COMMIT;
BEGIN;
SET LOCAL ROLE regress_lr_identity_alice;
SELECT * FROM pg_temp.access(:'hash_4001', :'inbound');
COMMIT;
-- a role without the grant (but with the schema)
GRANT USAGE ON SCHEMA lead_router TO regress_lr_identity_user;
BEGIN;
SET LOCAL ROLE regress_lr_identity_user;
SELECT pg_temp.error_of(format('SELECT * FROM lead_router.find_lead_duplicates(%L)', pg_temp.lead(4004))) AS no_grant;
COMMIT;

------------------------------------------------------------------------------------------
-- 6. identity_normalization(): the version of new keys and what it stands for (library
-- versions masked: they change with a Debian point update)
------------------------------------------------------------------------------------------
-- the SQL API of identity as declared: the helpers IMMUTABLE (see the README's caveat, as
-- for collations), find_lead_duplicates a SECURITY DEFINER with its own search_path;
-- route_result ends with duplicate_key
SELECT p.oid::regprocedure AS function, pg_get_function_result(p.oid) AS result,
       p.provolatile, p.proparallel, p.proisstrict, p.prosecdef, p.proconfig
  FROM pg_proc p
 WHERE p.pronamespace = 'lead_router'::regnamespace
   AND p.proname IN ('normalize_email', 'normalize_phone', 'find_lead_duplicates', 'identity_normalization',
                     'generate_dedupe_hash')
 ORDER BY p.proname;
SELECT pg_get_function_arguments('normalize_phone(text, text)'::regprocedure) AS normalize_phone_arguments;
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'route_result'::regclass AND attnum > 0 AND NOT attisdropped
 ORDER BY attnum DESC LIMIT 1;
CREATE FUNCTION pg_temp.normalization() RETURNS TABLE (version_positive boolean, description text)
LANGUAGE sql AS $$
    SELECT identity_version > 0,
           regexp_replace(description, '(ICU|Unicode|libphonenumber) [^;,]+', '\1 <version>', 'g')
      FROM lead_router.identity_normalization()
$$;
SELECT * FROM pg_temp.normalization();
SELECT identity_version AS current_version FROM identity_normalization() \gset
-- the settings that change keys change the version
SET lead_router.email_canonicalization = provider;
SELECT *, (SELECT identity_version FROM identity_normalization()) <> :current_version AS changed FROM pg_temp.normalization();
RESET lead_router.email_canonicalization;
SET lead_router.default_phone_region = 'GB';
SELECT *, (SELECT identity_version FROM identity_normalization()) <> :current_version AS changed FROM pg_temp.normalization();
RESET lead_router.default_phone_region;
SELECT (SELECT identity_version FROM identity_normalization()) = :current_version AS back;
-- the leads' keys carry the version they were computed under: the default one, except the
-- six inserted under other settings above (the pairs of variants 8, 13 and 14)
SELECT identity_version = :current_version AS current, count(*) AS leads,
       string_agg(pg_temp.n(id)::text, ' ' ORDER BY id) FILTER (WHERE identity_version <> :current_version) AS others
  FROM leads GROUP BY 1 ORDER BY 1;
SELECT outdated_identity_keys FROM routing_health();

------------------------------------------------------------------------------------------
-- 7. Regions: the lead's country, then workspaces.phone_region, then default_phone_region
------------------------------------------------------------------------------------------
CREATE TEMP TABLE regions (n int, country text, source text);
INSERT INTO regions VALUES
    (1, 'US', 'first'), (2, 'us', 'first'), (3, ' US ', 'first'), (4, E'\tus\n', 'first'),
    (5, 'USA', 'first'), (6, 'United States', 'first'), (7, '', 'first'), (8, NULL, 'first'),
    (9, 'XX', 'first'),
    -- the second source's phone_region is US: it counts when the country does not
    (10, 'USA', 'second'), (11, NULL, 'second'), (12, 'CA', 'second'), (13, 'GB', 'second');
UPDATE workspaces SET phone_region = 'US' WHERE id = :'inbound2';
INSERT INTO leads (id, phone, country, source_workspace_id)
SELECT pg_temp.lead(5000 + n), '(555) 010-0177', country, CASE source WHEN 'first' THEN :'inbound'::uuid ELSE :'inbound2'::uuid END
  FROM regions;
UPDATE workspaces SET phone_region = NULL WHERE id = :'inbound2';
-- (phone_key: the text it is the SHA-256 of)
SELECT r.n, coalesce(to_json(r.country)::text, 'NULL') AS country, r.source,
       (SELECT t FROM unnest(ARRAY['+15550100177', '5550100177', '+445550100177']) t WHERE pg_temp.sha(t) = l.phone_key) AS phone_key
  FROM regions r JOIN leads l ON l.id = pg_temp.lead(5000 + r.n) ORDER BY r.n;
-- a country outside the North American plan reads a North American national number as its own
SELECT normalize_phone('(555) 010-0177', 'GB') AS in_gb;

-- setting identity_version to NULL asks the trigger to compute a lead's keys again, under the
-- regions and settings of the moment (here: the second source's phone_region, set since)
INSERT INTO leads (id, phone, source_workspace_id) VALUES (pg_temp.lead(5101), '020 7946 0033', :'inbound2');
UPDATE workspaces SET phone_region = 'GB' WHERE id = :'inbound2';
UPDATE leads SET identity_version = NULL WHERE id = pg_temp.lead(5101);
SELECT phone_key = pg_temp.sha('+442079460033') AS e164_key, identity_version = :current_version AS current_version
  FROM leads WHERE id = pg_temp.lead(5101);
UPDATE workspaces SET phone_region = NULL WHERE id = :'inbound2';

-- workspaces.phone_region: a region code libphonenumber knows, in capitals, or NULL
SELECT v AS value, pg_temp.error_of(format('UPDATE lead_router.workspaces SET phone_region = %L WHERE id = %L', v, :'inbound')) AS error
  FROM unnest(ARRAY['GB', NULL, 'gb', ' GB', 'XX', 'USA', '', 'ZZ', repeat('x', 100)]) v;
SELECT pg_temp.error_of(format('INSERT INTO lead_router.workspaces (name, phone_region) VALUES (%L, %L)', 'New', 'UK')) AS on_insert;
SELECT phone_region FROM workspaces WHERE id = :'inbound';
UPDATE workspaces SET phone_region = NULL WHERE id = :'inbound';

-- lead_router.default_phone_region: the same, or '' for none
SHOW lead_router.default_phone_region;
SELECT v AS value, pg_temp.error_of(format('SET lead_router.default_phone_region = %L', v)) AS error
  FROM unnest(ARRAY['GB', '', 'gb', ' GB', 'XX', 'USA', 'ZZ']) v;
RESET lead_router.default_phone_region;
SELECT pg_temp.error_of('SET lead_router.email_canonicalization = gmail') AS email_canonicalization;

------------------------------------------------------------------------------------------
-- 8. Bad input: a clear SQLSTATE or a documented NULL, never a crash
------------------------------------------------------------------------------------------
-- nothing left: NULL
SELECT normalize_email(NULL) IS NULL AS null_email, normalize_email('') IS NULL AS empty,
       normalize_email(U&' \3000\00A0\2003 ') IS NULL AS white_space_only,
       normalize_email(U&'\200B\00AD') IS NULL AS ignorable_only;
-- control characters (C0, DEL, C1) dropped; default-ignorable ones (zero width space, soft
-- hyphen, BOM, word joiner, combining grapheme joiner) dropped, in email and company
SELECT normalize_email(E'a\x01b\x7f@x.com') AS c0_del, normalize_email(U&'a\0080\009Fb@x.com') AS c1,
       normalize_email(U&'jo\200Bhn@x.com') AS zwsp, normalize_email(U&'jo\00ADhn@x.com') AS soft_hyphen,
       normalize_email(U&'\FEFFjo\2060h\034Fn@x.com') AS bom_wj_cgj;
SELECT generate_dedupe_hash(NULL, NULL, U&'Ac\00ADme\200B \0001Corp') = generate_dedupe_hash(NULL, NULL, 'acme corp') AS company_ignorable;
-- the case foldings that need more than lower-casing
SELECT normalize_email('Straße@x.com') AS sharp_s, normalize_email('ﬁ@x.com') AS ligature,
       normalize_email('ΣΊΣΥΦΟΣ@x.com') AS greek, normalize_email('ÉCOLE@москва.рф') AS mixed;
-- phones made only of punctuation: no phone (NULL, no phone_key, no dedupe_hash from it)
SELECT normalize_phone('()- ..') IS NULL AS punctuation, normalize_phone('()- ..', 'US') IS NULL AS in_us,
       normalize_phone('+') IS NULL AS plus, normalize_phone('') IS NULL AS empty,
       normalize_phone(NULL, 'US') IS NULL AS null_phone,
       generate_dedupe_hash('', '()- ..', '') IS NULL AS no_dedupe_hash;
INSERT INTO leads (id, email, phone, source_workspace_id) VALUES (pg_temp.lead(6001), 'punct@x.com', '()- ..', :'inbound');
SELECT phone_key IS NULL AS no_phone_key, dedupe_hash = generate_dedupe_hash('punct@x.com', NULL, NULL) AS email_only
  FROM leads WHERE id = pg_temp.lead(6001);
-- not possible numbers: NULL from normalize_phone (the key falls back to the digits)
SELECT normalize_phone('12') IS NULL AS too_short, normalize_phone('+1 555') IS NULL AS too_short_plus,
       normalize_phone('+1 ' || repeat('5', 40)) IS NULL AS too_long,
       normalize_phone('1 555 010 0199') IS NULL AS national_without_region;
-- other scripts' digits, full-width plus, extensions
SELECT normalize_phone('+1 ٥٥٥ ٠١٠ ٠١٩٩') AS arabic_indic, normalize_phone('＋１ ５５５ ０１０ ０１９９') AS full_width,
       normalize_phone('+1 555 010 0199 ext. 42') AS extension, normalize_phone(U&'+1 555\200B010 0199') AS zwsp;
-- a region that is not a country code: 22023 naming it; NULL means no region; a code is
-- read case-insensitively and trimmed
SELECT format('%L', v) AS region, pg_temp.error_of(format('SELECT lead_router.normalize_phone(%L, %L)', '020 7946 0018', v)) AS error
  FROM unnest(ARRAY['XX', 'USA', '', ' ', 'ZZ', '001', 'U', 'gb', ' GB ']) v;
SELECT normalize_phone('020 7946 0018', NULL) IS NULL AS no_region;
-- the offending value is named, clipped, and the message stays valid text in the database
-- encoding whatever the value
SELECT pg_temp.error_of(format('SELECT lead_router.normalize_phone(%L, %L)', '1', repeat('x', 10 * 1024 * 1024))) AS huge_region;
SELECT pg_temp.valid_utf8(pg_temp.error_of(format('SELECT lead_router.normalize_phone(%L, %L)', '1', 'a' || repeat('é', 30)))) AS message_is_valid_utf8;

-- 10 MB strings: computed in full (no truncation, no crash); a lead refuses them by the
-- length constraints of its columns (23514) before any index sees them
SELECT length(normalize_email(repeat('A', 10 * 1024 * 1024) || '@x.com')) AS email_10mb,
       length(normalize_email(repeat('É', 5 * 1024 * 1024) || '@x.com')) AS email_10mb_non_ascii,
       normalize_phone(repeat('5', 10 * 1024 * 1024), 'US') IS NULL AS phone_10mb;
SELECT generate_dedupe_hash(repeat('a', 10 * 1024 * 1024), NULL, NULL) <> generate_dedupe_hash(repeat('a', 10 * 1024 * 1024 - 1), NULL, NULL) AS email_not_truncated,
       length(generate_dedupe_hash(NULL, repeat('5', 10 * 1024 * 1024), NULL)) AS phone_hash_length,
       generate_dedupe_hash(NULL, NULL, repeat('Acme  ', 1747627)) = generate_dedupe_hash(NULL, NULL, rtrim(repeat('acme ', 1747627))) AS company_collapsed;
SELECT c AS column_name, pg_temp.error_of(format('INSERT INTO lead_router.leads (%I, source_workspace_id) VALUES (repeat(%L, 10 * 1024 * 1024), %L)', c, '5', :'inbound')) AS error
  FROM unnest(ARRAY['email', 'phone', 'company_name']) c;
-- a country of 10 MB is no region; a 250-byte phone is still parsed, a longer one is not
SELECT pg_temp.error_of(format('INSERT INTO lead_router.leads (id, phone, country, source_workspace_id) VALUES (%L, %L, repeat(%L, 10 * 1024 * 1024), %L)',
                               pg_temp.lead(6002), '(555) 010-0177', 'U', :'inbound')) AS huge_country;
SELECT phone_key = pg_temp.sha('5550100177') AS digits_key FROM leads WHERE id = pg_temp.lead(6002);
SELECT normalize_phone(rpad('+1 555 010 0199', 250)) AS phone_250_bytes, normalize_phone(rpad('+1 555 010 0199', 251)) AS phone_251_bytes;

------------------------------------------------------------------------------------------
-- 9. One batch (route_pending_leads): a lead matches an original routed earlier in the same
-- batch by any one of its keys, with that key reported
------------------------------------------------------------------------------------------
INSERT INTO leads (id, email, phone, country, source_workspace_id, routing_due_at) VALUES
    (pg_temp.lead(7001), 'twin@batch.example',  '+1 555 010 0191', NULL, :'inbound',  now() - interval '3 days'),
    (pg_temp.lead(7002), 'other@batch.example', '(555) 010-0191',  'US', :'inbound2', now() - interval '2 days'),
    (pg_temp.lead(7003), 'TWIN@batch.example',  '+1 555 010 0193', NULL, :'inbound2', now() - interval '1 day');
SELECT pg_temp.n(lead_id) AS lead, status, right(destination_workspace_id::text, 2) AS destination,
       pg_temp.n(duplicate_lead_id) AS duplicate_of, duplicate_key
  FROM route_pending_leads(3) ORDER BY lead_id;

-- Afterwards: the keys owned by two partner workspaces are exactly those of the people sold
-- twice on purpose above (section 4's pair under combined-only keys) or by documented limits
-- (variants 9, 11 and 12 differ in their keys, so none of them is here)
SELECT 'email' AS kind, string_agg(DISTINCT lower(trim(email)), ', ') AS owned_by_two_partners
  FROM leads WHERE email_key IN (
        SELECT l.email_key FROM leads l JOIN workspaces w ON w.id = l.workspace_id AND w.workspace_type = 'partner'
         WHERE l.routing_status = 'routed' AND l.duplicate_of IS NULL
         GROUP BY l.email_key HAVING count(DISTINCT l.workspace_id) > 1)
UNION ALL
SELECT 'phone', string_agg(DISTINCT phone, ', ')
  FROM leads WHERE phone_key IN (
        SELECT l.phone_key FROM leads l JOIN workspaces w ON w.id = l.workspace_id AND w.workspace_type = 'partner'
         WHERE l.routing_status = 'routed' AND l.duplicate_of IS NULL
         GROUP BY l.phone_key HAVING count(DISTINCT l.workspace_id) > 1);

-- the roles own nothing: DROP OWNED only takes back their grants
DROP OWNED BY regress_lr_identity_app, regress_lr_identity_alice, regress_lr_identity_bob, regress_lr_identity_user;
DROP ROLE regress_lr_identity_app, regress_lr_identity_alice, regress_lr_identity_bob, regress_lr_identity_user;
\i sql/fixtures/teardown.sql
