# Rule changes that arrive by logical replication reach the rule cache of long-lived backends
# on the subscriber, the background worker included.  The publisher owns workspaces and
# routing_rules; leads are local to the subscriber.  (a) A subscriber session that has
# cached the replicated rules routes by the new ones as soon as a changed destination and a
# new rule have been applied; (b) the subscriber's worker, which has cached the old rules
# while retrying a lead, routes that lead by a newly replicated rule to its destination;
# (c) a partner deactivated on the publisher stops receiving leads on the subscriber; (d) a
# replicated rule that the subscriber's own validation would refuse does not stop the
# subscription's apply worker.  A control shows the session would keep its stale rules
# without the 0.6.0 replica trigger.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $conf = q{
shared_preload_libraries = 'lead_router'
lead_router.database = 'postgres'
lead_router.worker_naptime = '500ms'
# leads stay pending until the test routes them (the worker would route them on arrival)
lead_router.route_on_arrival = off
};
my $pub = PostgreSQL::Test::Cluster->new('publisher');
$pub->init(allows_streaming => 'logical');
$pub->append_conf('postgresql.conf', $conf);
$pub->start;
my $sub = PostgreSQL::Test::Cluster->new('subscriber');
$sub->init;
$sub->append_conf('postgresql.conf', $conf);
$sub->start;

my $inbound = '00000000-0000-0000-0000-0000000000a1';
my $p1 = '00000000-0000-0000-0000-0000000000b1';
my $p2 = '00000000-0000-0000-0000-0000000000b2';
my $p3 = '00000000-0000-0000-0000-0000000000b3';
my $p4 = '00000000-0000-0000-0000-0000000000b4';
my $r1 = '20000000-0000-0000-0000-000000000001';

$pub->safe_psql('postgres', qq{
CREATE EXTENSION lead_router;
INSERT INTO lead_router.workspaces (id, name, workspace_type) VALUES
    ('$inbound', 'Inbound', 'internal'),
    ('$p1', 'Partner One', 'partner'),
    ('$p2', 'Partner Two', 'partner'),
    ('$p3', 'Partner Three', 'partner'),
    ('$p4', 'Partner Four', 'partner');
INSERT INTO lead_router.routing_rules (id, workspace_id, name, priority, conditions, destination_workspace_id)
VALUES ('$r1', '$inbound', 'software', 10, '{"company_industry": "software"}', '$p1');
CREATE PUBLICATION lr_pub FOR TABLE lead_router.workspaces, lead_router.routing_rules;
});
$sub->safe_psql('postgres', 'CREATE EXTENSION lead_router');
$sub->safe_psql('postgres',
	"CREATE SUBSCRIPTION lr_sub CONNECTION '" . $pub->connstr . " dbname=postgres' PUBLICATION lr_pub");
$sub->wait_for_subscription_sync($pub, 'lr_sub');
is($sub->safe_psql('postgres', q{
SELECT (SELECT count(*) FROM lead_router.workspaces) || ' workspaces, '
    || (SELECT count(*) FROM lead_router.routing_rules) || ' rule'}),
	'5 workspaces, 1 rule', 'the initial copy brings the workspaces and the rule');
my $apply_pid = $sub->safe_psql('postgres',
	"SELECT pid FROM pg_stat_subscription WHERE subname = 'lr_sub' AND relid IS NULL");
like($apply_pid, qr/^\d+$/, 'the apply worker runs');

my $next_lead = 0;
my $new_lead = sub {
	my ($industry) = @_;
	my $id = sprintf('10000000-0000-0000-0000-%012d', ++$next_lead);
	$sub->safe_psql('postgres', qq{
INSERT INTO lead_router.leads (id, company_industry, source_workspace_id)
VALUES ('$id', '$industry', '$inbound')});
	return $id;
};
my $route = sub {
	my ($session, $id) = @_;
	return $session->query_safe(qq{
SELECT status || ' ' || coalesce(destination_workspace_id::text, '-') FROM lead_router.route_lead('$id')});
};

# (a) One long-lived session on the subscriber.
my $session = $sub->background_psql('postgres');
is($route->($session, $new_lead->('software')), "routed $p1",
	'a subscriber session routes a lead by the replicated rule (and caches the rules)');

$pub->safe_psql('postgres', qq{
UPDATE lead_router.routing_rules SET destination_workspace_id = '$p2' WHERE id = '$r1';
INSERT INTO lead_router.routing_rules (workspace_id, name, priority, conditions, destination_workspace_id)
VALUES ('$inbound', 'retail', 20, '{"company_industry": "retail"}', '$p3');
});
$pub->wait_for_catchup('lr_sub');
is($sub->safe_psql('postgres', 'SELECT count(*) FROM lead_router.routing_rules'), '2',
	'the changed rule and the new one are applied on the subscriber');
is($route->($session, $new_lead->('software')), "routed $p2",
	'the same session routes the next lead to the changed destination');
is($route->($session, $new_lead->('retail')), "routed $p3", 'and by the new rule');

