-- generate_dedupe_hash: SPEC.md normalisation, and the leads trigger that keeps
-- leads.dedupe_hash in step with the identity fields using the same C++ code.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;

-- the hash of the normalised identity "john@example.com" U+001F "+15550100199" U+001F "acme corp"
SELECT generate_dedupe_hash('john@example.com', '+1 555 010 0199', 'acme corp')
     = encode(sha256(convert_to(E'john@example.com\x1f+15550100199\x1facme corp', 'UTF8')), 'hex')
       AS matches_sha256_of_normalised_identity;

-- the same person written differently hashes the same (generate_dedupe_hash knows no phone
-- region: a national number without its country code keys on its digits)
SELECT count(DISTINCT generate_dedupe_hash(email, phone, company)) AS distinct_hashes
  FROM (VALUES
    ('john@example.com',        '+1 (555) 010-0199', 'Acme Corp'),
    ('  JOHN@Example.COM ',     '001 555 010 0199',  '  ACME   corp  '),
    (E'John@example.com\t',     '+1-555-010-0199',   E'acme\tcorp'),
    ('john@EXAMPLE.com',        '+1.555.010.0199 x42', 'acme corp'),
    ('ｊｏｈｎ@example.com',     '+1 555 010 0199',   'ＡＣＭＥ Corp')
  ) AS v(email, phone, company);

-- and different people do not
SELECT count(DISTINCT generate_dedupe_hash(email, phone, company)) AS distinct_hashes
  FROM (VALUES
    ('john@example.com', '15550100199', 'acme corp'),
    ('jane@example.com', '15550100199', 'acme corp'),
    ('john@example.com', '15550100198', 'acme corp'),
    ('john@example.com', '15550100199', 'acme inc'),
    ('john@example.com', NULL,          'acme corp'),
    (NULL,               '15550100199', 'acme corp')
  ) AS v(email, phone, company);

-- NULL and empty parts mean "no value"; all three empty gives NULL
SELECT generate_dedupe_hash(NULL, NULL, NULL) IS NULL AS all_null,
       generate_dedupe_hash('', '  ', E'\t') IS NULL AS all_blank,
       generate_dedupe_hash('', '(-)', NULL) IS NULL AS phone_without_digits,
       generate_dedupe_hash('a@b.c', NULL, NULL) = generate_dedupe_hash('a@b.c', '', '') AS null_is_empty,
       length(generate_dedupe_hash(NULL, NULL, 'x')) AS hex_length;

-- Unicode: accents and Cyrillic fold, emoji and CJK are kept
SELECT generate_dedupe_hash(NULL, NULL, 'ÉCOLE Москва') = generate_dedupe_hash(NULL, NULL, 'école москва') AS folds,
       generate_dedupe_hash(NULL, NULL, 'Café ☕ 東京') = generate_dedupe_hash(NULL, NULL, 'café ☕ 東京') AS keeps_emoji,
       generate_dedupe_hash(NULL, NULL, 'Café ☕') = generate_dedupe_hash(NULL, NULL, 'Café') AS emoji_ignored;

-- very long input (1 MB) is hashed, not truncated
SELECT generate_dedupe_hash(repeat('a', 1000000) || '@x.com', NULL, NULL)
       <> generate_dedupe_hash(repeat('a', 999999) || '@x.com', NULL, NULL) AS long_inputs_differ;

-- declared IMMUTABLE and PARALLEL SAFE, so usable in an index expression
SELECT provolatile, proparallel FROM pg_proc WHERE oid = 'generate_dedupe_hash(text,text,text)'::regprocedure;
CREATE TEMP TABLE people (email text);
CREATE INDEX ON people (lead_router.generate_dedupe_hash(email, NULL, NULL));

-- the trigger sets dedupe_hash on insert ...
INSERT INTO leads (id, email, phone, company_name, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000001', ' Ann@Example.com', '+44 (0)20 7946 0958', 'Globex', :'inbound'),
    ('10000000-0000-0000-0000-000000000002', NULL, NULL, NULL, :'inbound');
SELECT id, dedupe_hash = generate_dedupe_hash(email, phone, company_name) AS in_step,
       dedupe_hash IS NULL AS no_hash
  FROM leads ORDER BY id;

-- ... and after each identity field changes
UPDATE leads SET email = 'ann@globex.com' WHERE id = '10000000-0000-0000-0000-000000000001';
SELECT dedupe_hash = generate_dedupe_hash('ann@globex.com', '+44 20 7946 0958', 'globex') AS after_email
  FROM leads WHERE id = '10000000-0000-0000-0000-000000000001';
UPDATE leads SET phone = '+1 555 0100' WHERE id = '10000000-0000-0000-0000-000000000001';
SELECT dedupe_hash = generate_dedupe_hash('ann@globex.com', '+1 555 0100', 'globex') AS after_phone
  FROM leads WHERE id = '10000000-0000-0000-0000-000000000001';
UPDATE leads SET company_name = 'Initech' WHERE id = '10000000-0000-0000-0000-000000000001';
SELECT dedupe_hash = generate_dedupe_hash('ann@globex.com', '+1 555 0100', 'initech') AS after_company
  FROM leads WHERE id = '10000000-0000-0000-0000-000000000001';
UPDATE leads SET email = 'x@y.z' WHERE id = '10000000-0000-0000-0000-000000000002';
SELECT dedupe_hash = generate_dedupe_hash('x@y.z', NULL, NULL) AS identity_added
  FROM leads WHERE id = '10000000-0000-0000-0000-000000000002';
UPDATE leads SET email = NULL WHERE id = '10000000-0000-0000-0000-000000000002';
SELECT dedupe_hash IS NULL AS identity_removed FROM leads WHERE id = '10000000-0000-0000-0000-000000000002';

-- a hash written by hand is put back in step with the identity
UPDATE leads SET dedupe_hash = repeat('0', 64) WHERE id = '10000000-0000-0000-0000-000000000001';
SELECT dedupe_hash = generate_dedupe_hash(email, phone, company_name) AS corrected
  FROM leads WHERE id = '10000000-0000-0000-0000-000000000001';

-- an update of other columns leaves the hash alone
UPDATE leads SET company_industry = 'software' WHERE id = '10000000-0000-0000-0000-000000000001';
SELECT dedupe_hash = generate_dedupe_hash('ann@globex.com', '+1 555 0100', 'initech') AS unchanged
  FROM leads WHERE id = '10000000-0000-0000-0000-000000000001';

\i sql/fixtures/teardown.sql
