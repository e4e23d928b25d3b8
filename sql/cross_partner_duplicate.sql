-- check_cross_partner_duplicate: routed leads with the same dedupe hash owned by a partner
-- workspace other than the source; internal workspaces and duplicates themselves don't count.
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;

-- the same person arrived five times; where each copy ended up decides what counts
INSERT INTO leads (id, email, source_workspace_id, workspace_id, routing_status, created_at) VALUES
    ('10000000-0000-0000-0000-000000000001', 'ann@x.com',   :'inbound',  :'partner1', 'routed',  '2026-01-01'),
    ('10000000-0000-0000-0000-000000000002', ' ANN@x.com',  :'inbound2', :'partner2', 'routed',  '2026-01-02'),
    ('10000000-0000-0000-0000-000000000003', 'ann@X.com',   :'inbound',  :'inbound2', 'routed',  '2026-01-03'),
    ('10000000-0000-0000-0000-000000000004', 'ann@x.com ',  :'inbound',  :'inbound',  'pending', '2026-01-04'),
    ('10000000-0000-0000-0000-000000000005', 'ann@x.com',   :'retired',  :'retired',  'routed',  '2026-01-05');
INSERT INTO leads (id, email, source_workspace_id, workspace_id, routing_status, duplicate_of) VALUES
    ('10000000-0000-0000-0000-000000000006', 'ann@x.com',   :'partner2', :'partner2', 'routed',
     '10000000-0000-0000-0000-000000000001');
SELECT generate_dedupe_hash('ann@x.com', NULL, NULL) AS ann_hash \gset

-- from an internal source: every partner owner (oldest first), including an inactive one;
-- not the internal copy, not the pending one, not the duplicate
SELECT right(id::text, 2) AS lead, right(workspace_id::text, 2) AS owner
  FROM check_cross_partner_duplicate(:'ann_hash', :'inbound');
-- from partner one's view: the other partners only
SELECT right(id::text, 2) AS lead, right(workspace_id::text, 2) AS owner
  FROM check_cross_partner_duplicate(:'ann_hash', :'partner1');
-- a NULL source compares with nothing: every partner owner
SELECT count(*) AS owners FROM check_cross_partner_duplicate(:'ann_hash', NULL);
-- another identity: none
SELECT count(*) AS owners FROM check_cross_partner_duplicate(generate_dedupe_hash('bob@x.com', NULL, NULL), :'inbound');
-- no identity: none
SELECT count(*) AS owners FROM check_cross_partner_duplicate(NULL, :'inbound');

-- a malformed hash is an error, not an empty answer
SELECT pg_temp.error_of($$SELECT * FROM lead_router.check_cross_partner_duplicate('abc', NULL)$$) AS short_hash;
SELECT pg_temp.error_of(format('SELECT * FROM lead_router.check_cross_partner_duplicate(%L, NULL)', upper(:'ann_hash'))) AS upper_case_hash;
SELECT pg_temp.error_of(format('SELECT * FROM lead_router.check_cross_partner_duplicate(%L, NULL)', repeat('z', 1000000))) AS huge_hash;

-- the lookup is index-backed: the partial index of routed originals serves it
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT l.id, l.workspace_id
  FROM lead_router.leads l JOIN lead_router.workspaces w ON w.id = l.workspace_id
 WHERE l.dedupe_hash = 'x' AND l.routing_status = 'routed' AND l.duplicate_of IS NULL
   AND l.workspace_id IS DISTINCT FROM '00000000-0000-0000-0000-0000000000a1'::uuid
   AND w.workspace_type = 'partner';
RESET enable_seqscan;

\i sql/fixtures/teardown.sql
