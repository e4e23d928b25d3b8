-- lead_router demo: the dedupe and lock primitives on a small sample, driven the way the
-- seed design's client drove them (lock, duplicate check, decide, complete or fail).
\pset footer off
\echo
\echo '=== lead_router demo ==='
CREATE EXTENSION lead_router;
SET search_path = lead_router, public;

INSERT INTO workspaces (id, name, workspace_type) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'Inbound web forms',  'internal'),
    ('00000000-0000-0000-0000-0000000000b1', 'Northwind Partners', 'partner'),
    ('00000000-0000-0000-0000-0000000000b2', 'Contoso Resellers',  'partner');

-- Twelve leads from the web forms; the last three are people Northwind already bought.
INSERT INTO leads (email, phone, company_name, company_industry, company_size, country, source_workspace_id)
SELECT email, phone, company, industry, size, country, '00000000-0000-0000-0000-0000000000a1'
  FROM (VALUES
    ('linus@kernel.fi',       '+358 9 0003',      'Kernel Oy',          'software',      12, 'FI'),
    ('margaret@apollo.us',    '+1 555 010 0011',  'Apollo Guidance',    'software',     400, 'US'),
    ('ken@unix.us',           '+1 555 010 0012',  'Bell Systems',       'software',    2000, 'US'),
    ('barbara@liskov.us',     '+1 555 010 0013',  'Substitution Inc',   'software',      80, 'US'),
    ('nikola@ac.rs',          '+381 11 0005',     'AC Systems',         'manufacturing', 55, 'RS'),
    ('henry@assembly.us',     '+1 555 010 0014',  'Assembly Line Co',   'manufacturing', 900, 'US'),
    ('emmy@algebra.de',       '+49 30 0006',      'Algebra GmbH',       'education',     20, 'DE'),
    ('alan@enigma.uk',        '+44 20 7946 0007', 'Bletchley Ltd',      'government',   150, 'GB'),
    ('hedy@spread.at',        '+43 1 0008',       'Spread Spectrum',    'telecom',       70, 'AT'),
    ('  ADA@Analytical.IO ',  '0044 20 7946 0001', 'analytical   engines', 'software',  40, 'GB'),
    ('Grace@COBOL.dev',       '1-555-010-0002',   'COMPILER CO',        'software',     800, 'US'),
    ('marie@RADIUM.fr',       '0033 1 0004',      'Radium  SA',         'manufacturing', 300, 'FR')
  ) AS v(email, phone, company, industry, size, country);

-- Northwind bought three of these people last month: copies already routed to it.
INSERT INTO leads (email, phone, company_name, source_workspace_id, workspace_id, routing_status, created_at)
VALUES ('ada@analytical.io',  '+44 20 7946 0001', 'Analytical Engines', '00000000-0000-0000-0000-0000000000b2',
        '00000000-0000-0000-0000-0000000000b1', 'routed', now() - interval '30 days'),
       ('grace@cobol.dev',    '+1 555 010 0002',  'Compiler Co',        '00000000-0000-0000-0000-0000000000b2',
        '00000000-0000-0000-0000-0000000000b1', 'routed', now() - interval '30 days'),
       ('marie@radium.fr',    '+33 1 0004',       'Radium SA',          '00000000-0000-0000-0000-0000000000b2',
        '00000000-0000-0000-0000-0000000000b1', 'routed', now() - interval '30 days');

\echo
\echo '--- 1. dedupe hashes: the same people written differently hash the same'
SELECT l.email, l.phone, l.company_name, left(l.dedupe_hash, 16) || '…' AS dedupe_hash,
       w.name AS owner
  FROM leads l JOIN workspaces w ON w.id = l.workspace_id
 WHERE l.email ILIKE ANY (ARRAY['%ada@%', '%grace@%']) ORDER BY lower(l.email), l.created_at;

\echo
\echo '--- 2. routing each pending lead with the primitives (software and manufacturing'
\echo '       go to partners; other industries have no buyer and are queued for retry)'
DO $$
DECLARE
    lead record;
    owner uuid;
    dup record;
    destination uuid;
