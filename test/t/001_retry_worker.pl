# The background worker: waits quietly for CREATE EXTENSION, drains the retry queue without
# any manual call, comes back after pg_terminate_backend, reloads its naptime on SIGHUP,
# shares the queue with process_retry_queue() without processing a row twice, checkpoints
# the distribution state of shared memory, stops promptly on a fast shutdown, and does
# nothing on a standby.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $node = PostgreSQL::Test::Cluster->new('primary');
$node->init(allows_streaming => 1);
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'lead_router'
lead_router.database = 'postgres'
lead_router.worker_naptime = '500ms'
});
$node->start;

my $worker_is = sub {
	my ($condition) = @_;
	return "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'lead_router worker' AND $condition";
};

ok($node->poll_query_until('postgres', $worker_is->("query LIKE '%waiting for CREATE EXTENSION%'")),
	'the worker waits quietly while the extension does not exist');
ok(!$node->log_contains('lead_router.*ERROR|ERROR.*lead_router'), 'and logs no error meanwhile');

$node->safe_psql('postgres', q{
CREATE EXTENSION lead_router;
INSERT INTO lead_router.workspaces (id, name, workspace_type) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'Inbound', 'internal'),
    ('00000000-0000-0000-0000-0000000000b1', 'Partner', 'partner');
INSERT INTO lead_router.leads (id, company_industry, source_workspace_id)
VALUES ('10000000-0000-0000-0000-000000000001', 'software', '00000000-0000-0000-0000-0000000000a1');
});

# A lead that matches no rule is queued for a retry a minute from now.
is($node->safe_psql('postgres',
		"SELECT status FROM lead_router.route_lead('10000000-0000-0000-0000-000000000001')"),
	'queued', 'a lead that matches no rule is queued');

# Once a rule exists and the retry is due, the worker routes it with no manual call.
$node->safe_psql('postgres', q{
INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id)
VALUES ('00000000-0000-0000-0000-0000000000a1', 'software', '{"company_industry": "software"}',
        '00000000-0000-0000-0000-0000000000b1');
UPDATE lead_router.routing_queue SET next_retry_at = now() WHERE processed_at IS NULL;
UPDATE lead_router.leads SET routing_due_at = now() WHERE routing_status = 'pending';
});
my $started = time;
ok($node->poll_query_until('postgres',
		"SELECT routing_status = 'routed' FROM lead_router.leads WHERE id = '10000000-0000-0000-0000-000000000001'"),
	'the worker routes the due lead');
my $took = time - $started;
cmp_ok($took, '<', 10, sprintf('within a few seconds (%.1f s)', $took));
is($node->safe_psql('postgres',
		"SELECT count(*) FROM lead_router.routing_logs WHERE routing_result = 'success'"),
	'1', 'one success audit row');

ok($node->poll_query_until('postgres', $worker_is->("query LIKE 'lead_router worker: idle%'")),
	'pg_stat_activity shows the worker as backend_type "lead_router worker" with its state');

# pg_terminate_backend: the postmaster starts it again.
my $pid = $node->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE backend_type = 'lead_router worker'");
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
ok($node->poll_query_until('postgres', $worker_is->("pid <> $pid")),
	'the worker is restarted after pg_terminate_backend');

# SIGHUP: a new naptime is used at once.
$node->safe_psql('postgres', "ALTER SYSTEM SET lead_router.worker_naptime = '7s'");
$node->safe_psql('postgres', "SELECT pg_reload_conf()");
ok($node->poll_query_until('postgres', $worker_is->("query LIKE '%naptime 7000 ms%'")),
	'ALTER SYSTEM + reload changes the naptime');
$node->safe_psql('postgres', "ALTER SYSTEM SET lead_router.worker_naptime = '200ms'");
$node->safe_psql('postgres', "SELECT pg_reload_conf()");
ok($node->poll_query_until('postgres', $worker_is->("query LIKE '%naptime 200 ms%'")),
	'and back');

# 2,000 due rows drained by the worker and a loop calling process_retry_queue() at once:
# every row is processed exactly once.
$node->safe_psql('postgres', q{
INSERT INTO lead_router.leads (company_industry, source_workspace_id)
SELECT 'mining', '00000000-0000-0000-0000-0000000000a1' FROM generate_series(1, 2000);
-- one call routes at most its share of the lock table: call until every lead is queued
DO $$ BEGIN
    LOOP
        EXIT WHEN (SELECT count(*) FROM lead_router.route_pending_leads(2000)) = 0;
    END LOOP;
END $$;
INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id)
VALUES ('00000000-0000-0000-0000-0000000000a1', 'mining', '{"company_industry": "mining"}',
        '00000000-0000-0000-0000-0000000000b1');
});
is($node->safe_psql('postgres',
		"SELECT count(*) FROM lead_router.routing_queue WHERE processed_at IS NULL"),
	'2000', '2,000 leads wait in the queue');
my $loop = $node->background_psql('postgres');
$node->safe_psql('postgres', q{
UPDATE lead_router.routing_queue SET next_retry_at = now() WHERE processed_at IS NULL;
UPDATE lead_router.leads SET routing_due_at = now() WHERE routing_status = 'pending';
});
$loop->query_safe(q{
CREATE PROCEDURE pg_temp.drain(INOUT total int) LANGUAGE plpgsql AS $$
DECLARE
    n int;
BEGIN
    LOOP
        SELECT processed INTO n FROM lead_router.process_retry_queue(50);
        total := total + n;
        COMMIT;
        EXIT WHEN NOT EXISTS (SELECT 1 FROM lead_router.routing_queue
                               WHERE processed_at IS NULL AND next_retry_at <= now());
    END LOOP;
END $$});
my $manual = $loop->query_safe('CALL pg_temp.drain(0)');
note("process_retry_queue() processed $manual of the 2,000 rows, the worker the rest");
$loop->quit;
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM lead_router.routing_queue WHERE processed_at IS NULL"),
	'the queue is drained');
