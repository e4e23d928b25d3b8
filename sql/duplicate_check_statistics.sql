-- The duplicate check reads only the owner-index entries of the keys it asks about, whatever
-- the planner's statistics say.  A bulk load analysed while none of its leads was routed, then
-- routed, leaves owner indexes far larger than the statistics claim: a planned lookup could
-- then read a whole owner index for every lead (the three share one predicate).
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;

INSERT INTO routing_rules (workspace_id, name, conditions, destination_workspace_id) VALUES
    (:'inbound2', 'everything', '{}', :'partner2');
INSERT INTO leads (email, phone, source_workspace_id)
SELECT 'bulk' || i || '@stats.example', '+1 212 555 ' || lpad(i::text, 4, '0'), :'inbound2'
  FROM generate_series(1, 2000) i;
ANALYZE leads;
SELECT 'SELECT count(*) FROM lead_router.route_pending_leads(10000)' FROM generate_series(1, 10) \gexec
SELECT routing_status, count(*) FROM leads GROUP BY 1;

-- one more lead, nobody's duplicate: it reads no owner-index entry at all
INSERT INTO leads (id, email, phone, source_workspace_id)
VALUES ('10000000-0000-0000-0000-000000007101', 'one@stats.example', '+1 212 555 9999', :'inbound2');
SET stats_fetch_consistency = none;
SELECT pg_stat_force_next_flush();
SELECT sum(idx_tup_read) AS reads FROM pg_stat_user_indexes
 WHERE schemaname = 'lead_router'
   AND indexrelname IN ('leads_email_owner_idx', 'leads_phone_owner_idx', 'leads_dedupe_owner_idx') \gset before_
SELECT status, pg_stat_force_next_flush() IS NOT NULL AS flushed
  FROM route_lead('10000000-0000-0000-0000-000000007101');
SELECT sum(idx_tup_read) - :before_reads AS owner_index_entries_read FROM pg_stat_user_indexes
 WHERE schemaname = 'lead_router'
   AND indexrelname IN ('leads_email_owner_idx', 'leads_phone_owner_idx', 'leads_dedupe_owner_idx');

-- a duplicate by phone reads that key's one entry
INSERT INTO leads (id, email, phone, source_workspace_id)
VALUES ('10000000-0000-0000-0000-000000007102', 'two@stats.example', '+1 212 555 0042', :'inbound2');
SELECT pg_stat_force_next_flush();
SELECT sum(idx_tup_read) AS reads FROM pg_stat_user_indexes
 WHERE schemaname = 'lead_router'
   AND indexrelname IN ('leads_email_owner_idx', 'leads_phone_owner_idx', 'leads_dedupe_owner_idx') \gset before_
SELECT status, duplicate_key, pg_stat_force_next_flush() IS NOT NULL AS flushed
  FROM route_lead('10000000-0000-0000-0000-000000007102');
SELECT sum(idx_tup_read) - :before_reads AS owner_index_entries_read FROM pg_stat_user_indexes
 WHERE schemaname = 'lead_router'
   AND indexrelname IN ('leads_email_owner_idx', 'leads_phone_owner_idx', 'leads_dedupe_owner_idx');
RESET stats_fetch_consistency;

\i sql/fixtures/teardown.sql
