# pg_cron that works (SPEC.md "Operations"): on a server set up as a stock Debian cluster is
# -- pg_cron preloaded with cron.use_background_workers = off, so that it runs each job over
# a libpq connection to cron.host (localhost), and pg_hba.conf asking TCP connections from
# 127.0.0.1 and ::1 for scram-sha-256 while the superuser has no password --
# schedule_maintenance() refuses with SQLSTATE 55000 and a hint naming
# cron.use_background_workers, and creates no job; pg_cron itself really cannot run a job
# there ("connection failed").  A role with a password passes the check.  Restarted with
# cron.use_background_workers = on, schedule_maintenance() succeeds under the same
# pg_hba.conf.  prune_routing_history() deletes our jobs' cron.job_run_details rows older than
# 7 days, and keeps recent ones, other jobs' rows and same-named jobs of other databases.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $node = PostgreSQL::Test::Cluster->new('debian');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = off
listen_addresses = 'localhost'
});
# pg_hba.conf as Debian ships it: local connections trusted (the test framework connects
# that way), TCP from localhost with scram-sha-256 before any other host line.
my $hba = slurp_file($node->data_dir . '/pg_hba.conf');
open(my $fh, '>', $node->data_dir . '/pg_hba.conf') or die "cannot write pg_hba.conf: $!";
print $fh "local   all   all                  trust\n",
  "host    all   all   127.0.0.1/32   scram-sha-256\n",
  "host    all   all   ::1/128        scram-sha-256\n", $hba;
close $fh;
$node->start;

is($node->safe_psql('postgres', q{
SELECT string_agg(line_number || ' ' || type || ' ' || coalesce(address, '-') || ' ' || auth_method, ', '
                  ORDER BY line_number)
  FROM pg_hba_file_rules WHERE line_number <= 3}),
	'1 local - trust, 2 host 127.0.0.1 scram-sha-256, 3 host ::1 scram-sha-256',
	'pg_hba.conf asks TCP connections from localhost for scram-sha-256');
is($node->safe_psql('postgres', q{
SELECT current_setting('cron.use_background_workers') || ', superuser '
       || (SELECT rolname || CASE WHEN rolpassword IS NULL THEN ' without' ELSE ' with' END || ' a password'
             FROM pg_authid WHERE rolname = current_user)}),
	'off, superuser postgres without a password', 'cron.use_background_workers is off');

$node->safe_psql('postgres', q{
CREATE EXTENSION pg_cron;
CREATE EXTENSION lead_router;
-- pg_cron's own proof: a job of its own, every minute, over that connection
SELECT cron.schedule('probe_connection', '* * * * *', 'SELECT 1');
});
my $probe_scheduled = time;

my $our_jobs = q{SELECT count(*) FROM cron.job WHERE jobname LIKE 'lead_router%'};
my ($rc, $out, $err) = $node->psql('postgres',
	"\\set VERBOSITY verbose\nSELECT * FROM lead_router.schedule_maintenance()");
isnt($rc, 0, 'schedule_maintenance() fails');
like($err, qr/ERROR:  55000: pg_cron cannot run lead_router's jobs in this server/,
	"with SQLSTATE 55000: pg_cron cannot run lead_router's jobs in this server");
like($err, qr/DETAIL:  With cron\.use_background_workers = off, pg_cron connects to cron\.host "localhost" as "postgres", and pg_hba\.conf line 2 asks for a password \(scram-sha-256\) and the role has none\./,
	'the detail names the connection and the pg_hba.conf line');
like($err, qr/HINT:  .*cron\.use_background_workers = on/, 'the hint says to set cron.use_background_workers = on');
note("schedule_maintenance() said:\n$err");
is($node->safe_psql('postgres', $our_jobs), '0', 'and no job is created');

# A role with a password can authenticate (given a ~/.pgpass, as the hint says): accepted.
$node->safe_psql('postgres', q{ALTER ROLE postgres PASSWORD 'not-really-used'});
is($node->safe_psql('postgres', 'SELECT count(*) FROM lead_router.schedule_maintenance()'), '4',
	'with a password for the role, the check passes and the four jobs are scheduled');
$node->safe_psql('postgres', q{
SELECT lead_router.unschedule_maintenance();
ALTER ROLE postgres PASSWORD NULL;
});
is($node->safe_psql('postgres', $our_jobs), '0', '(and unscheduled again, the password removed)');

# pg_hba.conf rejecting the connection outright: refused as well, naming the line.
$hba = slurp_file($node->data_dir . '/pg_hba.conf');
open($fh, '>', $node->data_dir . '/pg_hba.conf') or die "cannot write pg_hba.conf: $!";
print $fh "local   all   all                  trust\n",
  "host    all   all   127.0.0.1/32   reject\n",
  "host    all   all   ::1/128        reject\n", $hba;
close $fh;
($rc, $out, $err) = $node->psql('postgres', "\\set VERBOSITY verbose\nSELECT * FROM lead_router.schedule_maintenance()");
like($err, qr/ERROR:  55000: .*DETAIL:  .*pg_hba\.conf line 2 rejects that connection/s,
	'a reject line in pg_hba.conf: refused, naming the line');
