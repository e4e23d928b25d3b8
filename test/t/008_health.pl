# Honest health (SPEC.md "Operations"): routing_health() judges system failures only.
# (a) A healthy mixed workload reads 'healthy' with no reasons: for 15 s, clients insert
#     leads (about 30 % matching no rule, some the same person again), two call
#     route_pending_leads(50), four call route_lead on the leads at the head of the queue
#     that the others are routing too (lock misses), and the worker routes due retries --
#     while no_match and duplicates are reported as figures of their own, and the lock
#     acquisition rate is below 1.  Still healthy once the four maintenance jobs are
#     scheduled (none due yet), which `maintenance` lists.
# (b) Each injected fault reads degraded or critical, with its reason, and the verdict is
#     healthy again once it is removed:
#     - latency: a trigger makes each routing sleep 2.1 s -> 'p95 latency ... >= 2000 ms';
#     - the worker disabled while retries are due -> degraded; no worker running at all
#       (the 5 s between pg_terminate_backend and its restart) -> critical;
#     - a maintenance job that has not succeeded for twice its period -> degraded;
#     - a maintenance job whose last run failed (the stale-lock job, run every minute by
#       pg_cron, with a stale lock waiting and a trigger that refuses to release it) ->
#       'maintenance job lead_router_release_stale_locks failed', also in `maintenance`.
# The figures are printed with note() for the record.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use JSON::PP;
use Time::HiRes qw(time);

my $node = PostgreSQL::Test::Cluster->new('health');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'lead_router,pg_cron'
# leads stay pending until the test routes them (the worker would route them on arrival)
lead_router.route_on_arrival = off
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 20
lead_router.database = 'postgres'
lead_router.worker_naptime = '500ms'
max_connections = 50
# a backend crash fails the checks that caused it; the server comes back for the next ones
restart_after_crash = on
});
$node->start;

my $inbound1 = 'c0000000-0000-4000-8000-000000000001';
my $inbound2 = 'c0000000-0000-4000-8000-000000000002';
my $slow_ws  = 'c0000000-0000-4000-8000-000000000003';
my $stale_ws = 'c0000000-0000-4000-8000-000000000004';
my @partners = map { sprintf('d0000000-0000-4000-8000-%012d', $_) } 1 .. 3;

$node->safe_psql('postgres', qq{
CREATE EXTENSION pg_cron;
CREATE EXTENSION lead_router;
INSERT INTO lead_router.workspaces (id, name, workspace_type) VALUES
    ('$inbound1', 'Inbound EU', 'internal'), ('$inbound2', 'Inbound US', 'internal'),
    ('$slow_ws', 'Slow inbound', 'internal'), ('$stale_ws', 'Stale inbound', 'internal'),
    ('$partners[0]', 'Partner software', 'partner'), ('$partners[1]', 'Partner fintech', 'partner'),
    ('$partners[2]', 'Partner retail', 'partner');
-- software and fintech leads match a rule; mining leads (about 30 %) match none
INSERT INTO lead_router.routing_rules (workspace_id, name, priority, conditions, destination_workspace_id)
SELECT ws, r.name, r.priority, r.conditions::jsonb, r.destination
  FROM (VALUES ('$inbound1'::uuid), ('$inbound2'::uuid)) AS s(ws),
       (VALUES ('software', 20, '{"company_industry": ["software", "saas"]}', '$partners[0]'::uuid),
               ('fintech', 10, '{"company_industry": "fintech", "company_size": {"gte": 1}}', '$partners[1]'::uuid))
       AS r(name, priority, conditions, destination);
INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id)
VALUES ('$slow_ws', 'everything', '{}', '$partners[0]');
});

