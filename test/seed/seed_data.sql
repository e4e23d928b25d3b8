-- Data of the seed schema fixture (test/seed/seed_schema.sql): a live seed database caught
-- in the middle of its day, with a lead in every state the seed's functions and service
-- produce.  Load it right after the schema, with the same search_path (plain SQL, no psql
-- variables).  Ids are fixed; times are relative to now() at load time, so that fresh and
-- stale locks, due and future retries, live and past TTLs stay what they are meant to be.
--
-- Ids: workspaces 5eed0a00-…-0000000000NN, users 5eed0b00-…, rules 5eed0c00-…,
-- leads 5eed1ead-…-0000000000NN (NN = the lead number below), queue rows 5eed0d00-…,
-- log rows 5eed0e00-…, lock owners 5eed10c0-…-0000000000NN (NN = the lead).
--
--  lead  state (seed)      what it is
--  01-04 routed            routed by a rule (audit 'success'); 04 from the bulk workspace
--  05    routed            after one retry (a processed queue row)
--  06    routed            the service's duplicate path (A14): same person as 01, delivered
--                          to 01's partner without a rule
--  07    routed            success row naming the destination as source (A13); the source is
--                          in its earlier retry row
--  08    routed            the same bug, no other row: its source cannot be recovered
--  09    routed            moved by hand to an internal workspace ('manual_override')
--  10    routed            an open queue row left behind by a crash after complete_routing
--  33    routed            bulk workspace to Northwind
--  34    routed            to Initech, a partner deactivated since
--  11    pending           just arrived, never tried
--  12    pending           attempt 2 due in 40 s
--  13    pending           attempt 3 due in 3 min (attempt 2 processed)
--  14    pending           attempt 2 queued by the hotfix release without next_retry_at (A11)
--  15    pending           two open queue rows (attempt 2 superseded by attempt 3)
--  16    pending           max_attempts 5: attempt 4 due in 10 min
--  17    pending           past its 90-day TTL
--  18    pending           attempt 3 overdue by 2 hours (workers paused); had a stale lock
--                          released before
--  32    pending           same person as 02 (routed to Globex): a duplicate waiting
--  35    pending           same person as 03, phone written '+44 (0)20 …': the seed's hash
--                          differs, lead_router's does not
--  19-20 failed            3 attempts (no matching rule; destination inactive)
--  21    expired           pending past TTL
--  22    expired           failed, then past TTL
--  23    routing           locked 30 s ago (a worker is on it); another worker's
--                          'lock_failed'
--  24    routing           stale lock (20 min)
--  25    routing           stale lock (2 h) of a retry, its queue row still open
--  26    NULL              legacy, owned by Northwind, no log: routed by the backfill rule
--  27    NULL              legacy, owned by the inbound workspace: pending
--  28    NULL              legacy, owned by Globex, log 'routed' from inbound
--  29    NULL              legacy, owned by Northwind whose own logs show it as the source:
--                          pending (a partner's own lead)
--  30    NULL              legacy, owned by the agency: pending
--  31    NULL              legacy, same person as 26 owned by Globex: sold to two partners
--                          (the P0 bug the seed fixed)

------------------------------------------------------------------------------------------
-- Workspaces, members, rules
------------------------------------------------------------------------------------------

INSERT INTO workspaces (id, name, slug, workspace_type, is_active, settings, created_at) VALUES
    ('5eed0a00-0000-4000-8000-000000000001', 'Acme Inbound',       'acme-inbound', 'INTERNAL', true,  '{"timezone": "America/New_York"}', now() - interval '500 days'),
    ('5eed0a00-0000-4000-8000-000000000002', 'Bulk Uploads',       'bulk',         'internal', true,  '{}',                               now() - interval '480 days'),
    ('5eed0a00-0000-4000-8000-000000000003', 'Northwind Partners', 'northwind',    'Partner',  true,  '{"webhook": "https://northwind.example/leads"}', now() - interval '450 days'),
    ('5eed0a00-0000-4000-8000-000000000004', 'Globex Leads',       'globex',       'partner',  true,  '{}',                               now() - interval '440 days'),
    ('5eed0a00-0000-4000-8000-000000000005', 'Initech (paused)',   'initech',      'partner',  false, '{}',                               now() - interval '300 days'),
    ('5eed0a00-0000-4000-8000-000000000006', 'Umbrella Agency',    'umbrella',     'Agency',   true,  '{}',                               now() - interval '200 days');

INSERT INTO user_workspaces (user_id, workspace_id, role) VALUES
    ('5eed0b00-0000-4000-8000-000000000001', '5eed0a00-0000-4000-8000-000000000001', 'owner'),
    ('5eed0b00-0000-4000-8000-000000000001', '5eed0a00-0000-4000-8000-000000000002', 'admin'),
    ('5eed0b00-0000-4000-8000-000000000002', '5eed0a00-0000-4000-8000-000000000001', 'member'),
    ('5eed0b00-0000-4000-8000-000000000003', '5eed0a00-0000-4000-8000-000000000003', 'owner'),
    ('5eed0b00-0000-4000-8000-000000000004', '5eed0a00-0000-4000-8000-000000000004', 'owner'),
    ('5eed0b00-0000-4000-8000-000000000005', '5eed0a00-0000-4000-8000-000000000006', 'member');

INSERT INTO lead_routing_rules (id, workspace_id, rule_name, priority, is_active, conditions, destination_workspace_id, created_at) VALUES
    ('5eed0c00-0000-4000-8000-000000000001', '5eed0a00-0000-4000-8000-000000000001', 'Software to Northwind', 100, true,
     '{"industries": ["Software", "SaaS", "AI"], "company_size": {"min": 50, "max": 5000}}', '5eed0a00-0000-4000-8000-000000000003', now() - interval '60 days'),
    ('5eed0c00-0000-4000-8000-000000000002', '5eed0a00-0000-4000-8000-000000000001', 'Healthcare North America', 90, true,
     '{"industry": "Healthcare", "locations": ["US", "CA"]}', '5eed0a00-0000-4000-8000-000000000004', now() - interval '60 days'),
    ('5eed0c00-0000-4000-8000-000000000003', '5eed0a00-0000-4000-8000-000000000001', 'Enterprise accounts', 80, true,
     '{"company_size": {"min": 1000}}', '5eed0a00-0000-4000-8000-000000000004', now() - interval '59 days'),
    ('5eed0c00-0000-4000-8000-000000000004', '5eed0a00-0000-4000-8000-000000000001', 'Fintech executives', 70, true,
     '{"industries": ["Fintech"], "job_titles": ["^VP", "Director$", "Chief .* Officer"]}', '5eed0a00-0000-4000-8000-000000000003', now() - interval '58 days'),
    ('5eed0c00-0000-4000-8000-000000000005', '5eed0a00-0000-4000-8000-000000000002', 'Bulk catch-all', 10, true,
     '{}', '5eed0a00-0000-4000-8000-000000000003', now() - interval '58 days'),
    ('5eed0c00-0000-4000-8000-000000000006', '5eed0a00-0000-4000-8000-000000000002', 'Hot bulk leads', 50, true,
     '{"lead_score_min": 70}', '5eed0a00-0000-4000-8000-000000000004', now() - interval '40 days'),
    ('5eed0c00-0000-4000-8000-000000000007', '5eed0a00-0000-4000-8000-000000000001', 'Retail to Initech', 60, false,
     '{"industries": ["Retail"]}', '5eed0a00-0000-4000-8000-000000000005', now() - interval '200 days'),
    ('5eed0c00-0000-4000-8000-000000000008', '5eed0a00-0000-4000-8000-000000000002', 'UK to the agency', 40, true,
     '{"locations": ["GB"]}', '5eed0a00-0000-4000-8000-000000000006', now() - interval '30 days'),
    ('5eed0c00-0000-4000-8000-000000000009', '5eed0a00-0000-4000-8000-000000000001', 'Universities', 5, true,
     '{"custom": "lead.email.endsWith(''.edu'')", "exclude_domains": ["mit.edu"]}', '5eed0a00-0000-4000-8000-000000000004', now() - interval '20 days'),
    ('5eed0c00-0000-4000-8000-00000000000a', '5eed0a00-0000-4000-8000-000000000001', 'Small and mid-size media', 20, true,
     '{"industry": "Media", "company_sizes": ["11-50", "51-200", "201-500"], "location": "FR"}', '5eed0a00-0000-4000-8000-000000000003', now() - interval '15 days');

------------------------------------------------------------------------------------------
-- Leads.  Owner codes: IN inbound 01, BU bulk 02, NW Northwind 03, GX Globex 04,
-- IT Initech 05, AG agency 06.  created: days ago; locked: how long ago; expires: NULL for
-- now-default (created + 90 days as the column default would have given), else an offset.
------------------------------------------------------------------------------------------

INSERT INTO leads (id, workspace_id, first_name, last_name, email, phone, job_title, company_name,
                   company_domain, company_industry, company_size, company_location, linkedin_url,
                   lead_score, source, notes, metadata, created_by, created_at, updated_at,
                   routing_status, routing_locked_by, routing_locked_at, routing_attempts,
                   routing_error, routing_last_attempted_at, lead_expires_at)
SELECT ('5eed1ead-0000-4000-8000-0000000000' || v.n)::uuid,
       ('5eed0a00-0000-4000-8000-0000000000' || v.owner)::uuid,
       v.first_name, v.last_name, v.email, v.phone, v.job_title, v.company, v.domain, v.industry,
       v.size, v.location,
       'https://www.linkedin.com/in/' || lower(v.first_name) || '-' || lower(v.last_name),
       v.score, v.source,
       CASE WHEN v.n IN ('01', '02') THEN 'Met at SaaStr' END,
       jsonb_build_object('utm_source', v.source, 'import_batch', 'batch-' || v.n),
       '5eed0b00-0000-4000-8000-000000000001'::uuid,
       now() - v.created_days::float8 * interval '1 day',
       now() - v.created_days::float8 * interval '1 day' + coalesce(v.last_attempt, interval '0'),
       v.status::lead_routing_status,
       CASE WHEN v.locked IS NOT NULL THEN ('5eed10c0-0000-4000-8000-0000000000' || v.n)::uuid END,
       now() - v.locked,
       v.attempts, v.error,
       now() - v.created_days::float8 * interval '1 day' + v.last_attempt,
       CASE WHEN v.expires IS NULL AND v.status IS NULL THEN NULL
            ELSE now() - v.created_days::float8 * interval '1 day' + coalesce(v.expires, interval '90 days') END
  FROM (VALUES
    -- n,   owner, first,    last,        email,                          phone,                  title,               company,            domain,              industry,        size,  loc,  score, source,          created, status,    locked,                attempts, error,                            last attempt,        expires
    ('01', '03', 'Maria',  'Gomez',     'maria.gomez@acme.io',          '+1 (415) 555-0101',    'VP Engineering',    'Acme Inc',         'acme.io',           'Software',      250,   'US', 82,   'bulk_upload',   10,      'routed',  NULL::interval,        1,        NULL,                             interval '1 minute', NULL::interval),
    ('02', '04', 'Tom',    'Becker',    'tom@hooli.com',                '+1 212 555 0102',      'CTO',               'Hooli',            'hooli.com',         'Healthcare',    1200,  'US', 91,   'web_form',      9,       'routed',  NULL,                  1,        NULL,                             interval '1 minute', NULL),
    ('03', '04', 'Aisha',  'Khan',      'aisha.khan@globalbank.co.uk',  '+44 20 7946 0958',     'Head of Data',      'Global Bank',      'globalbank.co.uk',  'Fintech',       5000,  'GB', 77,   'datashopper',   8,       'routed',  NULL,                  1,        NULL,                             interval '1 minute', NULL),
    ('04', '03', 'Lars',   'Berg',      'lars@nordlys.no',              '+47 22 00 00 04',      'Founder',           'Nordlys',          'nordlys.no',        'Retail',        12,    'NO', 40,   'bulk_upload',   7,       'routed',  NULL,                  1,        NULL,                             interval '2 minutes', NULL),
    ('05', '03', 'Chen',   'Wei',       'chen.wei@quantix.ai',          '+1 650 555 0105',      'ML Lead',           'Quantix',          'quantix.ai',        'AI',            80,    'US', 68,   'audience_labs', 9,       'routed',  NULL,                  2,        NULL,                             interval '3 minutes', NULL),
    ('06', '03', 'Maria',  'Gomez',     ' Maria.Gomez@ACME.io ',        '14155550101',          'VP of Engineering', 'ACME Inc',         'acme.io',           'software',      250,   'US', 80,   'datashopper',   6,       'routed',  NULL,                  1,        NULL,                             interval '1 minute', NULL),
    ('07', '03', 'Priya',  'Nair',      'priya@finlytics.in',           '+91 98765 43210',      'Analyst',           'Finlytics',        'finlytics.in',      'Fintech',       60,    'IN', 55,   'bulk_upload',   5,       'routed',  NULL,                  2,        NULL,                             interval '3 minutes', NULL),
    ('08', '04', 'Jonas',  'Weber',     'jonas.weber@kraftwerk.de',     '+49 30 1234567',       'Sales Director',    'Kraftwerk',        'kraftwerk.de',      'Manufacturing', 1900,  'DE', 73,   'web_form',      30,      'routed',  NULL,                  1,        NULL,                             interval '1 minute', NULL),
    ('09', '02', 'Emma',   'Dubois',    'emma@lumiere.fr',              '+33 1 23 45 67 89',    'CMO',               'Lumiere',          'lumiere.fr',        'Media',         40,    'FR', 60,   'web_form',      4,       'routed',  NULL,                  1,        NULL,                             interval '1 minute', NULL),
    ('10', '03', 'Sam',    'Okafor',    'sam@payflow.ng',               '+234 803 000 0010',    'VP Operations',     'Payflow',          'payflow.ng',        'Fintech',       150,   'NG', 70,   'audience_labs', 3,       'routed',  NULL,                  2,        NULL,                             interval '2 minutes', NULL),
    ('11', '01', 'Noah',   'Fischer',   'noah@tiny.dev',                NULL,                   'Developer',         'TinyDev',          'tiny.dev',          'Software',      5,     'DE', 20,   'web_form',      0.003,   'pending', NULL,                  0,        NULL,                             NULL,                NULL),
    ('12', '01', 'Lucia',  'Rossi',     'lucia@moda.it',                '+39 06 1234 5678',     'Buyer',             'Moda',             'moda.it',           'Retail',        45,    'IT', 35,   'bulk_upload',   0.01,    'pending', NULL,                  1,        'No matching rule',               interval '14 minutes', NULL),
    ('13', '01', 'Ben',    'Carter',    'ben@carterlogistics.com',      '+1 312 555 0113',      'Owner',             'Carter Logistics', 'carterlogistics.com','Logistics',    20,    'US', 30,   'datashopper',   0.02,    'pending', NULL,                  2,        'No matching rule',               interval '26 minutes', NULL),
    ('14', '02', 'Hana',   'Sato',      'hana@sakura.jp',               '+81 3 1234 5678',      'Product Manager',   'Sakura',           'sakura.jp',         'Media',         300,   'JP', 50,   'bulk_upload',   0.01,    'pending', NULL,                  1,        'Partner API unavailable',        interval '14 minutes', NULL),
    ('15', '01', 'Diego',  'Ruiz',      'diego@andes.cl',               '+56 2 2123 4567',      'CEO',               'Andes',            'andes.cl',          'Energy',        75,    'CL', 45,   'web_form',      0.02,    'pending', NULL,                  2,        'No matching rule',               interval '28 minutes', NULL),
    ('16', '01', 'Grace',  'Lee',       'grace@healthbridge.kr',        '+82 2 555 0116',       'Director',          'HealthBridge',     'healthbridge.kr',   'Healthcare',    400,   'KR', 66,   'audience_labs', 0.1,     'pending', NULL,                  3,        'Partner webhook timeout',        interval '140 minutes', NULL),
    ('17', '01', 'Oscar',  'Lind',      'oscar@oldlead.se',             '+46 8 123 456',        'Buyer',             'OldLead',          'oldlead.se',        'Retail',        10,    'SE', 15,   'bulk_upload',   100,     'pending', NULL,                  0,        NULL,                             NULL,                interval '90 days'),
    ('18', '02', 'Ravi',   'Patel',     'ravi@spicetrade.in',           '+91 22 5555 0118',     'Owner',             'SpiceTrade',       'spicetrade.in',     'Agriculture',   8,     'IN', 25,   'bulk_upload',   1,       'pending', NULL,                  2,        'No matching rule',               interval '17 hours', NULL),
    ('19', '01', 'Mia',    'Novak',     'mia@zagreb-tools.hr',          '+385 1 234 5678',      'Engineer',          'ZagrebTools',      'zagreb-tools.hr',   'Manufacturing', 35,    'HR', 20,   'web_form',      2,       'failed',  NULL,                  3,        'No matching rule',               interval '7 minutes', NULL),
    ('20', '02', 'Leo',    'Martin',    'leo@boulangerie.fr',           NULL,                   'Owner',             'La Boulangerie',   'boulangerie.fr',    'Food',          3,     'FR', 10,   'bulk_upload',   2,       'failed',  NULL,                  3,        'Destination workspace inactive', interval '7 minutes', NULL),
    ('21', '01', 'Ada',    'Byrne',     'ada@oldco.ie',                 '+353 1 555 0121',      'Buyer',             'OldCo',            'oldco.ie',          'Retail',        22,    'IE', 12,   'bulk_upload',   120,     'expired', NULL,                  0,        NULL,                             NULL,                interval '90 days'),
    ('22', '01', 'Ivan',   'Petrov',    'ivan@steppe.kz',               '+7 727 555 0122',      'Manager',           'Steppe',           'steppe.kz',         'Mining',        500,   'KZ', 18,   'datashopper',   95,      'expired', NULL,                  3,        'No matching rule',               interval '7 minutes', interval '90 days'),
    ('23', '01', 'Zoe',    'Clark',     'zoe@fresh.io',                 '+1 415 555 0123',      'Founder',           'Fresh',            'fresh.io',          'SaaS',          15,    'US', 88,   'web_form',      0.001,   'routing', interval '30 seconds',  1,        NULL,                             interval '56 seconds', NULL),
    ('24', '02', 'Yusuf',  'Demir',     'yusuf@bosphorus.com.tr',       '+90 212 555 0124',     'Buyer',             'Bosphorus',        'bosphorus.com.tr',  'Retail',        60,    'TR', 33,   'bulk_upload',   0.05,    'routing', interval '20 minutes',  1,        NULL,                             interval '52 minutes', NULL),
    ('25', '01', 'Nina',   'Kowalski',  'nina@vistula.pl',              '+48 22 555 0125',      'CTO',               'Vistula',          'vistula.pl',        'Software',      220,   'PL', 71,   'audience_labs', 0.2,     'routing', interval '2 hours',     2,        'Partner API unavailable',        interval '168 minutes', NULL),
    ('26', '03', 'Elena',  'Popescu',   'elena@carpathia.ro',           '+40 21 555 0126',      'CFO',               'Carpathia Finance','carpathia.ro',      'Finance',       700,   'RO', 64,   'datashopper',   400,     NULL,      NULL,                  NULL,     NULL,                             NULL,                NULL),
    ('27', '01', 'Kofi',   'Mensah',    'kofi@accra-digital.gh',        NULL,                   'Founder',           'Accra Digital',    'accra-digital.gh',  'Software',      25,    'GH', 52,   'web_form',      20,      NULL,      NULL,                  NULL,     NULL,                             NULL,                NULL),
    ('28', '04', 'Sara',   'Lindqvist', 'sara@fjord.no',                '+47 21 555 0128',      'COO',               'Fjord',            'fjord.no',          'Logistics',     1500,  'NO', 70,   'datashopper',   200,     NULL,      NULL,                  NULL,     NULL,                             NULL,                NULL),
    ('29', '03', 'Marco',  'Bianchi',   'marco@ferro.it',               '+39 02 555 0129',      'Buyer',             'Ferro',            'ferro.it',          'Manufacturing', 90,    'IT', 41,   'web_form',      150,     NULL,      NULL,                  NULL,     NULL,                             NULL,                NULL),
    ('30', '06', 'Aiko',   'Tanaka',    'aiko@hikari.jp',               '+81 6 555 0130',       'Marketing Lead',    'Hikari',           'hikari.jp',         'Media',         120,   'JP', 58,   'web_form',      60,      NULL,      NULL,                  NULL,     NULL,                             NULL,                NULL),
    ('31', '04', 'Elena',  'Popescu',   'ELENA@carpathia.ro',           '+40 (21) 555-0126',    'Chief Financial Officer','Carpathia Finance','carpathia.ro',  'Finance',       700,   'RO', 64,   'bulk_upload',   380,     NULL,      NULL,                  NULL,     NULL,                             NULL,                NULL),
    ('32', '01', 'Tom',    'Becker',    'TOM@hooli.com',                '+1-212-555-0102',      'Chief Technology Officer','Hooli',     'hooli.com',         'Healthcare',    1200,  'US', 90,   'bulk_upload',   0.0014,  'pending', NULL,                  0,        NULL,                             NULL,                NULL),
    ('33', '03', 'Olivia', 'Brown',     'olivia@brightpath.com.au',     '+61 2 9876 5432',      'Marketing Manager', 'BrightPath',       'brightpath.com.au', 'Education',     30,    'AU', 47,   'bulk_upload',   6,       'routed',  NULL,                  1,        NULL,                             interval '1 minute', NULL),
    ('34', '05', 'Pablo',  'Serrano',   'pablo@tiendas.es',             '+34 91 555 0134',      'Buyer',             'Tiendas',          'tiendas.es',        'Retail',        310,   'ES', 44,   'web_form',      210,     'routed',  NULL,                  1,        NULL,                             interval '1 minute', NULL),
    ('35', '02', 'Aisha',  'Khan',      'aisha.khan@globalbank.co.uk',  '+44 (0)20 7946 0958',  'Head of Data',      'Global Bank',      'globalbank.co.uk',  'Fintech',       5000,  'GB', 79,   'bulk_upload',   0.002,   'pending', NULL,                  0,        NULL,                             NULL,                NULL)
  ) AS v(n, owner, first_name, last_name, email, phone, job_title, company, domain, industry, size,
         location, score, source, created_days, status, locked, attempts, error, last_attempt, expires);

-- the application's own table (A19)
INSERT INTO lead_notes (lead_id, author_id, body) VALUES
    ('5eed1ead-0000-4000-8000-000000000001', '5eed0b00-0000-4000-8000-000000000003', 'Demo booked for Tuesday'),
    ('5eed1ead-0000-4000-8000-000000000002', '5eed0b00-0000-4000-8000-000000000004', 'Wants a quote for 1,200 seats'),
    ('5eed1ead-0000-4000-8000-000000000011', '5eed0b00-0000-4000-8000-000000000002', 'Came in through the pricing page'),
    ('5eed1ead-0000-4000-8000-000000000026', '5eed0b00-0000-4000-8000-000000000003', 'Legacy import, 2025');

------------------------------------------------------------------------------------------
-- Retry queue.  created / due / processed: offsets from now() (negative = in the past).
------------------------------------------------------------------------------------------

INSERT INTO lead_routing_queue (id, lead_id, workspace_id, attempt_number, max_attempts, next_retry_at,
                                last_error, processed_at, created_at)
SELECT ('5eed0d00-0000-4000-8000-0000000000' || v.n)::uuid,
       ('5eed1ead-0000-4000-8000-0000000000' || v.lead)::uuid,
       ('5eed0a00-0000-4000-8000-0000000000' || v.ws)::uuid,
       v.attempt, v.max_attempts, now() + v.due, v.error, now() + v.processed, now() + v.created
  FROM (VALUES
    -- n,   lead, ws,   attempt, max, due,                            error,                       processed,                      created
    ('01', '05', '01', 2, 3, interval '-9 days' + interval '4 minutes', 'Rule evaluation timeout', interval '-9 days' + interval '5 minutes', interval '-9 days' + interval '3 minutes'),
    ('02', '07', '02', 2, 3, interval '-5 days' + interval '4 minutes', 'Partner API unavailable', interval '-5 days' + interval '4 minutes', interval '-5 days' + interval '3 minutes'),
    ('03', '10', '01', 2, 3, interval '-3 days' + interval '3 minutes', 'Partner API unavailable', NULL,                                     interval '-3 days' + interval '2 minutes'),
    ('04', '12', '01', 2, 3, interval '40 seconds',                  'No matching rule',          NULL,                                     interval '-20 seconds'),
    ('05', '13', '01', 2, 3, interval '-26 minutes',                 'No matching rule',          interval '-25 minutes',                   interval '-27 minutes'),
    ('06', '13', '01', 3, 3, interval '3 minutes',                   'No matching rule',          NULL,                                     interval '-2 minutes'),
    ('07', '14', '02', 2, 3, NULL,                                   'Partner API unavailable',   NULL,                                     interval '-30 seconds'),
    ('08', '15', '01', 2, 3, interval '-5 minutes',                  'No matching rule',          NULL,                                     interval '-6 minutes'),
    ('09', '15', '01', 3, 3, interval '4 minutes',                   'No matching rule',          NULL,                                     interval '-1 minute'),
    ('10', '16', '01', 2, 5, interval '-2 hours',                    'Partner webhook timeout',   interval '-119 minutes',                  interval '-121 minutes'),
    ('11', '16', '01', 3, 5, interval '-50 minutes',                 'Partner webhook timeout',   interval '-49 minutes',                   interval '-55 minutes'),
    ('12', '16', '01', 4, 5, interval '10 minutes',                  'Partner webhook timeout',   NULL,                                     interval '-5 minutes'),
    ('13', '18', '02', 3, 3, interval '-2 hours',                    'No matching rule',          NULL,                                     interval '-7 hours'),
    ('14', '19', '01', 2, 3, interval '-2 days' + interval '1 minute', 'No matching rule',        interval '-2 days' + interval '1 minute', interval '-2 days'),
    ('15', '19', '01', 3, 3, interval '-2 days' + interval '6 minutes', 'No matching rule',       interval '-2 days' + interval '6 minutes', interval '-2 days' + interval '1 minute'),
    ('16', '20', '02', 2, 3, interval '-2 days' + interval '1 minute', 'Destination workspace inactive', interval '-2 days' + interval '1 minute', interval '-2 days'),
    ('17', '20', '02', 3, 3, interval '-2 days' + interval '6 minutes', 'Destination workspace inactive', interval '-2 days' + interval '6 minutes', interval '-2 days' + interval '1 minute'),
    ('18', '22', '01', 2, 3, interval '-95 days' + interval '1 minute', 'No matching rule',       interval '-95 days' + interval '1 minute', interval '-95 days'),
    ('19', '22', '01', 3, 3, interval '-95 days' + interval '6 minutes', 'No matching rule',      interval '-95 days' + interval '6 minutes', interval '-95 days' + interval '1 minute'),
    ('20', '25', '01', 2, 3, interval '-125 minutes',                'Partner API unavailable',   NULL,                                     interval '-126 minutes')
  ) AS v(n, lead, ws, attempt, max_attempts, due, error, processed, created);

------------------------------------------------------------------------------------------
-- Audit log: one row per result the seed writes (A15).  at: offset from now().
------------------------------------------------------------------------------------------

INSERT INTO lead_routing_logs (id, lead_id, source_workspace_id, destination_workspace_id, matched_rule_id,
                               routing_result, error_message, created_at)
SELECT ('5eed0e00-0000-4000-8000-0000000000' || v.n)::uuid,
       ('5eed1ead-0000-4000-8000-0000000000' || v.lead)::uuid,
       ('5eed0a00-0000-4000-8000-0000000000' || v.src)::uuid,
       ('5eed0a00-0000-4000-8000-0000000000' || v.dst)::uuid,
       ('5eed0c00-0000-4000-8000-0000000000' || v.rule)::uuid,
       v.result, v.error, now() + v.at
  FROM (VALUES
    -- n,   lead, src,  dst,  rule,  result,            error,                              at
    ('01', '01', '01', '03', '01',  'success',         NULL,                               interval '-10 days' + interval '1 minute'),
    ('02', '02', '01', '04', '02',  'success',         NULL,                               interval '-9 days' + interval '1 minute'),
    ('03', '03', '01', '04', '03',  'success',         NULL,                               interval '-8 days' + interval '1 minute'),
    ('04', '04', '02', '03', '05',  'success',         NULL,                               interval '-7 days' + interval '2 minutes'),
    ('05', '05', '01', NULL, NULL,  'retry_scheduled', 'Rule evaluation timeout',          interval '-9 days' + interval '3 minutes'),
    ('06', '05', '01', '03', '01',  'success',         NULL,                               interval '-9 days' + interval '5 minutes'),
    ('07', '06', '02', '03', NULL,  'success',         NULL,                               interval '-6 days' + interval '1 minute'),
    ('08', '07', '02', NULL, NULL,  'retry_scheduled', 'Partner API unavailable',          interval '-5 days' + interval '3 minutes'),
    ('09', '07', '03', '03', '05',  'success',         NULL,                               interval '-5 days' + interval '4 minutes'),
    ('0a', '08', '04', '04', '03',  'success',         NULL,                               interval '-30 days' + interval '1 minute'),
    ('0b', '09', '01', '02', NULL,  'manual_override', 'Moved by support (ticket 4411)',   interval '-4 days' + interval '1 hour'),
    ('0c', '10', '01', NULL, NULL,  'retry_scheduled', 'Partner API unavailable',          interval '-3 days' + interval '2 minutes'),
    ('0d', '10', '01', '03', '04',  'success',         NULL,                               interval '-3 days' + interval '3 minutes'),
    ('0e', '12', '01', NULL, NULL,  'retry_scheduled', 'No matching rule',                 interval '-20 seconds'),
    ('0f', '13', '01', NULL, NULL,  'retry_scheduled', 'No matching rule',                 interval '-27 minutes'),
    ('10', '13', '01', NULL, NULL,  'retry_scheduled', 'No matching rule',                 interval '-2 minutes'),
    ('11', '14', '02', NULL, NULL,  'retry_scheduled', 'Partner API unavailable',          interval '-30 seconds'),
    ('12', '15', '01', NULL, NULL,  'retry_scheduled', 'No matching rule',                 interval '-6 minutes'),
    ('13', '15', '01', NULL, NULL,  'retry_scheduled', 'No matching rule',                 interval '-1 minute'),
    ('14', '16', '01', NULL, NULL,  'retry_scheduled', 'Partner webhook timeout',          interval '-121 minutes'),
    ('15', '16', '01', NULL, NULL,  'retry_scheduled', 'Partner webhook timeout',          interval '-55 minutes'),
    ('16', '16', '01', NULL, NULL,  'retry_scheduled', 'Partner webhook timeout',          interval '-5 minutes'),
    ('17', '18', '02', NULL, NULL,  'lock_released',   'Stale lock released',              interval '-10 hours'),
    ('18', '18', '02', NULL, NULL,  'retry_scheduled', 'No matching rule',                 interval '-7 hours'),
    ('19', '19', '01', NULL, NULL,  'retry_scheduled', 'No matching rule',                 interval '-2 days'),
    ('1a', '19', '01', NULL, NULL,  'retry_scheduled', 'No matching rule',                 interval '-2 days' + interval '1 minute'),
    ('1b', '19', '01', NULL, NULL,  'failed',          'No matching rule',                 interval '-2 days' + interval '6 minutes'),
    ('1c', '20', '02', NULL, NULL,  'retry_scheduled', 'Destination workspace inactive',   interval '-2 days'),
    ('1d', '20', '02', NULL, NULL,  'retry_scheduled', 'Destination workspace inactive',   interval '-2 days' + interval '1 minute'),
    ('1e', '20', '02', NULL, NULL,  'failed',          'Destination workspace inactive',   interval '-2 days' + interval '6 minutes'),
    ('1f', '21', '01', NULL, NULL,  'expired',         NULL,                               interval '-30 days' + interval '2 hours'),
    ('20', '22', '01', NULL, NULL,  'retry_scheduled', 'No matching rule',                 interval '-95 days'),
    ('21', '22', '01', NULL, NULL,  'retry_scheduled', 'No matching rule',                 interval '-95 days' + interval '1 minute'),
    ('22', '22', '01', NULL, NULL,  'failed',          'No matching rule',                 interval '-95 days' + interval '6 minutes'),
    ('23', '22', '01', NULL, NULL,  'expired',         NULL,                               interval '-5 days' + interval '2 hours'),
    ('24', '23', '01', NULL, NULL,  'lock_failed',     'Lock acquisition failed',          interval '-20 seconds'),
    ('25', '25', '01', NULL, NULL,  'retry_scheduled', 'Partner API unavailable',          interval '-126 minutes'),
    ('26', '28', '01', '04', NULL,  'routed',          NULL,                               interval '-200 days' + interval '1 hour'),
    ('27', '29', '03', NULL, NULL,  'lock_failed',     'Lock acquisition failed',          interval '-150 days' + interval '1 hour'),
    ('28', '33', '02', '03', '05',  'success',         NULL,                               interval '-6 days' + interval '1 minute'),
    ('29', '34', '01', '05', '07',  'success',         NULL,                               interval '-210 days' + interval '1 minute')
  ) AS v(n, lead, src, dst, rule, result, error, at);