# (b) The worker on the subscriber.  A lead that matches no rule is queued; the worker
# retries it once with the rules it has (no match, so it is requeued and the worker has
# cached the workspace's rules), then a matching rule arrives from the publisher.
my $mining = $new_lead->('mining');
is($route->($session, $mining), 'queued -', 'a mining lead matches no rule and is queued');
my $make_due = q{
UPDATE lead_router.routing_queue SET next_retry_at = now() WHERE processed_at IS NULL;
UPDATE lead_router.leads SET routing_due_at = now() WHERE routing_status = 'pending';
};
$sub->safe_psql('postgres', $make_due);
ok($sub->poll_query_until('postgres',
		"SELECT routing_attempts = 2 AND routing_status = 'pending' FROM lead_router.leads WHERE id = '$mining'"),
	'the worker retries it with the old rules and requeues it');
$pub->safe_psql('postgres', qq{
INSERT INTO lead_router.routing_rules (workspace_id, name, priority, conditions, destination_workspace_id)
VALUES ('$inbound', 'mining', 5, '{"company_industry": "mining"}', '$p4');
});
$pub->wait_for_catchup('lr_sub');
$sub->safe_psql('postgres', $make_due);
ok($sub->poll_query_until('postgres',
		"SELECT routing_status = 'routed' FROM lead_router.leads WHERE id = '$mining'"),
	'the worker routes it once the replicated rule exists');
is($sub->safe_psql('postgres', qq{
SELECT workspace_id || ' ' || routing_attempts FROM lead_router.leads WHERE id = '$mining'}),
	"$p4 3", "to the new rule's destination, on its third attempt");
is($sub->safe_psql('postgres', qq{
SELECT string_agg(routing_result || coalesce(' ' || destination_workspace_id, ''), ', ' ORDER BY id)
  FROM lead_router.routing_logs WHERE lead_id = '$mining'}),
	"no_match, no_match, success $p4", 'its audit trail');

# (c) The publisher deactivates Partner Three: the subscriber session stops routing to it.
$pub->safe_psql('postgres', "UPDATE lead_router.workspaces SET is_active = false WHERE id = '$p3'");
$pub->wait_for_catchup('lr_sub');
is($route->($session, $new_lead->('retail')), 'queued -',
	'a partner deactivated on the publisher receives no more leads in the same session');
is($route->($session, $new_lead->('software')), "routed $p2", 'while the other rules still route');

# (d) Partner Four is deactivated on the subscriber only; the publisher then writes a rule to
# it, which the subscriber's validation would refuse.  The apply worker does not stop, and
# the subscriber's routing skips the rule.
$sub->safe_psql('postgres', "UPDATE lead_router.workspaces SET is_active = false WHERE id = '$p4'");
my ($rc, $out, $err) = $sub->psql('postgres', qq{
INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id)
VALUES ('$inbound', 'local', '{}', '$p4')});
like($err, qr/is not active/, 'on the subscriber a local rule to Partner Four is refused');
$pub->safe_psql('postgres', qq{
INSERT INTO lead_router.routing_rules (workspace_id, name, priority, conditions, destination_workspace_id)
VALUES ('$inbound', 'everything else', 1, '{}', '$p4');
});
$pub->wait_for_catchup('lr_sub');
is($sub->safe_psql('postgres', q{
SELECT count(*) FROM lead_router.routing_rules WHERE name = 'everything else'}),
	'1', 'the same rule replicated from the publisher is applied');
is($sub->safe_psql('postgres', "SELECT pid FROM pg_stat_subscription WHERE subname = 'lr_sub' AND relid IS NULL"),
	$apply_pid, 'the apply worker is still the one that started');
is($sub->safe_psql('postgres', q{
SELECT apply_error_count || ' ' || sync_error_count FROM pg_stat_subscription_stats WHERE subname = 'lr_sub'}),
	'0 0', 'and has reported no error');
is($route->($session, $new_lead->('agriculture')), 'queued -',
	'the subscriber skips the rule to its inactive partner');

# Control: without the replica trigger, a replicated change would leave the session's cached
# rules stale (what 0.5.0 did).  ALTER TABLE itself invalidates the cache, so the session
# routes once to cache the rules again before the publisher changes the rule.
$sub->safe_psql('postgres',
	'ALTER TABLE lead_router.routing_rules DISABLE TRIGGER routing_rules_replicated');
is($route->($session, $new_lead->('software')), "routed $p2", 'control: the session caches the rules');
$pub->safe_psql('postgres',
	"UPDATE lead_router.routing_rules SET destination_workspace_id = '$p1' WHERE id = '$r1'");
$pub->wait_for_catchup('lr_sub');
is($sub->safe_psql('postgres', "SELECT destination_workspace_id FROM lead_router.routing_rules WHERE id = '$r1'"),
	$p1, 'control: the change is applied');
is($route->($session, $new_lead->('software')), "routed $p2",
	'control: without the replica trigger the session keeps routing by its stale rules');
$sub->safe_psql('postgres',
	'ALTER TABLE lead_router.routing_rules ENABLE REPLICA TRIGGER routing_rules_replicated');
is($route->($session, $new_lead->('software')), "routed $p1", 'control: with it back, the new rule is used');

$session->quit;
my @errors = grep { /ERROR:/ && !/destination workspace \S+ is not active/ }
	split /\n/, slurp_file($sub->logfile);
is(scalar(@errors), 0, 'the subscriber logged no error but the refused local rule')
	or diag(join("\n", @errors));
$sub->stop;
$pub->stop;
done_testing();
