# Backups: pg_dump -Fc by the superuser and pg_restore into a fresh database give back every
# row of every lead_router table, equal column by column, and the positions of the audit
# log's and the queue's sequences.  The data holds leads in every state (routed, pending,
# queued with an open queue row, duplicate, failed, expired, routing), their audit trail,
# memberships, and a rule whose partner was deactivated after the rule was written: restore
# keeps that rule although inserting a new rule to an inactive partner is refused.  Routing
# then goes on in the restored copy: a pending lead routes, a restored routed lead is
# recognised as the original of a new duplicate, the rule to the inactive partner is still
# skipped, and new audit and queue rows get ids above every restored one.  Distribution too:
# a weighted pool, a cap, accepting hours, the pool's round-robin state and the cap's
# counter come back, and the next pool lead takes the turn the original would have given.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
# preloaded, as in production: the pool's credits and the cap's count are in shared memory,
# and the dump has what save_distribution_state() checkpointed (the worker, which would also
# do it every minute, serves another database)
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'lead_router'
lead_router.database = 'postgres'
});
$node->start;

my $inbound_a = '00000000-0000-0000-0000-0000000000a1';    # internal
my $inbound_b = '00000000-0000-0000-0000-0000000000a2';    # internal
my $partner_1 = '00000000-0000-0000-0000-0000000000b1';    # partner, active
my $partner_2 = '00000000-0000-0000-0000-0000000000b2';    # partner, deactivated later
my $partner_3 = '00000000-0000-0000-0000-0000000000b3';    # partner, in a pool with Partner One
my $pool_rule = '20000000-0000-0000-0000-000000000004';
my %lead = map { $_->[0] => "10000000-0000-0000-0000-00000000000$_->[1]" } (
	[ routed => 1 ], [ pending => 2 ], [ queued => 3 ], [ duplicate => 4 ],
	[ failed => 5 ], [ expired => 6 ], [ routing => 7 ], [ pooled => 'a' ]);