# routing_health('1 hour') as a hash; a failure (e.g. a crashed backend) gives a hash whose
# verdict is the error, so that the checks fail with it and the test goes on once the server
# is back.
my $health_sql = q{SELECT row_to_json(h) FROM lead_router.routing_health('1 hour') h};
my $health = sub {
	my ($sql_before) = @_;
	my ($out, $err) = ('', '');
	my $rc = $node->psql('postgres', ($sql_before // '') . $health_sql,
		stdout => \$out, stderr => \$err, on_error_stop => 1);
	return decode_json($out) if $rc == 0 && $out ne '';
	$err =~ s/\s+/ /g;
	diag("routing_health() failed: $err");
	$node->poll_query_until('postgres', 'SELECT true');
	return { verdict => "(routing_health() failed: $err)", reasons => [], maintenance => [],
		latency_samples => 0 };
};
my $fmt = sub { defined $_[0] ? (ref $_[0] eq 'ARRAY' ? '{' . join('; ', @{ $_[0] }) . '}' : $_[0]) : 'NULL' };
my $figures = sub {
	my ($label, $h) = @_;
	note("$label: verdict $h->{verdict}, reasons " . $fmt->($h->{reasons}));
	note(sprintf('  leads: %s pending, %s routing, %s routed, %s failed, %s expired; queue %s (%s due), %s stale locks',
		map { $fmt->($h->{$_}) } qw(pending routing routed failed expired queue_depth queue_due stale_locks)));
	note(sprintf('  window: %s succeeded, %s errors, success_rate %s; no_match %s, deferred %s, duplicates %s',
		map { $fmt->($h->{$_}) } qw(succeeded errors success_rate no_match deferred duplicates)));
	note(sprintf('  locks: %s attempts, acquisition rate %s; latency: %s samples, p50 %s ms, p95 %s ms, p99 %s ms',
		map { $fmt->($h->{$_}) } qw(lock_attempts lock_acquisition_rate latency_samples p50_ms p95_ms p99_ms)));
	note(sprintf('  worker %s; maintenance %s; stats_scope %s since %s',
		map { $fmt->($h->{$_}) } qw(worker maintenance stats_scope stats_since)));
};
my $has_reason = sub {
	my ($h, $re) = @_;
	return scalar grep { $_ =~ $re } @{ $h->{reasons} };
};

# ---- the starting stock ----
# 1,500 leads waiting, 60 retail leads that matched no rule an hour of attempts ago and wait
# in the retry queue (the worker will route them once a rule exists and their retry is due).
# Emails are drawn from 15,000 people, so some leads are the same person again.
$node->safe_psql('postgres', qq{
INSERT INTO lead_router.leads (source_workspace_id, email, company_industry, company_size, country)
SELECT CASE WHEN i % 2 = 0 THEN '$inbound1'::uuid ELSE '$inbound2'::uuid END,
       'person' || (1 + floor(random() * 15000))::int || '\@example.com',
       CASE WHEN r < 0.30 THEN 'mining' WHEN r < 0.65 THEN 'software' ELSE 'fintech' END,
       1 + (random() * 5000)::int, 'DE'
  FROM (SELECT i, random() AS r FROM generate_series(1, 1500) i) s;
INSERT INTO lead_router.leads (source_workspace_id, email, company_industry, country)
SELECT '$inbound1', 'shopper' || i || '\@example.com', 'retail', 'DE' FROM generate_series(1, 60) i;
SELECT count(*) FROM lead_router.leads l, LATERAL lead_router.route_lead(l.id) WHERE l.company_industry = 'retail';
});
is($node->safe_psql('postgres', q{
SELECT count(*) FROM lead_router.routing_queue q JOIN lead_router.leads l ON l.id = q.lead_id
 WHERE q.processed_at IS NULL AND l.company_industry = 'retail'}),
	'60', '60 retail leads matched no rule and wait in the retry queue');
# latency and lock counts start with the load
$node->safe_psql('postgres', 'SELECT lead_router.reset_routing_stats()');

# ---- (a) the mixed workload, 15 s ----
my $dir = PostgreSQL::Test::Utils::tempdir;
append_to_file("$dir/arrive.sql", qq{
\\set src random(1, 2)
\\set kind random(1, 100)
\\set person random(1, 15000)
INSERT INTO lead_router.leads (source_workspace_id, email, company_industry, company_size, country)
VALUES (('c0000000-0000-4000-8000-00000000000' || :src)::uuid, 'person' || :person || '\@example.com',
        CASE WHEN :kind <= 30 THEN 'mining' WHEN :kind <= 65 THEN 'software' ELSE 'fintech' END,
        :kind * 10, 'DE');
});
append_to_file("$dir/batch.sql", q{
SELECT count(*) FROM lead_router.route_pending_leads(50);
});
# route_lead on one of the three leads at the head of the due queue: the same leads the
# batches and the other clients are routing (an already routed lead when none is due).
append_to_file("$dir/contend.sql", q{
\set k random(0, 2)
SELECT coalesce((SELECT id FROM lead_router.leads
                  WHERE routing_status = 'pending' AND routing_due_at <= now()
                  ORDER BY routing_due_at, id LIMIT 1 OFFSET :k),
                (SELECT id FROM lead_router.leads WHERE routing_status = 'routed' LIMIT 1)) AS lead
\gset
SELECT status FROM lead_router.route_lead(':lead');
});
my $seconds = 15;
my @connect = ('-h', $node->host, '-p', $node->port);
my %load = (
	arrivals => [ '-c', '2', '-R', '30', '-f', "$dir/arrive.sql" ],
	batches  => [ '-c', '2', '-R', '3', '-f', "$dir/batch.sql" ],
	contend  => [ '-c', '4', '-R', '80', '-f', "$dir/contend.sql" ],
);
my (%runs, %out, %err);
my $started = time;
for my $name (sort keys %load)
{
	($out{$name}, $err{$name}) = ('', '');
	$runs{$name} = IPC::Run::start(
		[ 'pgbench', '-n', '-T', $seconds, @connect, @{ $load{$name} }, 'postgres' ],
		'>', \$out{$name}, '2>', \$err{$name},
		IPC::Run::timeout($seconds + $PostgreSQL::Test::Utils::timeout_default));
}
# A few seconds in, the retail rule appears and the retail retries come due: the worker
# routes them while the load runs.
ok($node->poll_query_until('postgres',
		"SELECT count(*) >= 300 FROM lead_router.leads WHERE routing_status = 'routed'"),
	'the load is routing leads');
$node->safe_psql('postgres', qq{
INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id)
VALUES ('$inbound1', 'retail', '{"company_industry": "retail"}', '$partners[2]');
UPDATE lead_router.routing_queue q SET next_retry_at = now()
  FROM lead_router.leads l
 WHERE l.id = q.lead_id AND q.processed_at IS NULL AND l.company_industry = 'retail';
});
my $workload_ok = 1;
for my $name (sort keys %load)
{
	my $ok = $runs{$name}->finish;
	my ($tx) = $out{$name} =~ /number of transactions actually processed: (\d+)/;
	my ($failed) = $out{$name} =~ /number of failed transactions: (\d+)/;
	$workload_ok = 0 unless $ok && defined $tx && $tx > 0 && (!defined $failed || $failed == 0);
	note(sprintf('pgbench %s: %s transactions, %s failed, exit %s', $name, $tx // '?',
		$failed // '?', $ok ? 0 : $runs{$name}->result));
	diag("pgbench $name: $err{$name}") unless $ok;
}
ok($workload_ok, sprintf('the mixed workload ran for %.0f s without a failed transaction', time - $started));
ok($node->poll_query_until('postgres', q{
SELECT count(*) = 0 FROM lead_router.leads WHERE company_industry = 'retail' AND routing_status <> 'routed'}),
	'the worker routed every retail retry');
is($node->safe_psql('postgres', q{
SELECT count(*) FROM lead_router.routing_logs g JOIN lead_router.leads l ON l.id = g.lead_id
 WHERE l.company_industry = 'retail' AND g.routing_result = 'success' AND g.attempt = 2}),
	'60', 'on their second attempt, from the retry queue');
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 0 FROM lead_router.routing_queue WHERE processed_at IS NULL AND next_retry_at <= now()}),
	'no retry is due');

