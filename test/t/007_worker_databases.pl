# Workers per database, and the worker across versions.  lead_router.database = 'db1, db2'
# starts one worker per database.  db1 has the library's version installed: its worker
# drains db1's due retries with no manual call.  db2 has 0.5.0: its worker waits quietly --
# one LOG line with the ALTER EXTENSION hint, no error, its due retries left alone, and
# pg_stat_activity saying what it waits for -- until ALTER EXTENSION lead_router UPDATE, after
# which it drains db2's queue too.  A worker that did work logs its summary line every
# lead_router.worker_log_interval.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $library_version = '0.10.0';
my $old_version = '0.5.0';

my $node = PostgreSQL::Test::Cluster->new('databases');
$node->init;
$node->start;
# The databases exist before the workers first start.
$node->safe_psql('postgres', 'CREATE DATABASE db1');
$node->safe_psql('postgres', 'CREATE DATABASE db2');
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'lead_router'
# leads stay pending until the test routes them (the worker would route them on arrival)
lead_router.route_on_arrival = off
lead_router.database = 'db1, db2'
lead_router.worker_naptime = '300ms'
lead_router.worker_log_interval = '1s'
});
$node->restart;

my $worker_of = sub {
	my ($db, $condition) = @_;
	return "SELECT count(*) = 1 FROM pg_stat_activity
	         WHERE backend_type = 'lead_router worker' AND datname = '$db' AND $condition";
};

# (a) One worker per listed database.
ok($node->poll_query_until('postgres', q{
SELECT count(*) = 2 AND count(DISTINCT datname) = 2 AND bool_and(datname IN ('db1', 'db2'))
  FROM pg_stat_activity WHERE backend_type = 'lead_router worker'}),
	'two workers run, one in db1 and one in db2');
ok($node->poll_query_until('postgres', $worker_of->('db2', "query LIKE '%waiting for CREATE EXTENSION%'")),
	'before CREATE EXTENSION the db2 worker waits for it');

my $setup = q{
INSERT INTO lead_router.workspaces (id, name, workspace_type) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'Inbound', 'internal'),
    ('00000000-0000-0000-0000-0000000000b1', 'Partner', 'partner');
INSERT INTO lead_router.leads (id, company_industry, source_workspace_id)
VALUES ('10000000-0000-0000-0000-000000000001', 'software', '00000000-0000-0000-0000-0000000000a1');
};
my $add_rule_and_make_due = q{
INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id)
VALUES ('00000000-0000-0000-0000-0000000000a1', 'software', '{"company_industry": "software"}',
        '00000000-0000-0000-0000-0000000000b1');
UPDATE lead_router.routing_queue SET next_retry_at = now() WHERE processed_at IS NULL;
UPDATE lead_router.leads SET routing_due_at = now() WHERE routing_status = 'pending';
};
my $route = "SELECT status FROM lead_router.route_lead('10000000-0000-0000-0000-000000000001')";
my $routed = q{SELECT routing_status = 'routed' FROM lead_router.leads
                WHERE id = '10000000-0000-0000-0000-000000000001'};
my $open_rows = 'SELECT count(*) FROM lead_router.routing_queue WHERE processed_at IS NULL';

# db1 at the library's version, db2 at the previous one; each with a lead that matched no
# rule, then a matching rule and the retry made due.
$node->safe_psql('db1', 'CREATE EXTENSION lead_router');
$node->safe_psql('db2', "CREATE EXTENSION lead_router VERSION '$old_version'");
is($node->safe_psql('db1', 'SELECT extversion FROM pg_extension WHERE extname = \'lead_router\'')
	  . ' ' . $node->safe_psql('db2', 'SELECT extversion FROM pg_extension WHERE extname = \'lead_router\''),
	"$library_version $old_version", "db1 has $library_version installed, db2 $old_version");
$node->safe_psql($_, $setup) for qw(db1 db2);
is($node->safe_psql('db1', $route), 'queued', 'db1: a lead that matches no rule is queued');
# The library refuses to route with the SQL of another version, and says what to do.
my ($rc, $out, $err) = $node->psql('db2', $route);
like($err, qr/route_lead\(\) returns \d+ columns in the installed SQL, the lead_router library \Q$library_version\E returns \d+.*HINT:  Run ALTER EXTENSION lead_router UPDATE/s,
	'db2: route_lead with the old SQL fails with the ALTER EXTENSION hint');
# db2's lead as the previous library left it when no rule matched: queued, attempt 1 audited.
$node->safe_psql('db2', q{
UPDATE lead_router.leads SET routing_attempts = 1, routing_last_attempted_at = now(),
       routing_due_at = now() + interval '1 hour';
INSERT INTO lead_router.routing_queue (lead_id, workspace_id, attempt_number, max_attempts, next_retry_at)
VALUES ('10000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1', 1, 3,
        now() + interval '1 hour');
INSERT INTO lead_router.routing_logs (lead_id, source_workspace_id, routing_result, attempt)
VALUES ('10000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1', 'no_match', 1);
});

