-- Identity in a SQL_ASCII database, the one kind of database that can hold text that is not
-- valid UTF-8: such an email, phone or company name is refused with SQLSTATE 22021 naming the
-- field -- never a crash, never a key computed from guessed text -- while valid UTF-8 is
-- normalised exactly as in a UTF8 database.
\set VERBOSITY terse
SELECT current_database() AS regress_db \gset
CREATE DATABASE regress_lr_sql_ascii ENCODING 'SQL_ASCII' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C';
\c regress_lr_sql_ascii
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;
SHOW server_encoding;

-- ill-formed UTF-8 of every kind: a lone continuation byte, a byte never used, a sequence cut
-- short, an overlong form of "/", a surrogate, a code point above U+10FFFF
CREATE TEMP TABLE bad (kind text, bytes text);
INSERT INTO bad VALUES
    ('continuation', E'ann\x80@x.com'), ('0xff', E'ann\xff@x.com'), ('cut short', E'ann@x.com\xc3'),
    ('overlong', E'ann\xc0\xaf@x.com'), ('surrogate', E'ann\xed\xa0\x80@x.com'),
    ('above U+10FFFF', E'ann\xf4\x90\x80\x80@x.com');

-- a lead: refused on INSERT and on UPDATE, whichever identity field holds the bytes
SELECT b.kind, f.field,
       pg_temp.error_of(format('INSERT INTO lead_router.leads (%I, source_workspace_id) VALUES (%L, %L)',
                               f.field, b.bytes, :'inbound')) AS on_insert
  FROM bad b, unnest(ARRAY['email', 'phone', 'company_name']) WITH ORDINALITY f(field, n)
 ORDER BY f.n, b.kind;
