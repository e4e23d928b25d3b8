# Several workers per database (lead_router.workers = 3), SKIP LOCKED keeping them disjoint
# (SPEC.md "Arrival routing and the outcome feed").
#   (1) A backlog of 3,000 pending leads (made with route_on_arrival = off, as SPEC says a
#       backlog is made) is drained by the three workers once arrival routing is switched
#       on: every lead has exactly one success audit row, the workers' own counts add up to
#       3,000, and more than one worker took part.
#   (2) Arrivals from four clients committing one lead per transaction, while the
#       application also calls route_lead on each lead right after its commit: every lead
#       routed exactly once; the application sees `routed` (its own routing, or the outcome
#       the worker recorded, with the same destination) or `locked` (a worker held it).
#       Meanwhile a consumer pulls routing_events() with a remembered cursor: it receives
#       every audit row exactly once, none skipped, whatever the order of the commits.
#   (3) A worker killed with SIGKILL in the middle of an arrival batch of a 6,000-lead
#       backlog (an audit trigger slows every batch down so that the kill lands inside
#       one): the server restarts, the workers come back, and afterwards nothing is lost or
#       routed twice, no lead is left in `routing`.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

my $node = PostgreSQL::Test::Cluster->new('workers');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'lead_router'
lead_router.database = 'postgres'
lead_router.workers = 3
lead_router.worker_naptime = '10s'
lead_router.route_on_arrival = off
max_connections = 40
restart_after_crash = on
});
$node->start;

my $inbound = '00000000-0000-0000-0000-0000000000a1';
my $partner = '00000000-0000-0000-0000-0000000000b1';
$node->safe_psql('postgres', qq{
CREATE EXTENSION lead_router;
INSERT INTO lead_router.workspaces (id, name, workspace_type) VALUES
    ('$inbound', 'Inbound', 'internal'), ('$partner', 'Partner', 'partner');
INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id)
VALUES ('$inbound', 'all', '{}', '$partner');
});

ok($node->poll_query_until('postgres', q{
SELECT count(*) = 3 AND count(DISTINCT pid) = 3
  FROM pg_stat_activity WHERE backend_type = 'lead_router worker' AND query LIKE '%idle%'}),
	'three workers run for the database');
my $set_arrival = sub {
	my ($value) = @_;
	$node->safe_psql('postgres', "ALTER SYSTEM SET lead_router.route_on_arrival = $value");
	$node->safe_psql('postgres', 'SELECT pg_reload_conf()');
	my $off = $value eq 'off' ? '' : 'NOT';
	ok($node->poll_query_until('postgres', qq{
SELECT count(*) = 3 FROM pg_stat_activity
 WHERE backend_type = 'lead_router worker' AND query LIKE 'lead_router worker: idle%'
   AND $off (query LIKE '%(route_on_arrival = off)%')}),
		"route_on_arrival = $value in every worker");
};
my $routed_by_worker = sub {
	return $node->safe_psql('postgres', q{
SELECT string_agg(coalesce((regexp_match(query, '(\d+) leads routed on arrival'))[1], '?'), ' ' ORDER BY n DESC)
  FROM (SELECT query, coalesce((regexp_match(query, '(\d+) leads routed on arrival'))[1]::int, -1) AS n
          FROM pg_stat_activity WHERE backend_type = 'lead_router worker') w});
};
my $exactly_once = q{
SELECT count(*) || ' leads, '
       || count(*) FILTER (WHERE l.routing_status <> 'routed') || ' not routed, '
       || count(*) FILTER (WHERE s.successes <> 1) || ' without exactly one success row'
  FROM lead_router.leads l
  LEFT JOIN LATERAL (SELECT count(*) AS successes FROM lead_router.routing_logs g
                      WHERE g.lead_id = l.id AND g.routing_result = 'success') s ON true
 WHERE l.attributes->>'part' = };

# (1) The backlog.
$node->safe_psql('postgres', qq{
INSERT INTO lead_router.leads (company_industry, source_workspace_id, attributes)
SELECT 'software', '$inbound', jsonb_build_object('part', 'backlog', 'i', i) FROM generate_series(1, 3000) i});
is($node->safe_psql('postgres', "SELECT count(*) FROM lead_router.leads WHERE routing_status = 'pending'"),
	'3000', 'a backlog of 3,000 pending leads (route_on_arrival = off)');
my $t0 = time;
$set_arrival->('on');
ok($node->poll_query_until('postgres', "SELECT count(*) = 0 FROM lead_router.leads WHERE routing_status <> 'routed'"),
	'the three workers drain it');
my $drain = time - $t0;
note(sprintf('drained 3,000 leads with 3 workers in %.2f s (%.0f leads/s)', $drain, 3000 / $drain));
is($node->safe_psql('postgres', $exactly_once . "'backlog'"),
	'3000 leads, 0 not routed, 0 without exactly one success row', 'each lead has exactly one success audit row');