$node->safe_psql('postgres', 'CREATE DATABASE app');
$node->safe_psql('app', qq{
CREATE EXTENSION lead_router;
INSERT INTO lead_router.workspaces (id, name, workspace_type) VALUES
    ('$inbound_a', 'Inbound A', 'internal'),
    ('$inbound_b', 'Inbound B', 'internal'),
    ('$partner_1', 'Partner One', 'partner'),
    ('$partner_2', 'Partner Two', 'partner');
INSERT INTO lead_router.workspaces (id, name, workspace_type, time_zone) VALUES
    ('$partner_3', 'Partner Three', 'partner', 'Asia/Tokyo');
INSERT INTO lead_router.routing_rules (id, workspace_id, name, priority, conditions, destination_workspace_id) VALUES
    ('20000000-0000-0000-0000-000000000001', '$inbound_a', 'software', 100,
     '{"company_industry": ["software", "saas"], "company_size": {"gte": 10}}', '$partner_1'),
    ('20000000-0000-0000-0000-000000000002', '$inbound_a', 'retail', 50,
     '{"company_industry": "retail"}', '$partner_2'),
    ('20000000-0000-0000-0000-000000000003', '$inbound_b', 'germany', 10,
     '{"country": {"in": ["DE", "AT"]}}', '$partner_1');
-- the rule to Partner Two stays, but its partner no longer buys
UPDATE lead_router.workspaces SET is_active = false WHERE id = '$partner_2';
INSERT INTO lead_router.user_workspaces (user_id, workspace_id) VALUES
    ('30000000-0000-0000-0000-000000000001', '$inbound_a'),
    ('30000000-0000-0000-0000-000000000001', '$inbound_b'),
    ('30000000-0000-0000-0000-000000000002', '$partner_1'),
    ('30000000-0000-0000-0000-000000000003', '$partner_2');
-- retail leads of Inbound B go to a pool: Partner One (weight 2, at most 100 a day) and
-- Partner Three (weight 1, open every day of the week)
BEGIN;
INSERT INTO lead_router.routing_rules (id, workspace_id, name, priority, conditions, destination_workspace_id)
VALUES ('$pool_rule', '$inbound_b', 'retail pool', 5, '{"company_industry": "retail"}', NULL);
INSERT INTO lead_router.routing_rule_destinations (rule_id, destination_workspace_id, weight) VALUES
    ('$pool_rule', '$partner_1', 2), ('$pool_rule', '$partner_3', 1);
COMMIT;
INSERT INTO lead_router.partner_caps (workspace_id, period, max_leads) VALUES ('$partner_1', 'day', 100);
INSERT INTO lead_router.partner_hours (workspace_id, iso_weekday, opens, closes)
SELECT '$partner_3', d, '00:00', '24:00' FROM generate_series(1, 7) d;
INSERT INTO lead_router.leads (id, email, phone, company_name, company_industry, company_size,
                               country, attributes, source_workspace_id, lead_expires_at) VALUES
    ('$lead{routed}', 'Alice\@Example.com', '+1 555 010 0199', 'Acme Inc', 'software', 500, 'US',
     '{"budget": 25000, "tags": ["a", "b"]}', '$inbound_a', NULL),
    ('$lead{pending}', 'bob\@example.com', NULL, 'Bob GmbH', 'saas', 40, 'DE', '{}', '$inbound_a', NULL),
    ('$lead{queued}', 'carol\@example.com', NULL, NULL, 'mining', 20, 'US', '{}', '$inbound_a', NULL),
    ('$lead{duplicate}', ' alice\@example.COM ', '+1 555 010 0199', 'Acme Inc', 'software', 500, 'DE',
     '{"note": "same person, other inbound"}', '$inbound_b', NULL),
    ('$lead{failed}', 'dave\@example.com', NULL, NULL, 'mining', 5, 'FR', '{}', '$inbound_a', NULL),
    ('$lead{expired}', 'erin\@example.com', NULL, NULL, 'software', 900, 'US', '{}', '$inbound_a',
     now() - interval '1 day'),
    ('$lead{routing}', 'frank\@example.com', NULL, NULL, 'software', 900, 'US', '{}', '$inbound_a', NULL),
    ('$lead{pooled}', 'gina\@example.com', NULL, NULL, 'retail', 30, 'US', '{}', '$inbound_b', NULL);
});

# A new rule to the inactive partner is refused.
my ($rc, $out, $err) = $node->psql('app', qq{
INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id)
VALUES ('$inbound_a', 'new to inactive', '{}', '$partner_2')});
like($err, qr/destination workspace $partner_2 is not active/,
	'a new rule to an inactive partner is refused on insert');

my $status = sub {
	my ($db, $call) = @_;
	return $node->safe_psql($db, "SELECT status FROM lead_router.$call");
};
is($status->('app', "route_lead('$lead{routed}')"), 'routed', 'lead 1 is routed');
is($status->('app', "route_lead('$lead{queued}')"), 'queued', 'lead 3 matches no rule and is queued');
is($status->('app', "route_lead('$lead{duplicate}')"), 'duplicate',
	'lead 4, the same person in another inbound, is a duplicate');
is($status->('app', "route_lead('$lead{failed}', NULL, 2)"), 'queued',
	'lead 5 matches no rule on its first of two attempts and is queued');
is($status->('app', "route_lead('$lead{failed}', NULL, 2)"), 'failed',
	'and fails on its last attempt, closing its queue row');
is($status->('app', "route_lead('$lead{expired}')"), 'expired', 'lead 6 is past its expiry and expires');
is($node->safe_psql('app',
		"SELECT lead_router.acquire_routing_lock('$lead{routing}', '40000000-0000-0000-0000-000000000001')"),
	't', 'lead 7 is held in routing');
is($node->safe_psql('app', "SELECT status || ' ' || destination_workspace_id FROM lead_router.route_lead('$lead{pooled}')"),
	"routed $partner_1", 'lead a goes to the heavier member of the pool');

