# Arrival routing with one worker (README "The background worker", SPEC.md "Arrival routing
# and the outcome feed").  With lead_router.worker_naptime at 60 s, a lead inserted and
# committed is routed by the worker within a fraction of a second: the commit set the
# worker's latch.  A rolled-back insert wakes nothing (the worker's count of commit wake-ups
# in pg_stat_activity does not move).  When no wake-up comes -- a lead that becomes due by
# the clock, the COMMIT PREPARED of a prepared insert, an insert while the worker is being
# restarted -- the naptime (or the restarted worker's first round) is the backstop.  With
# lead_router.route_on_arrival = off the worker routes no pending lead, as in 0.5.0, but
# still drains the retry queue; switched on again, the backlog (3,000 leads) is routed.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

my $node = PostgreSQL::Test::Cluster->new('arrival');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'lead_router'
lead_router.database = 'postgres'
lead_router.worker_naptime = '60s'
max_prepared_transactions = 2
track_commit_timestamp = on
});
$node->start;

my $inbound = '00000000-0000-0000-0000-0000000000a1';
my $unruled = '00000000-0000-0000-0000-0000000000a2';    # a source workspace with no rule
my $partner = '00000000-0000-0000-0000-0000000000b1';
$node->safe_psql('postgres', qq{
CREATE EXTENSION lead_router;
INSERT INTO lead_router.workspaces (id, name, workspace_type) VALUES
    ('$inbound', 'Inbound', 'internal'), ('$unruled', 'Unruled', 'internal'),
    ('$partner', 'Partner', 'partner');
INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id)
VALUES ('$inbound', 'all', '{}', '$partner');
});

# The worker's own figures, from pg_stat_activity (written at the end of every round):
# commits that set its latch, leads it routed on arrival.
my $figure = sub {
	my ($pattern) = @_;
	return $node->safe_psql('postgres', qq{
SELECT coalesce(sum((regexp_match(query, '$pattern'))[1]::bigint), -1)
  FROM pg_stat_activity WHERE backend_type = 'lead_router worker'});
};
my $wakeups = sub { $figure->('woken by (\d+) commits') };
my $routed_on_arrival = sub { $figure->('(\d+) leads routed on arrival') };
my $worker_idle_with = sub {
	my ($min_wakeups) = @_;
	return $node->poll_query_until('postgres', qq{
SELECT count(*) = 1 FROM pg_stat_activity
 WHERE backend_type = 'lead_router worker' AND query LIKE 'lead_router worker: idle%'
   AND (regexp_match(query, 'woken by (\\d+) commits'))[1]::bigint >= $min_wakeups});
};
my $lead = sub { sprintf('10000000-0000-0000-0000-%012d', $_[0]) };
my $insert_lead = sub {
	my ($n, $extra_columns, $extra_values) = @_;
	$extra_columns //= '';
	$extra_values //= '';
	return "INSERT INTO lead_router.leads (id, company_industry, source_workspace_id$extra_columns) "
	  . "VALUES ('" . $lead->($n) . "', 'software', '$inbound'$extra_values)";
};
my $status_of = sub {
	$node->safe_psql('postgres',
		"SELECT routing_status FROM lead_router.leads WHERE id = '" . $lead->($_[0]) . "'");
};
my $routed = sub {
	"SELECT routing_status = 'routed' FROM lead_router.leads WHERE id = '" . $lead->($_[0]) . "'";
};

ok($worker_idle_with->(0), 'the worker is idle, naptime 60 s');
my $w0 = $wakeups->();
is($w0, '0', 'no commit has woken it yet (no lead was written)');

# (1) Wake-up on commit.
my $t0 = time;
$node->safe_psql('postgres', $insert_lead->(1));
ok($node->poll_query_until('postgres', $routed->(1)), 'a committed pending lead is routed by the worker');
my $took = time - $t0;
cmp_ok($took, '<', 10, sprintf('well before the 60 s naptime (%.3f s, insert to seen routed)', $took));
my $latency_ms = $node->safe_psql('postgres', "SELECT round(extract(epoch FROM routed_at - created_at) * 1000, 1) FROM lead_router.leads WHERE id = '" . $lead->(1) . "'");
cmp_ok($latency_ms, '<', 2000, "routed_at - created_at = $latency_ms ms");
is($node->safe_psql('postgres', "SELECT routing_result || ' ' || attempt FROM lead_router.routing_logs WHERE lead_id = '" . $lead->(1) . "'"),
	'success 1', 'one success audit row, attempt 1');
ok($worker_idle_with->(1), 'the worker is idle again');
is($wakeups->(), '1', 'woken by exactly one commit');