is($node->safe_psql('postgres', q{
SELECT count(*) FROM lead_router.routing_logs WHERE routing_result <> 'success'}),
	'0', 'and no other audit row (no lead was taken twice)');
ok($node->poll_query_until('postgres', q{
SELECT sum((regexp_match(query, '(\d+) leads routed on arrival'))[1]::int) = 3000
  FROM pg_stat_activity WHERE backend_type = 'lead_router worker' AND query LIKE 'lead_router worker: idle%'
HAVING count(*) = 3}),
	"the workers' own counts add up to 3,000");
my $split = $routed_by_worker->();
note("leads routed per worker: $split");
cmp_ok(scalar(grep { $_ > 0 } split(/ /, $split)), '>=', 2, "more than one worker took part ($split)");

# (2) Arrivals, the application calling route_lead as well, and a consumer of the feed.
$node->safe_psql('postgres', q{
CREATE TABLE app_results (lead_id uuid PRIMARY KEY, status text NOT NULL, destination uuid);
CREATE TABLE consumed (id bigint PRIMARY KEY, lead_id uuid, routing_result text);
CREATE TABLE consumer_cursor (last_id bigint NOT NULL);
INSERT INTO consumer_cursor SELECT coalesce(max(id), 0) FROM lead_router.routing_logs;
CREATE TABLE consumer_start AS SELECT last_id AS first_after FROM consumer_cursor;
CREATE PROCEDURE app_client(client int, n int) LANGUAGE plpgsql AS $$
DECLARE
    lead uuid;
    r record;
BEGIN
    FOR i IN 1 .. n LOOP
        INSERT INTO lead_router.leads (company_industry, source_workspace_id, attributes)
        VALUES ('software', '00000000-0000-0000-0000-0000000000a1',
                jsonb_build_object('part', 'arrivals', 'client', client, 'i', i))
        RETURNING id INTO lead;
        COMMIT;
        IF i % 2 = 0 THEN  -- every other lead: the application routes it too, at once
            SELECT * INTO r FROM lead_router.route_lead(lead);
            INSERT INTO app_results VALUES (lead, r.status, r.destination_workspace_id);
            COMMIT;
        END IF;
    END LOOP;
END $$;
-- Pulls the feed, 50 rows a page, until it has seen `expected` success rows of this part and
-- then an empty page, remembering its cursor in a table (committed after every page) as a
-- delivery process would.  A row received twice would violate consumed's primary key.
CREATE PROCEDURE consume(expected int, deadline timestamptz) LANGUAGE plpgsql AS $$
DECLARE
    after bigint;
    got int;
BEGIN
    LOOP
        SELECT last_id INTO after FROM consumer_cursor;
        INSERT INTO consumed SELECT e.id, e.lead_id, e.routing_result
          FROM lead_router.routing_events(after, 50) e;
        GET DIAGNOSTICS got = ROW_COUNT;
        UPDATE consumer_cursor SET last_id = (SELECT coalesce(max(id), after) FROM consumed);
        COMMIT;
        EXIT WHEN ((SELECT count(*) FROM consumed WHERE routing_result = 'success') >= expected AND got = 0)
               OR clock_timestamp() > deadline;
        IF got = 0 THEN PERFORM pg_sleep(0.01); END IF;
    END LOOP;
END $$;
});
my $clients = 4;
my $per_client = 150;
my $expected = $clients * $per_client;
my $consumer = $node->background_psql('postgres');
$consumer->query_until(qr/consuming/, "\\echo consuming\nCALL consume($expected, clock_timestamp() + interval '120 seconds');\n");
my @apps;
$t0 = time;
for my $c (1 .. $clients) {
	my $app = $node->background_psql('postgres');
	$app->query_until(qr/client $c/, "\\echo client $c\nCALL app_client($c, $per_client);\n");
	push @apps, $app;
}
$_->quit for @apps;
my $insert_time = time - $t0;
ok($node->poll_query_until('postgres',
		"SELECT count(*) = $expected FROM lead_router.leads WHERE attributes->>'part' = 'arrivals' AND routing_status = 'routed'"),
	"$expected leads from $clients clients are routed");
note(sprintf('%d single-lead commits from %d clients (half of them also routed by route_lead) in %.2f s', $expected, $clients, $insert_time));
is($node->safe_psql('postgres', $exactly_once . "'arrivals'"),
	"$expected leads, 0 not routed, 0 without exactly one success row", 'every arrival routed exactly once');
is($node->safe_psql('postgres', q{
SELECT count(*) FILTER (WHERE a.status NOT IN ('routed', 'locked')) || ' other statuses, '
       || count(*) FILTER (WHERE a.status = 'routed' AND a.destination IS DISTINCT FROM l.workspace_id)
       || ' routed elsewhere than recorded'
  FROM app_results a JOIN lead_router.leads l ON l.id = a.lead_id}),
	'0 other statuses, 0 routed elsewhere than recorded',
	'route_lead returns routed (with the recorded destination) or locked');