my $states = q{SELECT string_agg(right(id::text, 1) || '=' || routing_status
                       || CASE WHEN duplicate_of IS NOT NULL THEN '(dup of ' || right(duplicate_of::text, 1) || ')' ELSE '' END,
                       ' ' ORDER BY id) FROM lead_router.leads};
my $expected_states = '1=routed 2=pending 3=pending 4=routed(dup of 1) 5=failed 6=expired 7=routing a=routed';
is($node->safe_psql('app', $states), $expected_states, 'the leads are in every state');
is($node->safe_psql('app', q{
SELECT string_agg(right(lead_id::text, 1) || ':' || routing_result, ' ' ORDER BY id) FROM lead_router.routing_logs}),
	'1:success 3:no_match 4:duplicate 5:no_match 5:failed 6:expired 7:locked a:success',
	'and the audit log has their rows');
is($node->safe_psql('app',
		"SELECT count(*) FROM lead_router.routing_queue WHERE processed_at IS NULL AND lead_id = '$lead{queued}'"),
	'1', 'the queued lead has an open queue row');
is($node->safe_psql('app',
		"SELECT count(*) FROM lead_router.routing_queue WHERE processed_at IS NOT NULL AND lead_id = '$lead{failed}'"),
	'1', 'the failed lead has a closed one');

# Dump as the superuser (pg_dump sets row_security = off) and restore into a fresh database.
my $dump = PostgreSQL::Test::Utils::tempdir() . '/app.dump';
# The pool's credits and the cap's count live in shared memory (the library is preloaded):
# checkpointed into routing_pool_state and partner_cap_usage first, as the README says to do
# before a dump.
$node->safe_psql('app', 'SELECT lead_router.save_distribution_state()');
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', 'app' ], 'pg_dump -Fc of the database');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', 'restored', $dump ],
	'pg_restore into a fresh database, without an error');

# Every table, row by row, column by column.
my %key = (
	workspaces      => 'id',
	leads           => 'id',
	routing_rules   => 'id',
	routing_queue   => 'id',
	routing_logs    => 'id',
	user_workspaces => 'user_id, workspace_id',
	routing_rule_destinations => 'rule_id, destination_workspace_id',
	routing_pool_state => 'rule_id',
	partner_caps => 'workspace_id, period',
	partner_cap_usage => 'workspace_id, period',
	partner_hours => 'workspace_id, iso_weekday, opens');
is($node->safe_psql('app', q{
SELECT string_agg(relname, ' ' ORDER BY relname) FROM pg_class
 WHERE relnamespace = 'lead_router'::regnamespace AND relkind = 'r'}),
	join(' ', sort keys %key), 'every table of the extension is compared');
for my $table (sort keys %key) {
	my $digest = qq{SELECT count(*) || ' rows, md5 ' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY $key{$table})), '-')
	                  FROM lead_router.$table t};
	my $original = $node->safe_psql('app', $digest);
	my $copy = $node->safe_psql('restored', $digest);
	note("$table: $original");
	unlike($original, qr/^0 rows/, "$table has rows to compare");
	is($copy, $original, "$table is restored row by row ($copy)");
}
my $counts = q{SELECT (SELECT count(*) FROM lead_router.workspaces) || ' workspaces, '
                   || (SELECT count(*) FROM lead_router.routing_rules) || ' rules, '
                   || (SELECT count(*) FROM lead_router.user_workspaces) || ' memberships, '
                   || (SELECT count(*) FROM lead_router.leads) || ' leads, '
                   || (SELECT count(*) FROM lead_router.routing_queue) || ' queue rows, '
                   || (SELECT count(*) FROM lead_router.routing_logs) || ' audit rows'};