# back to the Debian-like file
open($fh, '>', $node->data_dir . '/pg_hba.conf') or die "cannot write pg_hba.conf: $!";
print $fh $hba;
close $fh;

# pg_cron confirms the diagnosis: its own job cannot connect.
ok($node->poll_query_until('postgres', q{
SELECT count(*) > 0 FROM cron.job_run_details d JOIN cron.job j USING (jobid)
 WHERE j.jobname = 'probe_connection' AND d.status = 'failed'}),
	sprintf('pg_cron\'s own job failed to run in this setup (after %.0f s)', time - $probe_scheduled));
note('pg_cron recorded: ' . $node->safe_psql('postgres', q{
SELECT d.return_message FROM cron.job_run_details d JOIN cron.job j USING (jobid)
 WHERE j.jobname = 'probe_connection' AND d.status = 'failed' ORDER BY d.runid LIMIT 1}));
$node->safe_psql('postgres', q{SELECT cron.unschedule('probe_connection')});

# ---- cron.use_background_workers = on: the same pg_hba.conf no longer matters ----
$node->append_conf('postgresql.conf', q{
cron.use_background_workers = on
max_worker_processes = 20
});
$node->restart;
is($node->safe_psql('postgres', 'SHOW cron.use_background_workers'), 'on',
	'restarted with cron.use_background_workers = on');
is($node->safe_psql('postgres', 'SELECT count(*) FROM lead_router.schedule_maintenance()'), '4',
	'schedule_maintenance() succeeds: four jobs');
is($node->safe_psql('postgres', $our_jobs), '4', 'registered in cron.job');

# ---- prune_routing_history() prunes our jobs' pg_cron run records older than 7 days ----
# Records inserted as pg_cron writes them: ours at 30, 8, 6 and 1 day(s) old; another job's
# 30 days old; and 30 days old, a job of the same name as ours that runs in another database.
$node->safe_psql('postgres', q{
CREATE DATABASE other;
SELECT cron.schedule('someone_elses_job', '0 5 * * *', 'SELECT 1');
-- as another user would schedule it there (inactive: pg_cron never runs it here)
INSERT INTO cron.job (schedule, command, nodeport, database, username, active, jobname)
VALUES ('0 2 * * *', 'SELECT lead_router.mark_expired_leads()', current_setting('port')::int,
        'other', 'other_owner', false, 'lead_router_expire_leads');
});
is($node->safe_psql('postgres', q{SELECT count(*) FROM cron.job WHERE jobname = 'lead_router_expire_leads'}),
	'2', 'a job named lead_router_expire_leads exists in postgres and in other');
$node->safe_psql('postgres', q{
INSERT INTO cron.job_run_details (jobid, job_pid, database, username, command, status,
                                  return_message, start_time, end_time)
SELECT j.jobid, 1000 + a.days, j.database, j.username, j.command, 'succeeded', '1 row',
       now() - make_interval(days => a.days) - interval '1 second', now() - make_interval(days => a.days)
  FROM cron.job j
  JOIN (VALUES ('lead_router_prune_history', 30, 'postgres'), ('lead_router_prune_history', 8, 'postgres'),
               ('lead_router_health_check', 8, 'postgres'), ('lead_router_health_check', 6, 'postgres'),
               ('lead_router_release_stale_locks', 1, 'postgres'),
               ('someone_elses_job', 30, 'postgres'),
               ('lead_router_expire_leads', 30, 'other')) AS a(jobname, days, db)
    ON j.jobname = a.jobname AND j.database = a.db;
});
my $records = q{
SELECT string_agg(j.jobname || '@' || j.database || ' ' || (d.job_pid - 1000) || 'd', ', '
                  ORDER BY j.jobname, j.database, d.job_pid)
  FROM cron.job_run_details d JOIN cron.job j USING (jobid) WHERE d.job_pid > 1000};
is($node->safe_psql('postgres', $records),
	'lead_router_expire_leads@other 30d, lead_router_health_check@postgres 6d, lead_router_health_check@postgres 8d, '
	  . 'lead_router_prune_history@postgres 8d, lead_router_prune_history@postgres 30d, '
	  . 'lead_router_release_stale_locks@postgres 1d, someone_elses_job@postgres 30d',
	'seven run records inserted');
$node->safe_psql('postgres', 'CALL lead_router.prune_routing_history()');
is($node->safe_psql('postgres', $records),
	'lead_router_expire_leads@other 30d, lead_router_health_check@postgres 6d, '
	  . 'lead_router_release_stale_locks@postgres 1d, someone_elses_job@postgres 30d',
	'prune_routing_history() deleted our jobs\' records older than 7 days (8 and 30 days), '
	  . 'kept the recent ones, another job\'s and those of a same-named job in another database');
$node->safe_psql('postgres', 'CALL lead_router.prune_routing_history()');
is($node->safe_psql('postgres', q{SELECT count(*) FROM cron.job_run_details WHERE job_pid > 1000}), '4',
	'a second call deletes nothing more');

$node->stop;
done_testing();