my $app_statuses = $node->safe_psql('postgres', "SELECT string_agg(status || ' ' || n, ', ' ORDER BY status) FROM (SELECT status, count(*) n FROM app_results GROUP BY status) s");
note("the application's route_lead calls: $app_statuses");
is($node->safe_psql('postgres', 'SELECT count(*) FROM app_results'), $expected / 2, 'every call of the application returned');
$consumer->quit;
# The tail (rows committed after the consumer's last empty page), read the same way.
$node->safe_psql('postgres', "CALL consume($expected, clock_timestamp() + interval '30 seconds')");
is($node->safe_psql('postgres', q{
SELECT count(*) FILTER (WHERE c.id IS NULL) || ' skipped, ' || count(*) FILTER (WHERE g.id IS NULL) || ' unknown'
  FROM (SELECT id FROM lead_router.routing_logs WHERE id > (SELECT first_after FROM consumer_start)) g
  FULL JOIN consumed c ON c.id = g.id}),
	'0 skipped, 0 unknown', 'the feed consumer received every audit row of the run exactly once');
is($node->safe_psql('postgres', "SELECT count(*) FROM consumed c JOIN lead_router.leads l ON l.id = c.lead_id WHERE c.routing_result = 'success' AND l.attributes->>'part' = 'arrivals'"),
	$expected, "including the $expected successes");

# (3) SIGKILL in the middle of an arrival batch.
$set_arrival->('off');
$node->safe_psql('postgres', qq{
INSERT INTO lead_router.leads (company_industry, source_workspace_id, attributes)
SELECT 'software', '$inbound', jsonb_build_object('part', 'killed', 'i', i) FROM generate_series(1, 6000) i;
-- Every audit row takes 5 ms more: a batch of 200 lasts a second, the backlog about ten.
CREATE FUNCTION slow_audit() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN PERFORM pg_sleep(0.005); RETURN NULL; END \$\$;
CREATE TRIGGER slow_audit AFTER INSERT ON lead_router.routing_logs FOR EACH ROW EXECUTE FUNCTION slow_audit();
});
$node->safe_psql('postgres', "ALTER SYSTEM SET lead_router.route_on_arrival = on");
$node->safe_psql('postgres', 'SELECT pg_reload_conf()');
# Once a few batches have committed, kill a worker that is inside one.
ok($node->poll_query_until('postgres', q{
SELECT (SELECT count(*) FROM lead_router.leads WHERE attributes->>'part' = 'killed' AND routing_status = 'routed') >= 400
   AND EXISTS (SELECT 1 FROM pg_stat_activity
                WHERE backend_type = 'lead_router worker' AND state = 'active' AND query LIKE '%route_pending_leads%')}),
	'a worker is in the middle of an arrival batch, after earlier batches committed');
my $victim = $node->safe_psql('postgres', q{
SELECT pid FROM pg_stat_activity
 WHERE backend_type = 'lead_router worker' AND state = 'active' AND query LIKE '%route_pending_leads%' LIMIT 1});
my $old_pids = $node->safe_psql('postgres', "SELECT string_agg(pid::text, ',') FROM pg_stat_activity WHERE backend_type = 'lead_router worker'");
my $before = $node->safe_psql('postgres', "SELECT count(*) FROM lead_router.leads WHERE attributes->>'part' = 'killed' AND routing_status = 'routed'");
kill 'KILL', $victim;
note("killed worker $victim with SIGKILL after $before of 6,000 leads were routed");
cmp_ok($before, '<', 6000, 'the kill came before the backlog was drained');
cmp_ok($before, '>=', 400, 'and after some of it was routed');
ok($node->poll_query_until('postgres', q{
SELECT count(*) = 3 FROM pg_stat_activity WHERE backend_type = 'lead_router worker'
   AND pid NOT IN (} . $old_pids . q{)}),
	'after the crash restart three new workers run');
ok($node->log_contains("background worker \"lead_router worker\" \\(PID $victim\\) was terminated by signal 9"),
	'the server log shows the killed worker');
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM lead_router.leads WHERE attributes->>'part' = 'killed' AND routing_status <> 'routed'"),
	'the backlog is routed in the end');
is($node->safe_psql('postgres', $exactly_once . "'killed'"),
	'6000 leads, 0 not routed, 0 without exactly one success row',
	'nothing lost, nothing routed twice');
is($node->safe_psql('postgres', "SELECT count(*) FROM lead_router.leads WHERE routing_status = 'routing' OR routing_locked_by IS NOT NULL"),
	'0', 'no lead is left locked');
is($node->safe_psql('postgres', q{
SELECT count(*) FROM lead_router.routing_logs g JOIN lead_router.leads l ON l.id = g.lead_id
 WHERE l.attributes->>'part' = 'killed' AND g.routing_result <> 'success'}),
	'0', 'no audit row other than the successes');
$node->safe_psql('postgres', 'DROP TRIGGER slow_audit ON lead_router.routing_logs');

$node->stop;
done_testing();