is($node->safe_psql('restored', $counts), $node->safe_psql('app', $counts), 'the counts agree');
is($node->safe_psql('restored', $states), $expected_states, 'the restored leads keep their states');
is($node->safe_psql('restored', qq{
SELECT w.is_active::text || ' ' || r.name FROM lead_router.routing_rules r
  JOIN lead_router.workspaces w ON w.id = r.destination_workspace_id WHERE w.id = '$partner_2'}),
	'false retail', 'the rule to the deactivated partner is restored, its partner still inactive');

for my $seq (qw(routing_logs_id_seq routing_queue_id_seq)) {
	my $position = "SELECT last_value || ' ' || is_called FROM lead_router.$seq";
	my $original = $node->safe_psql('app', $position);
	is($node->safe_psql('restored', $position), $original, "$seq is restored at its position ($original)");
}

# Routing goes on in the restored copy.
my $max_log = $node->safe_psql('restored', 'SELECT max(id) FROM lead_router.routing_logs');
my $max_queue = $node->safe_psql('restored', 'SELECT max(id) FROM lead_router.routing_queue');
is($node->safe_psql('restored',
		"SELECT status || ' ' || destination_workspace_id FROM lead_router.route_lead('$lead{pending}')"),
	"routed $partner_1", 'a restored pending lead routes by the restored rules');
$node->safe_psql('restored', qq{
INSERT INTO lead_router.leads (id, email, phone, company_name, company_industry, country, source_workspace_id) VALUES
    ('10000000-0000-0000-0000-000000000008', 'ALICE\@example.com ', '001 555 010 0199', 'acme  inc', 'software', 'DE', '$inbound_b'),
    ('10000000-0000-0000-0000-000000000009', 'grace\@example.com', NULL, NULL, 'retail', 'US', '$inbound_a')});
is($node->safe_psql('restored', q{
SELECT status || ' of ' || right(duplicate_lead_id::text, 1)
  FROM lead_router.route_lead('10000000-0000-0000-0000-000000000008')}),
	'duplicate of 1', 'a new lead of a restored routed person is its duplicate');
is($status->('restored', "route_lead('10000000-0000-0000-0000-000000000009')"), 'queued',
	'the restored rule to the inactive partner is skipped');
($rc, $out, $err) = $node->psql('restored', qq{
INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id)
VALUES ('$inbound_a', 'new to inactive', '{}', '$partner_2')});
like($err, qr/is not active/, 'and a new rule to it is still refused there');
is($node->safe_psql('restored', qq{
SELECT string_agg(right(lead_id::text, 1) || ':' || routing_result, ' ' ORDER BY id)
  FROM lead_router.routing_logs WHERE id > $max_log}),
	'2:success 8:duplicate 9:no_match', 'the new audit rows are numbered after every restored one');
is($node->safe_psql('restored', 'SELECT count(*) FROM lead_router.routing_logs'),
	$node->safe_psql('app', 'SELECT count(*) FROM lead_router.routing_logs') + 3,
	'and they are the only audit rows added');
is($node->safe_psql('restored', qq{
SELECT right(lead_id::text, 1) FROM lead_router.routing_queue WHERE id > $max_queue}),
	'9', 'the new queue row is numbered after every restored one');
$node->safe_psql('restored', qq{
INSERT INTO lead_router.leads (id, email, company_industry, source_workspace_id)
VALUES ('10000000-0000-0000-0000-00000000000b', 'hank\@example.com', 'retail', '$inbound_b')});
is($node->safe_psql('restored',
		"SELECT status || ' ' || destination_workspace_id FROM lead_router.route_lead('10000000-0000-0000-0000-00000000000b')"),
	"routed $partner_3", "the next pool lead takes Partner Three's turn: the round-robin state was restored");
$node->safe_psql('restored', 'SELECT lead_router.save_distribution_state()');
is($node->safe_psql('restored', "SELECT used FROM lead_router.partner_cap_usage WHERE workspace_id = '$partner_1'"),
	'3', "Partner One's daily counter kept its count from before the dump (lead 1, routed before the cap existed, and lead a) and counted lead 2 since");

$node->stop;
done_testing();