my $h = $health->();
$figures->('healthy mixed workload', $h);
note($node->safe_psql('postgres', q{
SELECT format('  leads: %s in all, %s matching no rule (%s %%), %s duplicates',
              count(*), count(*) FILTER (WHERE company_industry = 'mining'),
              round(100.0 * count(*) FILTER (WHERE company_industry = 'mining') / count(*), 1),
              count(*) FILTER (WHERE duplicate_of IS NOT NULL))
  FROM lead_router.leads}));
is($h->{verdict}, 'healthy', 'a healthy mixed workload reads healthy');
is_deeply($h->{reasons}, [], 'with no reasons');
is($h->{errors}, 0, 'no routing errors');
cmp_ok($h->{succeeded}, '>=', 1000, "$h->{succeeded} leads routed or marked duplicate in the window");
cmp_ok($h->{no_match}, '>', 0, "no_match = $h->{no_match} leads that matched no rule: a figure, not a failure");
cmp_ok($h->{duplicates}, '>', 0, "duplicates = $h->{duplicates}: a figure, not a failure");
cmp_ok($h->{lock_acquisition_rate} // 1, '<', 1,
	sprintf('the routers contended: lock_acquisition_rate %.3f over %d attempts, still healthy',
		$h->{lock_acquisition_rate} // 1, $h->{lock_attempts}));
cmp_ok($h->{latency_samples}, '>=', 5, "latency_samples = $h->{latency_samples}");
cmp_ok($h->{p95_ms}, '<', 2000, "p95 = $h->{p95_ms} ms");
is($h->{worker}, 'running', 'the worker is running');
is($h->{stats_scope}, 'cluster', 'statistics are cluster-wide');

# ---- (b1) latency: every routing of the slow workspace takes 2.1 s ----
$node->safe_psql('postgres', qq{
CREATE FUNCTION public.inject_slow_routing() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
    PERFORM pg_sleep(2.1);
    RETURN NEW;
END \$\$;
CREATE TRIGGER inject_slow_routing BEFORE UPDATE ON lead_router.leads FOR EACH ROW
    WHEN (OLD.source_workspace_id = '$slow_ws' AND OLD.workspace_id IS DISTINCT FROM NEW.workspace_id)
    EXECUTE FUNCTION public.inject_slow_routing();
INSERT INTO lead_router.leads (source_workspace_id, email, company_industry)
SELECT '$slow_ws', 'slow' || i || '\@example.com', 'software' FROM generate_series(1, 6) i;
SELECT lead_router.reset_routing_stats();
});
my @slow = split /\n/, $node->safe_psql('postgres',
	"SELECT id FROM lead_router.leads WHERE source_workspace_id = '$slow_ws' ORDER BY id");
my @routers;
my @router_out;
for my $i (0 .. $#slow)
{
	$router_out[$i] = '';
	push @routers, IPC::Run::start(
		[ 'psql', '-XAtq', '-d', $node->connstr('postgres'), '-c',
		  "SELECT status FROM lead_router.route_lead('$slow[$i]')" ],
		'>', \$router_out[$i], '2>', \my $ignored,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
}
$_->finish for @routers;
is(join(',', map { s/\s+//gr } @router_out), join(',', ('routed') x @slow),
	scalar(@slow) . ' slow leads routed, concurrently');
$h = $health->();
$figures->('fault: routing latency 2.1 s', $h);
like($h->{verdict}, qr/^(degraded|critical)$/, "2.1 s routings read $h->{verdict}");
ok($has_reason->($h, qr/^p95 latency [\d.]+ ms (>= 2000|> 5000) ms$/),
	'with a p95 latency reason: ' . $fmt->($h->{reasons}));
cmp_ok($h->{latency_samples}, '>=', 5, "over $h->{latency_samples} samples since reset_routing_stats()");
$node->safe_psql('postgres', q{
DROP TRIGGER inject_slow_routing ON lead_router.leads;
DROP FUNCTION public.inject_slow_routing();
SELECT lead_router.reset_routing_stats();
});
$h = $health->();
is($h->{verdict}, 'healthy', 'healthy again once the trigger is gone and the statistics reset');

# ---- (b2) the worker disabled while retries are due ----
$node->safe_psql('postgres', q{
ALTER SYSTEM SET lead_router.worker_enabled = off;
SELECT pg_reload_conf();
});
ok($node->poll_query_until('postgres', q{
SELECT count(*) = 1 FROM pg_stat_activity
 WHERE backend_type = 'lead_router worker' AND query LIKE '%disabled%'}),
	'the worker saw lead_router.worker_enabled = off');
$node->safe_psql('postgres', qq{
INSERT INTO lead_router.leads (source_workspace_id, email, company_industry)
SELECT '$inbound2', 'waiting' || i || '\@example.com', 'mining' FROM generate_series(1, 5) i;
SELECT count(*) FROM lead_router.leads l, LATERAL lead_router.route_lead(l.id) WHERE l.email LIKE 'waiting%';
UPDATE lead_router.routing_queue q SET next_retry_at = now() - interval '1 second'
  FROM lead_router.leads l WHERE l.id = q.lead_id AND q.processed_at IS NULL AND l.email LIKE 'waiting%';
});
$h = $health->();
$figures->('fault: worker disabled', $h);
is($h->{worker}, 'disabled', 'worker = disabled');
is($h->{verdict}, 'degraded', "the worker disabled while $h->{queue_due} retries are due reads degraded");
ok($has_reason->($h, qr/^the worker is disabled \(lead_router\.worker_enabled = off\) while \d+ retr(y is|ies are) due$/),
	'with its reason: ' . $fmt->($h->{reasons}));

# ---- (b3) no worker running at all: between pg_terminate_backend and its restart (5 s) ----
$node->safe_psql('postgres', q{
ALTER SYSTEM RESET lead_router.worker_enabled;
SELECT pg_reload_conf();
});
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 0 FROM lead_router.routing_queue WHERE processed_at IS NULL AND next_retry_at <= now()}),
	'enabled again, the worker processes the due retries');
my $worker_pid = $node->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE backend_type = 'lead_router worker'");
$node->safe_psql('postgres', "SELECT pg_terminate_backend($worker_pid)");
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'lead_router worker'}),
	'the worker is terminated');