INSERT INTO leads (id, email, phone, company_name, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000001', 'ann@x.com', '+1 555 010 0199', 'Acme', :'inbound');
SELECT f.field,
       pg_temp.error_of(format('UPDATE lead_router.leads SET %I = %L WHERE id = %L',
                               f.field, E'x\xff', '10000000-0000-0000-0000-000000000001')) AS on_update
  FROM unnest(ARRAY['email', 'phone', 'company_name']) f(field);
SELECT count(*) AS leads, count(*) FILTER (WHERE email = 'ann@x.com' AND phone = '+1 555 010 0199'
                                           AND company_name = 'Acme') AS unchanged
  FROM leads;

-- the SQL helpers: the same 22021
SELECT b.kind,
       pg_temp.error_of(format('SELECT lead_router.normalize_email(%L)', b.bytes)) AS normalize_email,
       pg_temp.error_of(format('SELECT lead_router.normalize_phone(%L)', b.bytes)) AS normalize_phone,
       pg_temp.error_of(format('SELECT lead_router.normalize_phone(%L, %L)', b.bytes, 'US')) AS normalize_phone_us
  FROM bad b ORDER BY b.kind;
SELECT b.kind,
       pg_temp.error_of(format('SELECT lead_router.generate_dedupe_hash(%L, NULL, NULL)', b.bytes)) AS as_email,
       pg_temp.error_of(format('SELECT lead_router.generate_dedupe_hash(NULL, %L, NULL)', b.bytes)) AS as_phone,
       pg_temp.error_of(format('SELECT lead_router.generate_dedupe_hash(NULL, NULL, %L)', b.bytes)) AS as_company
  FROM bad b ORDER BY b.kind;
-- a region with such bytes is no region code (22023, as any other); a country with them is
-- no region, and the phone keys on its digits (country is a routing input, not identity)
SELECT pg_temp.error_of(format('SELECT lead_router.normalize_phone(%L, %L)', '+1 555 010 0199', E'U\xffS')) ~ '^22023: ' AS region;
SELECT pg_temp.error_of(format('UPDATE lead_router.workspaces SET phone_region = %L WHERE id = %L', E'G\xff', :'inbound')) ~ '^22023: ' AS phone_region;
INSERT INTO leads (id, phone, country, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000002', '(555) 010-0199', E'U\xffS', :'inbound');
SELECT phone_key = encode(sha256('5550100199'::bytea), 'hex') AS digits_key
  FROM leads WHERE id = '10000000-0000-0000-0000-000000000002';

-- valid UTF-8 is normalised as in a UTF8 database (NFKC case folding, NFD = NFC, full width)
SELECT normalize_email(E'JOS\xc3\x89@X.COM') = E'jos\xc3\xa9@x.com' AS composed,
       normalize_email(E'jose\xcc\x81@x.com') = E'jos\xc3\xa9@x.com' AS decomposed,
       normalize_email(E'\xef\xbc\xaa\xef\xbc\xaf\xef\xbc\xa8\xef\xbc\xae@x.com') = 'john@x.com' AS full_width,
       normalize_email(E'jo\xe2\x80\x8bhn@x.com') = 'john@x.com' AS zero_width_space,
       normalize_phone(E'+1 \xd9\xa5\xd9\xa5\xd9\xa5 010 0199') = '+15550100199' AS arabic_indic_digits,
       generate_dedupe_hash(E'JOS\xc3\x89@x.com', NULL, NULL) = generate_dedupe_hash(E'jose\xcc\x81@x.com', NULL, NULL) AS same_hash;
-- and the same person still meets: composed in one source, decomposed in the other
INSERT INTO routing_rules (workspace_id, name, conditions, destination_workspace_id) VALUES
    (:'inbound',  'first source to partner one',  '{}', :'partner1'),
    (:'inbound2', 'second source to partner two', '{}', :'partner2');
INSERT INTO leads (id, email, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000003', E'jos\xc3\xa9@example.com', :'inbound'),
    ('10000000-0000-0000-0000-000000000004', E'JOSE\xcc\x81@example.com', :'inbound2');
SELECT right(id::text, 2) AS lead, r.status, right(r.destination_workspace_id::text, 2) AS destination,
       right(r.duplicate_lead_id::text, 2) AS duplicate_of, r.duplicate_key
  FROM unnest(ARRAY['10000000-0000-0000-0000-000000000003', '10000000-0000-0000-0000-000000000004']::uuid[]) id,
       LATERAL route_lead(id) r;

-- A lead written before 0.6.0 with such bytes (0.5.0 accepted them) has no keys and no
-- identity_version after the upgrade: written here as a subscriber's apply would, without
-- the trigger.  Leads 11 and 12 are past their expiry, 13 is due.
SET session_replication_role = replica;
INSERT INTO leads (id, email, source_workspace_id, workspace_id, lead_expires_at, routing_due_at) VALUES
    ('10000000-0000-0000-0000-000000000011', E'legacy\xff@x.com', :'inbound', :'inbound', now() - interval '1 day', now() - interval '2 days'),
    ('10000000-0000-0000-0000-000000000013', E'legacy\xfe@x.com', :'inbound', :'inbound', now() + interval '1 day', now() - interval '2 days');
RESET session_replication_role;
INSERT INTO leads (id, email, source_workspace_id, lead_expires_at) VALUES
    ('10000000-0000-0000-0000-000000000012', 'valid@x.com', :'inbound', now() - interval '1 day');
SELECT right(id::text, 2) AS lead, identity_version IS NULL AS no_version, email_key IS NULL AS no_email_key
  FROM leads WHERE id >= '10000000-0000-0000-0000-000000000011' ORDER BY id;
SELECT outdated_identity_keys FROM routing_health();
-- expiry reads no identity: both leads past lead_expires_at expire (SPEC "Expiry"); the
-- legacy one is named in a WARNING and gets no keys
SELECT pg_temp.error_of('SELECT lead_router.mark_expired_leads()') AS mark_expired_leads;
SELECT right(id::text, 2) AS lead, routing_status FROM leads
 WHERE id IN ('10000000-0000-0000-0000-000000000011', '10000000-0000-0000-0000-000000000012') ORDER BY id;
-- the rebuild names the other in a WARNING and goes on: it gets no keys, so it matches no one
SET client_min_messages = warning;  -- the NOTICE names the identity version, which follows the libraries
SELECT pg_temp.error_of('CALL lead_router.rebuild_identity_keys()') AS rebuild;
RESET client_min_messages;
SELECT outdated_identity_keys FROM routing_health();
-- and it routes like any lead (no keys: never a duplicate, never an original of one)
SELECT pg_temp.error_of($$SELECT lead_router.route_lead('10000000-0000-0000-0000-000000000013')$$) AS route_lead;

\c :regress_db
DROP DATABASE regress_lr_sql_ascii;