is($node->safe_psql('postgres', q{
SELECT count(*) FILTER (WHERE routing_status = 'routed') || ' routed, '
       || count(*) FILTER (WHERE routing_status <> 'routed') || ' other'
  FROM lead_router.leads WHERE company_industry = 'mining'}),
	'2000 routed, 0 other', 'every lead is routed');
is($node->safe_psql('postgres', q{
SELECT count(*) FROM (SELECT lead_id FROM lead_router.routing_logs
                       WHERE routing_result = 'success' GROUP BY lead_id HAVING count(*) > 1) twice}),
	'0', 'no lead has two success audit rows');
is($node->safe_psql('postgres', q{
SELECT count(*) FROM lead_router.routing_queue q JOIN lead_router.leads l ON l.id = q.lead_id
 WHERE l.company_industry = 'mining'}),
	'2000', 'each lead kept exactly its one queue row, closed once');
is($node->safe_psql('postgres', q{
SELECT count(*) FROM lead_router.routing_logs g JOIN lead_router.leads l ON l.id = g.lead_id
 WHERE l.company_industry = 'mining' AND g.routing_result = 'success' AND g.attempt = 2}),
	'2000', 'every retry was the second attempt, counted once');

# The worker checkpoints the pools' credits and the caps' counts (kept in shared memory)
# into routing_pool_state and partner_cap_usage; a restart starts from that checkpoint.
$node->safe_psql('postgres', q{
ALTER SYSTEM SET lead_router.distribution_checkpoint_interval = '1s';
SELECT pg_reload_conf();
INSERT INTO lead_router.workspaces (id, name, workspace_type) VALUES
    ('00000000-0000-0000-0000-0000000000a2', 'Pool inbound', 'internal'),
    ('00000000-0000-0000-0000-0000000000b2', 'Heavy', 'partner'),
    ('00000000-0000-0000-0000-0000000000b3', 'Light', 'partner');
INSERT INTO lead_router.partner_caps (workspace_id, period, max_leads)
VALUES ('00000000-0000-0000-0000-0000000000b2', 'day', 10);
BEGIN;
INSERT INTO lead_router.routing_rules (id, workspace_id, name, conditions, destination_workspace_id)
VALUES ('20000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-0000000000a2', 'pool', '{}', NULL);
INSERT INTO lead_router.routing_rule_destinations (rule_id, destination_workspace_id, weight) VALUES
    ('20000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-0000000000b2', 2),
    ('20000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-0000000000b3', 1);
COMMIT;
INSERT INTO lead_router.leads (id, email, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-0000000000c1', 'pool1@x.com', '00000000-0000-0000-0000-0000000000a2');
});
# Routes a pool lead (route_lead or the worker, on arrival, whichever comes first) and
# returns the last two digits of its owner.
my $pool_lead_owner = sub {
	my ($lead) = @_;
	$node->safe_psql('postgres', "SELECT lead_router.route_lead('$lead')");
	$node->poll_query_until('postgres',
		"SELECT routing_status = 'routed' FROM lead_router.leads WHERE id = '$lead'")
	  or return 'not routed';
	return $node->safe_psql('postgres',
		"SELECT right(workspace_id::text, 2) FROM lead_router.leads WHERE id = '$lead'");
};
is($pool_lead_owner->('10000000-0000-0000-0000-0000000000c1'), 'b2',
	'the first pool lead goes to the heavier member');
ok($node->poll_query_until('postgres', q{
SELECT (SELECT credits::text FROM lead_router.routing_pool_state
         WHERE rule_id = '20000000-0000-0000-0000-0000000000c1') = '{-1,1}'
   AND (SELECT used FROM lead_router.partner_cap_usage
         WHERE workspace_id = '00000000-0000-0000-0000-0000000000b2') = 1}),
	'the worker checkpoints the credits and the count without a call');

# A fast shutdown stops the worker promptly.
$started = time;
$node->stop('fast');
$took = time - $started;
cmp_ok($took, '<', 10, sprintf('pg_ctl stop -m fast returns promptly (%.1f s)', $took));

# On a standby the worker does not run (it starts only when recovery has finished).
$node->start;
# after the restart the pool goes on from the checkpoint (fresh credits would pick Heavy
# again), and Heavy's day is recounted from its leads
$node->safe_psql('postgres', q{
INSERT INTO lead_router.leads (id, email, source_workspace_id)
VALUES ('10000000-0000-0000-0000-0000000000c2', 'pool2@x.com', '00000000-0000-0000-0000-0000000000a2');
});
is($pool_lead_owner->('10000000-0000-0000-0000-0000000000c2'), 'b3',
	'after a restart the next pool lead takes the light member\'s turn');
is($node->safe_psql('postgres', q{
SELECT used FROM lead_router.partner_capacity WHERE workspace_id = '00000000-0000-0000-0000-0000000000b2'}),
	'1', "and Heavy's day count is recounted from its leads");
$node->safe_psql('postgres', q{
ALTER SYSTEM RESET lead_router.distribution_checkpoint_interval;
SELECT pg_reload_conf();
});
$node->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($node, 'base', has_streaming => 1);
$standby->start;
$node->wait_for_catchup($standby);
sleep 2;
is($standby->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'lead_router worker'"),
	'0', 'no worker runs on a standby');
$standby->promote;
ok($standby->poll_query_until('postgres', $worker_is->("true")),
	'after promotion the worker starts');

$standby->stop;
$node->stop;
done_testing();