# the retries of the five leads come due at once, and the health is read in the same session
$h = $health->(q{
UPDATE lead_router.routing_queue q SET next_retry_at = now() - interval '1 second'
  FROM lead_router.leads l WHERE l.id = q.lead_id AND q.processed_at IS NULL AND l.email LIKE 'waiting%';
});
$figures->('fault: no worker running', $h);
is($h->{worker}, 'not running', 'worker = not running');
is($h->{verdict}, 'critical', "no worker while $h->{queue_due} retries are due reads critical");
ok($has_reason->($h, qr/^no lead_router worker is running while \d+ retr(y is|ies are) due$/),
	'with its reason: ' . $fmt->($h->{reasons}));
ok($node->poll_query_until('postgres', q{
SELECT verdict = 'healthy' AND worker = 'running' FROM lead_router.routing_health('1 hour')}),
	'healthy again once the postmaster restarted the worker and it processed the retries');

# ---- the maintenance jobs ----
is($node->safe_psql('postgres', 'SELECT count(*) FROM lead_router.schedule_maintenance()'), '4',
	'schedule_maintenance() registers the four pg_cron jobs');
$h = $health->();
$figures->('healthy, with the maintenance jobs scheduled', $h);
is($h->{verdict}, 'healthy', 'with the four jobs scheduled and none due yet, still healthy');
# (a */10 or hourly job may have run meanwhile, and succeeded)
is(join(', ', map { s/:.*//r } grep { !/: last run failed/ } @{ $h->{maintenance} }),
	'lead_router_expire_leads, lead_router_health_check, lead_router_prune_history, lead_router_release_stale_locks',
	'maintenance lists the four jobs, none failed: ' . $fmt->($h->{maintenance}));

# ---- (b4) a maintenance job that has not succeeded for twice its period ----
# pg_cron's record of the daily expiry job's last run, 3 days ago (a daily job: it will not
# run during this test unless it runs at 02:00).
$node->safe_psql('postgres', q{
INSERT INTO cron.job_run_details (jobid, job_pid, database, username, command, status,
                                  return_message, start_time, end_time)
SELECT jobid, 4242, database, username, command, 'succeeded', '1 row',
       now() - interval '3 days 1 minute', now() - interval '3 days'
  FROM cron.job WHERE jobname = 'lead_router_expire_leads';
});
$h = $health->();
$figures->('fault: daily job last succeeded 3 days ago', $h);
is($h->{verdict}, 'degraded', 'a daily job that last succeeded 3 days ago reads degraded');
ok($has_reason->($h, qr/^maintenance job lead_router_expire_leads has not succeeded for .+ \(runs every 1 d\)$/),
	'with its reason: ' . $fmt->($h->{reasons}));
$node->safe_psql('postgres', 'DELETE FROM cron.job_run_details WHERE job_pid = 4242');
is($health->()->{verdict}, 'healthy', 'healthy again without that record');

# ---- (b5) a maintenance job that failed ----
# The stale-lock job every minute, a lock an hour old for it to release, and a trigger that
# refuses to let that lead go from routing back to pending: the job's run fails.
my $stale_lead = '10000000-0000-4000-8000-00000000005a';
$node->safe_psql('postgres', qq{
SELECT cron.alter_job(jobid, schedule := '* * * * *') FROM cron.job
 WHERE jobname = 'lead_router_release_stale_locks';
CREATE FUNCTION public.refuse_lock_release() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
    RAISE EXCEPTION 'injected fault: lead % may not go back to pending', OLD.id;
END \$\$;
CREATE TRIGGER refuse_lock_release BEFORE UPDATE ON lead_router.leads FOR EACH ROW
    WHEN (OLD.routing_status = 'routing' AND NEW.routing_status = 'pending')
    EXECUTE FUNCTION public.refuse_lock_release();
INSERT INTO lead_router.leads (id, source_workspace_id, email) VALUES ('$stale_lead', '$stale_ws', 'stuck\@example.com');
SELECT lead_router.acquire_routing_lock('$stale_lead', gen_random_uuid());
UPDATE lead_router.leads SET routing_locked_at = now() - interval '1 hour' WHERE id = '$stale_lead';
});
my $waited = time;
ok($node->poll_query_until('postgres', q{
SELECT count(*) > 0 FROM cron.job_run_details d JOIN cron.job j USING (jobid)
 WHERE j.jobname = 'lead_router_release_stale_locks' AND d.status = 'failed'}),
	sprintf('pg_cron ran the stale-lock job and it failed (waited %.0f s)', time - $waited));
note('  cron.job_run_details: ' . $node->safe_psql('postgres', q{
SELECT d.status || ': ' || d.return_message FROM cron.job_run_details d JOIN cron.job j USING (jobid)
 WHERE j.jobname = 'lead_router_release_stale_locks' ORDER BY d.runid DESC LIMIT 1}));
$h = $health->();
$figures->('fault: maintenance job failed', $h);
is($h->{verdict}, 'degraded', 'a failed maintenance job (and the lock it left) reads degraded');
ok($has_reason->($h, qr/^maintenance job lead_router_release_stale_locks failed/),
	'with the reason "maintenance job lead_router_release_stale_locks failed"');
ok($has_reason->($h, qr/injected fault/), 'which quotes the job\'s error');
ok(scalar(grep { /^lead_router_release_stale_locks: last run failed/ } @{ $h->{maintenance} }),
	'and the maintenance column shows it: ' . $fmt->($h->{maintenance}));
ok($has_reason->($h, qr/^1 stale routing lock older than lead_router\.lock_timeout$/),
	'the lock it could not release is a reason of its own');

$node->safe_psql('postgres', q{
DROP TRIGGER refuse_lock_release ON lead_router.leads;
DROP FUNCTION public.refuse_lock_release();
});
$node->stop;
done_testing();