# (c) db2's worker notices the old version: it says so once and waits.
my $log_offset = 0;
ok($node->poll_query_until('postgres', $worker_of->('db2',
			"query = 'lead_router worker: waiting for ALTER EXTENSION lead_router UPDATE (installed $old_version, library $library_version)'")),
	'pg_stat_activity shows the db2 worker waiting for ALTER EXTENSION lead_router UPDATE');

# (b) db1's worker drains db1's due retry with no manual call.
$node->safe_psql($_, $add_rule_and_make_due) for qw(db1 db2);
ok($node->poll_query_until('db1', $routed), 'db1: the worker routes the due lead');
is($node->safe_psql('db1', q{
SELECT string_agg(routing_result || '@' || attempt, ' ' ORDER BY id) FROM lead_router.routing_logs}),
	'no_match@1 success@2', 'db1: its audit trail shows the retry as the second attempt');
is($node->safe_psql('db1', $open_rows), '0', 'db1: no open queue row is left');

# Let db2's worker go round several times after db2's retry became due: it leaves it alone.
my $since = $node->safe_psql('postgres', 'SELECT now()');
ok($node->poll_query_until('postgres', $worker_of->('db2', "state_change > '$since'::timestamptz + interval '2 s'")),
	'the db2 worker has gone round for two more seconds (several naptimes)');
is($node->safe_psql('db2', $open_rows), '1', 'db2: its due retry is left alone meanwhile');
is($node->safe_psql('db2', "SELECT routing_status FROM lead_router.leads"), 'pending',
	'db2: the lead is still pending');

my $log = slurp_file($node->logfile);
my $waiting = qr/LOG:  lead_router worker: database "db2" has lead_router \Q$old_version\E installed, the library is \Q$library_version\E; waiting\n[^\n]*HINT:  Run ALTER EXTENSION lead_router UPDATE/;
my @waiting_lines = $log =~ /database "db2" has lead_router/g;
is(scalar(@waiting_lines), 1, 'db2: the waiting line is logged exactly once');
like($log, $waiting, 'at LOG level, with the hint to run ALTER EXTENSION lead_router UPDATE');
unlike($log, qr/database "db1" has lead_router/, 'db1: no waiting line');
# the one error expected: route_lead called with db2's old SQL (above)
my $expected_error = qr/ERROR:  route_lead\(\) returns \d+ columns in the installed SQL/;
my @errors = grep { /ERROR|FATAL|PANIC/ && !/$expected_error/ } split /\n/, $log;
is(scalar(@errors), 0, 'no other error in the server log') or diag(join("\n", @errors));

# (d) After ALTER EXTENSION lead_router UPDATE, db2's worker drains db2's queue.
$node->safe_psql('db2', 'ALTER EXTENSION lead_router UPDATE');
is($node->safe_psql('db2', 'SELECT extversion FROM pg_extension WHERE extname = \'lead_router\''),
	$library_version, "db2 is updated to $library_version");
ok($node->poll_query_until('db2', $routed), 'db2: the worker routes the due lead after the update');
is($node->safe_psql('db2', q{
SELECT string_agg(routing_result || '@' || attempt, ' ' ORDER BY id) FROM lead_router.routing_logs}),
	'no_match@1 success@2', 'db2: its audit trail shows the retry as the second attempt');
is($node->safe_psql('db2', $open_rows), '0', 'db2: no open queue row is left');
ok($node->poll_query_until('postgres', $worker_of->('db2', "query LIKE 'lead_router worker: idle%'")),
	'pg_stat_activity shows the db2 worker idle, no longer waiting');

# (e) The summary line of each worker that did work.
my %pid;
for my $db (qw(db1 db2)) {
	$pid{$db} = $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'lead_router worker' AND datname = '$db'");
	my $summary = qr/\[$pid{$db}\] LOG:  lead_router worker: 1 retries processed in the last \d+ s \(1 routed, 0 requeued, 0 failed; 1 rounds\)/;
	ok($node->wait_for_log($summary, $log_offset), "$db: the worker logs its summary line once it did work");
}
$log = slurp_file($node->logfile);
my @summaries = $log =~ /LOG:  lead_router worker: \d+ retries processed in the last/g;
is(scalar(@summaries), 2, 'one summary line per worker that did work, none for idle intervals');
@waiting_lines = $log =~ /database "db2" has lead_router/g;
is(scalar(@waiting_lines), 1, 'the waiting line was still logged only once');
@errors = grep { /ERROR|FATAL|PANIC/ && !/$expected_error/ } split /\n/, $log;
is(scalar(@errors), 0, 'and the server log has no other error') or diag(join("\n", @errors));

$node->stop;
done_testing();