# (2) No wake-up at rollback: the rolled-back insert does not count; the next commit does.
$node->safe_psql('postgres', "BEGIN; " . $insert_lead->(2) . "; ROLLBACK;");
$node->safe_psql('postgres', "BEGIN; SAVEPOINT s; " . $insert_lead->(2) . "; ROLLBACK TO SAVEPOINT s; COMMIT;");
sleep 1;
is($wakeups->(), '1', 'a rolled-back insert, and one rolled back to a savepoint, woke nobody');
$node->safe_psql('postgres', $insert_lead->(3));
ok($node->poll_query_until('postgres', $routed->(3)), 'the next committed lead is routed');
ok($worker_idle_with->(2), 'and the worker is idle again');
is($wakeups->(), '2', 'woken by two commits in all: the rollbacks never set its latch');
is($node->safe_psql('postgres', "SELECT count(*) FROM lead_router.leads WHERE id = '" . $lead->(2) . "'"),
	'0', 'the rolled-back lead does not exist');

# Arrival latency: from the inserting transaction's commit (its commit timestamp, recorded
# just before COMMIT returns to the client) to routed_at.  One session, warmed up by its
# first insert (the leads trigger loads ICU and libphonenumber once per backend); each lead
# inserted after the previous one was routed.
my $app = $node->background_psql('postgres');
my @latency_ms;
for my $n (100 .. 120) {
	my $xid = $app->query_safe($insert_lead->($n) . " RETURNING pg_current_xact_id()");
	$node->poll_query_until('postgres', $routed->($n)) or last;
	next if $n == 100;
	push @latency_ms, $node->safe_psql('postgres', "SELECT extract(epoch FROM routed_at - pg_xact_commit_timestamp(xid('$xid'::xid8))) * 1000 FROM lead_router.leads WHERE id = '" . $lead->($n) . "'");
}
$app->quit;
my @sorted = sort { $a <=> $b } @latency_ms;
is(scalar(@sorted), 20, 'twenty single-lead commits routed one after the other');
note(sprintf('arrival latency, commit to routed_at, naptime 60 s, 20 leads: min %.1f ms, p50 %.1f ms, max %.1f ms',
		$sorted[0], $sorted[9], $sorted[-1]));
cmp_ok($sorted[0], '>=', 0, 'never routed before the commit');
cmp_ok($sorted[9], '<', 1000, sprintf('median arrival latency %.1f ms, far below the naptime', $sorted[9]));
ok($worker_idle_with->(23), 'idle again');
is($wakeups->(), '23', 'each by its own commit wake-up');

# A transaction that writes nothing routable wakes nobody either: a lead due in an hour.
$node->safe_psql('postgres', $insert_lead->(4, ', routing_due_at', ", now() + interval '1 hour'"));
sleep 1;
is($wakeups->(), '23', 'a lead not yet due wakes nobody');
is($status_of->(4), 'pending', 'and stays pending');
$node->safe_psql('postgres', "DELETE FROM lead_router.leads WHERE id = '" . $lead->(4) . "'");

# 100 leads in one transaction: one wake-up, every lead routed once.
$t0 = time;
$node->safe_psql('postgres', qq{
INSERT INTO lead_router.leads (company_industry, source_workspace_id, attributes)
SELECT 'software', '$inbound', jsonb_build_object('burst', i) FROM generate_series(1, 100) i});
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 100 FROM lead_router.leads WHERE attributes ? 'burst' AND routing_status = 'routed'"),
	'a transaction of 100 leads is routed on arrival');
$took = time - $t0;
cmp_ok($took, '<', 10, sprintf('at once (%.3f s)', $took));
ok($worker_idle_with->(24), 'idle again');
is($wakeups->(), '24', 'after one wake-up');
is($routed_on_arrival->(), '123', 'the worker counts 123 leads routed on arrival');

# (3) The backstop: shorter naptime, then leads that no commit announces.
$node->safe_psql('postgres', "ALTER SYSTEM SET lead_router.worker_naptime = '3s'");
$node->safe_psql('postgres', 'SELECT pg_reload_conf()');
ok($node->poll_query_until('postgres', q{
SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'lead_router worker' AND query LIKE '%(naptime 3000 ms)%'}),
	'naptime now 3 s');
my $w = $wakeups->();

# (3a) A lead that becomes due by the clock: no commit makes it due.
$node->safe_psql('postgres', $insert_lead->(5, ', routing_due_at', ", clock_timestamp() + interval '1 second'"));
ok($node->poll_query_until('postgres', $routed->(5)), 'a lead that became due by the clock is routed');
is($node->safe_psql('postgres', "SELECT routed_at >= routing_due_at AND routed_at < routing_due_at + interval '5 seconds' FROM lead_router.leads WHERE id = '" . $lead->(5) . "'"),
	't', 'after it became due, within the naptime');

