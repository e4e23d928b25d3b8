# A routing session dies with SIGKILL, so the postmaster restarts every backend.  A lock it
# had committed is recovered by release_stale_routing_locks and the lead is routed; a lock
# inside its open transaction simply never happened.  No queue or audit row is lost or
# doubled.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'lead_router'
lead_router.database = 'postgres'
lead_router.worker_enabled = off
restart_after_crash = on
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION lead_router;
INSERT INTO lead_router.workspaces (id, name, workspace_type) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'Inbound', 'internal'),
    ('00000000-0000-0000-0000-0000000000b1', 'Partner', 'partner');
INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id)
VALUES ('00000000-0000-0000-0000-0000000000a1', 'all', '{}', '00000000-0000-0000-0000-0000000000b1');
INSERT INTO lead_router.leads (id, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1'),
    ('10000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-0000000000a1');
-- lead 1 already failed once: it has an open queue row
SELECT lead_router.acquire_routing_lock('10000000-0000-0000-0000-000000000001', gen_random_uuid());
SELECT lead_router.fail_routing('10000000-0000-0000-0000-000000000001', 'partner down',
       (SELECT routing_locked_by FROM lead_router.leads WHERE id = '10000000-0000-0000-0000-000000000001'));
});

# The doomed session: lead 1 locked and committed, lead 2 locked in an open transaction.
my $session = $node->background_psql('postgres');
my $pid = $session->query_safe('SELECT pg_backend_pid()');
$session->query_safe(q{SELECT lead_router.acquire_routing_lock(
    '10000000-0000-0000-0000-000000000001', '0000000a-0000-0000-0000-000000000001')});
$session->query_safe('BEGIN');
$session->query_safe(q{SELECT lead_router.acquire_routing_lock(
    '10000000-0000-0000-0000-000000000002', '0000000a-0000-0000-0000-000000000001')});

kill 'KILL', $pid;
ok($node->poll_query_until('postgres', 'SELECT 1', '1'), 'the server is back after the crash');
ok($node->log_contains("terminated by signal 9"), 'the postmaster saw the backend die');
eval { $session->quit; };

is($node->safe_psql('postgres', q{
SELECT string_agg(right(id::text, 1) || '=' || routing_status, ' ' ORDER BY id) FROM lead_router.leads}),
	'1=routing 2=pending', 'the committed lock survived, the uncommitted one never happened');

# The stale lock is released (here after 1 second instead of lead_router.lock_timeout).
sleep 2;
is($node->safe_psql('postgres', "SELECT lead_router.release_stale_routing_locks('1 second')"),
	'1', 'release_stale_routing_locks recovers the lead');
is($node->safe_psql('postgres', q{
SELECT string_agg(status, ' ') FROM (
    SELECT (lead_router.route_lead(id)).status FROM lead_router.leads ORDER BY id) s}),
	'routed routed', 'both leads are routed');

is($node->safe_psql('postgres', q{
SELECT string_agg(right(lead_id::text, 1) || ':' || routing_result || '@' || attempt, ' ' ORDER BY id)
  FROM lead_router.routing_logs}),
	'1:locked@1 1:retry@1 1:locked@2 1:released@2 1:success@3 2:success@1',
	'the audit trail has each step exactly once, nothing from the rolled-back lock');
is($node->safe_psql('postgres', q{
SELECT count(*) || ' rows, ' || count(*) FILTER (WHERE processed_at IS NULL) || ' open'
  FROM lead_router.routing_queue}),
	'1 rows, 0 open', 'the queue row of the failed attempt is kept and closed, none doubled');

$node->stop;
done_testing();
