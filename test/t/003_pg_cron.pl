# pg_cron maintenance: schedule_maintenance() registers the four jobs (idempotently),
# unschedule_maintenance() removes exactly them, a job scheduled every minute really runs
# and succeeds, and the health check warns and notifies.  Without pg_cron in a database,
# both functions say how to install it.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('cron');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'lead_router,pg_cron'
# leads stay pending until the test routes them (the worker would route them on arrival)
lead_router.route_on_arrival = off
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 20
lead_router.database = 'postgres'
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_cron; CREATE EXTENSION lead_router;');

my $jobs = q{SELECT string_agg(jobname || ' ' || schedule || ' ' || command, E'\n' ORDER BY jobname)
               FROM cron.job WHERE jobname LIKE 'lead_router%'};
my $expected = join("\n",
	'lead_router_expire_leads 0 2 * * * SELECT lead_router.mark_expired_leads()',
	'lead_router_health_check 0 * * * * SELECT lead_router.check_routing_health()',
	'lead_router_prune_history 30 3 * * * CALL lead_router.prune_routing_history()',
	'lead_router_release_stale_locks */10 * * * * SELECT lead_router.release_stale_routing_locks()');

is($node->safe_psql('postgres', 'SELECT count(*) FROM lead_router.schedule_maintenance()'),
	'4', 'schedule_maintenance() registers four jobs');
is($node->safe_psql('postgres', $jobs), $expected, 'with the schedules and commands of SPEC.md');
$node->safe_psql('postgres', 'SELECT * FROM lead_router.schedule_maintenance()');
is($node->safe_psql('postgres', 'SELECT count(*) FROM cron.job'), '4',
	'calling it twice still leaves four jobs');

$node->safe_psql('postgres', q{SELECT cron.schedule('someone_elses_job', '0 5 * * *', 'SELECT 1')});
is($node->safe_psql('postgres', 'SELECT lead_router.unschedule_maintenance()'), '4',
	'unschedule_maintenance() removes four jobs');
is($node->safe_psql('postgres', q{SELECT string_agg(jobname, ', ') FROM cron.job}),
	'someone_elses_job', 'exactly ours');
is($node->safe_psql('postgres', 'SELECT lead_router.unschedule_maintenance()'), '0',
	'and nothing the second time');

# A job scheduled every minute really runs: make the stale-lock job run each minute with a
# stale lock waiting for it.
$node->safe_psql('postgres', q{
SELECT count(*) FROM lead_router.schedule_maintenance();
SELECT cron.alter_job(jobid, schedule := '* * * * *') FROM cron.job
 WHERE jobname = 'lead_router_release_stale_locks';
INSERT INTO lead_router.workspaces (id, name) VALUES ('00000000-0000-0000-0000-0000000000a1', 'Inbound');
INSERT INTO lead_router.leads (id, source_workspace_id)
VALUES ('10000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1');
SELECT lead_router.acquire_routing_lock('10000000-0000-0000-0000-000000000001', gen_random_uuid());
UPDATE lead_router.leads SET routing_locked_at = now() - interval '1 hour';
});
ok($node->poll_query_until('postgres', q{
SELECT count(*) > 0 FROM cron.job_run_details d JOIN cron.job j USING (jobid)
 WHERE j.jobname = 'lead_router_release_stale_locks' AND d.status = 'succeeded'}),
	'the every-minute job ran and succeeded (cron.job_run_details)');
is($node->safe_psql('postgres',
		"SELECT routing_status FROM lead_router.leads WHERE id = '10000000-0000-0000-0000-000000000001'"),
	'pending', 'and released the stale lock');

# The health job's check: a deep due queue -> WARNING in the log and a NOTIFY with JSON.
$node->safe_psql('postgres', q{
INSERT INTO lead_router.leads (source_workspace_id) SELECT '00000000-0000-0000-0000-0000000000a1' FROM generate_series(1, 150);
INSERT INTO lead_router.routing_queue (lead_id, workspace_id, attempt_number, next_retry_at)
SELECT id, source_workspace_id, 2, now() - interval '1 minute' FROM lead_router.leads
 WHERE id <> '10000000-0000-0000-0000-000000000001';
});
my ($rc, $out, $err) = $node->psql('postgres',
	'LISTEN lead_router_alerts; SELECT lead_router.check_routing_health();');
like($out, qr/alert: degraded/, 'check_routing_health() reports the alert');
like($err, qr/WARNING:  lead_router routing is degraded: 150 retries due/, 'as a WARNING');
like($out . $err, qr/Asynchronous notification "lead_router_alerts" with payload "\{"verdict" : "degraded", "queue_due" : 150/,
	'and a NOTIFY lead_router_alerts with a JSON payload');

# Without pg_cron in the database: a clear error.
$node->safe_psql('postgres', 'CREATE DATABASE other');
$node->safe_psql('other', 'CREATE EXTENSION lead_router');
($rc, $out, $err) = $node->psql('other', 'SELECT * FROM lead_router.schedule_maintenance()');
like($err, qr/pg_cron is not installed in this database.*HINT:  Install the Debian package postgresql-15-cron/s,
	'schedule_maintenance() without pg_cron says how to install it');
($rc, $out, $err) = $node->psql('other', 'SELECT lead_router.unschedule_maintenance()');
like($err, qr/pg_cron is not installed/, 'so does unschedule_maintenance()');

$node->stop;
done_testing();