# (3b) COMMIT PREPARED: the prepared transaction's leads wake nobody; the naptime finds them.
$node->safe_psql('postgres', "BEGIN; " . $insert_lead->(6) . "; PREPARE TRANSACTION 'lr_arrival';");
is($status_of->(6), '', 'the prepared lead is not visible yet');
$t0 = time;
$node->safe_psql('postgres', "COMMIT PREPARED 'lr_arrival'");
ok($node->poll_query_until('postgres', $routed->(6)), 'a lead committed by COMMIT PREPARED is routed');
$took = time - $t0;
cmp_ok($took, '<', 8, sprintf('by the naptime backstop (%.2f s, naptime 3 s)', $took));
is($wakeups->(), $w, 'without any commit wake-up');

# (3c) Inserted while the worker is being restarted: no worker to wake; the new one routes it.
my $pid = $node->safe_psql('postgres', "SELECT pid FROM pg_stat_activity WHERE backend_type = 'lead_router worker'");
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'lead_router worker'"),
	'the worker has exited');
$node->safe_psql('postgres', $insert_lead->(7));
ok($node->poll_query_until('postgres', $routed->(7)), 'a lead inserted while no worker ran is routed by the restarted one');
isnt($node->safe_psql('postgres', "SELECT pid FROM pg_stat_activity WHERE backend_type = 'lead_router worker'"),
	$pid, 'by a new worker process');

# (4) route_on_arrival = off: as in 0.5.0, the worker routes no pending lead (but retries).
$node->safe_psql('postgres', "ALTER SYSTEM SET lead_router.route_on_arrival = off");
$node->safe_psql('postgres', 'SELECT pg_reload_conf()');
ok($node->poll_query_until('postgres', q{
SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'lead_router worker' AND query LIKE '%(route_on_arrival = off)%'}),
	'route_on_arrival is off');
$w = $wakeups->();
$node->safe_psql('postgres', qq{
INSERT INTO lead_router.leads (company_industry, source_workspace_id, attributes)
SELECT 'software', '$inbound', jsonb_build_object('off', i) FROM generate_series(1, 3000) i});
# A retry that is due: the worker still drains the queue.
$node->safe_psql('postgres', "INSERT INTO lead_router.leads (id, company_industry, source_workspace_id) VALUES ('" . $lead->(8) . "', 'software', '$unruled')");
is($node->safe_psql('postgres', "SELECT status FROM lead_router.route_lead('" . $lead->(8) . "')"),
	'queued', 'a lead with no rule is queued');
$node->safe_psql('postgres', qq{
INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id)
VALUES ('$unruled', 'all', '{}', '$partner');
UPDATE lead_router.routing_queue SET next_retry_at = now() WHERE processed_at IS NULL;
UPDATE lead_router.leads SET routing_due_at = now() WHERE id = '} . $lead->(8) . q{'});
ok($node->poll_query_until('postgres', $routed->(8)), 'the worker still processes the due retry');
sleep 7;    # more than two naptimes
is($node->safe_psql('postgres', "SELECT count(*) FILTER (WHERE routing_status = 'pending') || '/' || count(*) FROM lead_router.leads WHERE attributes ? 'off'"),
	'3000/3000', 'the 3,000 new pending leads stay pending for more than two naptimes');
is($node->safe_psql('postgres', "SELECT count(*) FROM lead_router.routing_logs g JOIN lead_router.leads l ON l.id = g.lead_id WHERE l.attributes ? 'off'"),
	'0', 'with no audit row');
is($wakeups->(), $w, 'and their commit woke nobody');

$t0 = time;
$node->safe_psql('postgres', "ALTER SYSTEM SET lead_router.route_on_arrival = on");
$node->safe_psql('postgres', 'SELECT pg_reload_conf()');
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 3000 FROM lead_router.leads WHERE attributes ? 'off' AND routing_status = 'routed'"),
	'switched on again, the backlog is routed');
$took = time - $t0;
note(sprintf('drained 3,000 leads with 1 worker in %.2f s (%.0f leads/s)', $took, 3000 / $took));

# Every lead of this test was routed exactly once.
is($node->safe_psql('postgres', q{
SELECT count(*) FILTER (WHERE routing_status <> 'routed') || ' not routed, '
       || count(*) FILTER (WHERE (SELECT count(*) FROM lead_router.routing_logs g
                                   WHERE g.lead_id = l.id AND g.routing_result = 'success') <> 1)
       || ' without exactly one success row'
  FROM lead_router.leads l}),
	'0 not routed, 0 without exactly one success row', 'every lead routed, exactly once');
is($node->safe_psql('postgres', q{
SELECT count(*) FROM lead_router.routing_queue q JOIN lead_router.leads l ON l.id = q.lead_id
 WHERE q.processed_at IS NULL AND l.routing_status = 'routed'}),
	'0', 'no routed lead keeps an open queue row');
ok(!$node->log_contains('ERROR'), 'no ERROR in the server log');

$node->stop;
done_testing();