BEGIN
    FOR lead IN SELECT * FROM lead_router.leads WHERE routing_status = 'pending' ORDER BY created_at, email LOOP
        owner := gen_random_uuid();
        IF NOT lead_router.acquire_routing_lock(lead.id, owner) THEN
            CONTINUE;
        END IF;
        SELECT * INTO dup FROM lead_router.check_cross_partner_duplicate(lead.dedupe_hash, lead.source_workspace_id) LIMIT 1;
        IF FOUND THEN
            -- a duplicate stays home: fail it for good with the reason, never sell it twice
            PERFORM lead_router.fail_routing(lead.id, 'duplicate of lead ' || dup.id, owner, 1);
            CONTINUE;
        END IF;
        destination := CASE lead.company_industry
                         WHEN 'software' THEN '00000000-0000-0000-0000-0000000000b1'::uuid
                         WHEN 'manufacturing' THEN '00000000-0000-0000-0000-0000000000b2'::uuid
                       END;
        IF destination IS NULL THEN
            PERFORM lead_router.fail_routing(lead.id, 'no matching rule', owner);
        ELSE
            PERFORM lead_router.complete_routing(lead.id, destination, NULL, owner);
        END IF;
    END LOOP;
END $$;

\echo
\echo '--- 3. outcome per workspace'
SELECT w.name AS workspace, l.routing_status, count(*) AS leads
  FROM leads l JOIN workspaces w ON w.id = l.workspace_id
 WHERE l.source_workspace_id = '00000000-0000-0000-0000-0000000000a1'
 GROUP BY 1, 2 ORDER BY 1, 2;

\echo
\echo '--- 4. duplicates caught (never delivered to a second partner)'
SELECT email, routing_status, routing_error FROM leads
 WHERE routing_error LIKE 'duplicate of%' ORDER BY email;

\echo
\echo '--- 5. retry queue (backoff 1 min, 5 min, 15 min, 1 h with ±10 % jitter)'
SELECT l.email, q.attempt_number, q.max_attempts,
       date_trunc('second', q.next_retry_at - now()) AS retry_in, q.last_error
  FROM routing_queue q JOIN leads l ON l.id = q.lead_id
 WHERE q.processed_at IS NULL ORDER BY l.email;

\echo
\echo '--- 6. audit trail of one lead'
SELECT g.routing_result, g.attempt, w.name AS destination, g.error_message
  FROM routing_logs g LEFT JOIN workspaces w ON w.id = g.destination_workspace_id
 WHERE g.lead_id = (SELECT id FROM leads WHERE email = 'linus@kernel.fi')
 ORDER BY g.id;

\echo
\echo '--- 7. maintenance: a crashed router''s stale lock is released; old leads expire'
SELECT acquire_routing_lock(id, gen_random_uuid()) AS locked_then_crashed
  FROM leads WHERE email = 'hedy@spread.at';
UPDATE leads SET routing_locked_at = now() - interval '10 minutes' WHERE email = 'hedy@spread.at';
SELECT release_stale_routing_locks() AS stale_locks_released;
UPDATE leads SET lead_expires_at = now() - interval '1 day' WHERE email = 'emmy@algebra.de';
SELECT mark_expired_leads() AS leads_expired;

\echo
\echo '--- 8. health'
SELECT routing_status, count(*) AS leads FROM leads GROUP BY 1 ORDER BY 1;
SELECT count(*) FILTER (WHERE processed_at IS NULL) AS queue_depth,
       count(*) FILTER (WHERE processed_at IS NULL AND next_retry_at <= now()) AS due_now,
       (SELECT count(*) FROM leads WHERE routing_status = 'routing'
          AND routing_locked_at < now() - interval '5 minutes') AS stale_locks,
       (SELECT count(*) FROM routing_logs WHERE routing_result = 'success') AS routed,
       (SELECT count(*) FROM routing_logs WHERE routing_result IN ('retry', 'failed')) AS failed_attempts
  FROM routing_queue;
