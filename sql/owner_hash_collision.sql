-- The owner indexes are hash indexes: a lookup returns every routed original whose key has
-- the same 32-bit hash code, and only an equal key makes a duplicate.  The emails below were
-- found to have email keys with one hash code (a birthday search over 300,000 addresses).
\i sql/fixtures/setup.sql
SET search_path = lead_router, public;

INSERT INTO routing_rules (workspace_id, name, conditions, destination_workspace_id) VALUES
    (:'inbound', 'everything', '{}', :'partner1'),
    (:'inbound2', 'everything', '{}', :'partner2');
INSERT INTO leads (id, email, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000007201', 'p115543@example.com', :'inbound'),
    ('10000000-0000-0000-0000-000000007202', 'p158559@example.com', :'inbound2'),
    ('10000000-0000-0000-0000-000000007203', 'P115543@Example.com', :'inbound2');

-- the precondition: two different keys, one hash code
SELECT a.email_key <> b.email_key AS different_keys, hashtext(a.email_key) = hashtext(b.email_key) AS same_hash_code
  FROM leads a, leads b
 WHERE a.id = '10000000-0000-0000-0000-000000007201' AND b.id = '10000000-0000-0000-0000-000000007202';

SELECT status, right(destination_workspace_id::text, 2) AS destination
  FROM route_lead('10000000-0000-0000-0000-000000007201');
-- the other key with the same hash code is nobody's duplicate, by route_lead ...
SELECT status, right(destination_workspace_id::text, 2) AS destination, duplicate_key
  FROM route_lead('10000000-0000-0000-0000-000000007202');
-- ... or in a batch; the same person is
SELECT status, right(duplicate_lead_id::text, 4) AS original, duplicate_key
  FROM route_pending_leads(10);
SELECT right(duplicate_lead_id::text, 4) AS duplicate_of_lead, matched_key
  FROM find_lead_duplicates('10000000-0000-0000-0000-000000007202');
SELECT right(duplicate_lead_id::text, 4) AS duplicate_of_lead, matched_key
  FROM find_lead_duplicates('10000000-0000-0000-0000-000000007203');

\i sql/fixtures/teardown.sql
