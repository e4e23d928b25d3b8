# The application user behind a real transaction pooler (SPEC.md "Operations": "Behind a
# transaction pooler no transaction ever acts as a user another client set").  pgbouncer in
# pool_mode = transaction with 2 server connections serves 12 concurrent psql clients, each
# an application user of its own workspace, connected as a login role subject to row-level
# security.  Every client runs 25 transactions, mixing (a) BEGIN; act_as(me); look; COMMIT,
# (b) transactions that set no user, and (c) a session-level SET lead_router.user_id = me
# followed by a later, separate statement.  With the default identity_scope = transaction:
# no transaction acts as a user another client set -- although the server connections it
# ran on still hold other clients' session-level values -- (a) always sees exactly its own
# user and rows, (b) and (c)'s later statements always see nobody.  As a demonstration, the
# superuser's opt-in identity_scope = 'session' (ALTER ROLE ... SET) does leak users between
# clients of the same pool: that is why it is not the default.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use Time::HiRes qw(usleep);

my $pgbouncer_bin = '/usr/sbin/pgbouncer';
plan skip_all => "pgbouncer is not installed ($pgbouncer_bin)" unless -x $pgbouncer_bin;

my $clients = 12;
my $transactions = 25;   # per client
my $pool_size = 2;       # server connections per (database, user) pool

my $node = PostgreSQL::Test::Cluster->new('pooled');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'lead_router'
lead_router.database = 'postgres'
});
$node->start;

my $user = sub { sprintf('aaaaaaaa-0000-4000-8000-%012d', $_[0]) };
my $workspace = sub { sprintf('b0000000-0000-4000-8000-%012d', $_[0]) };
my $lead_count = sub { $_[0] + 2 };    # client c's user sees c + 2 leads: counts tell users apart

# The documented roles exist before CREATE EXTENSION, so the install script grants
# lead_router_app what the README's Security section lists.  app_login is the application's
# login role; app_session is the same, with the superuser's opt-in identity_scope = session.
$node->safe_psql('postgres', q{
CREATE ROLE lead_router_app NOLOGIN;
CREATE ROLE app_login LOGIN IN ROLE lead_router_app;
CREATE ROLE app_session LOGIN IN ROLE lead_router_app;
CREATE EXTENSION lead_router;
ALTER ROLE app_session SET lead_router.identity_scope = 'session';
});
my $setup = '';
for my $c (1 .. $clients)
{
	my ($u, $w, $n) = ($user->($c), $workspace->($c), $lead_count->($c));
	$setup .= qq{
INSERT INTO lead_router.workspaces (id, name, workspace_type) VALUES ('$w', 'Inbound $c', 'internal');
INSERT INTO lead_router.user_workspaces (user_id, workspace_id) VALUES ('$u', '$w');
INSERT INTO lead_router.leads (source_workspace_id, email)
SELECT '$w', 'lead' || i || '\@client$c.example' FROM generate_series(1, $n) i;
};
}
$node->safe_psql('postgres', $setup);
is($node->safe_psql('postgres', q{
SELECT string_agg(rolname || ' ' || rolsuper || ' ' || rolbypassrls || ' '
                  || pg_has_role(rolname, 'lead_router_app', 'member'), ', ' ORDER BY rolname)
  FROM pg_roles WHERE rolname IN ('app_login', 'app_session')}),
	'app_login false false true, app_session false false true',
	'the login roles are members of lead_router_app, neither superuser nor BYPASSRLS');

# pgbouncer: transaction pooling, a pool of 2 server connections per user, connecting to
# the node's Unix socket; run in the foreground as the current OS user, stopped at the end.
my $dir = PostgreSQL::Test::Utils::tempdir;
my $bouncer_port = PostgreSQL::Test::Cluster::get_free_port();
my $superuser = $node->safe_psql('postgres', 'SELECT current_user');
append_to_file("$dir/userlist.txt", qq{"app_login" ""\n"app_session" ""\n"$superuser" ""\n});
my $node_host = $node->host;
my $node_port = $node->port;
append_to_file("$dir/pgbouncer.ini", qq{
[databases]
postgres = host=$node_host port=$node_port dbname=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = $pool_size
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 200
max_db_connections = 0
server_reset_query =
ignore_startup_parameters = extra_float_digits
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
admin_users = $superuser
});
my ($bouncer_out, $bouncer_err) = ('', '');
my $bouncer_stopped = 0;
my $bouncer = IPC::Run::start([ $pgbouncer_bin, "$dir/pgbouncer.ini" ],
	'>', \$bouncer_out, '2>', \$bouncer_err);
# However the test ends, pgbouncer does not outlive it.
END { eval { $bouncer->kill_kill if defined $bouncer && !$bouncer_stopped; }; }

my @to_bouncer = ('psql', '-X', '-At', '-F', '|', '-v', 'ON_ERROR_STOP=1',
	'-h', '127.0.0.1', '-p', $bouncer_port);
my @through_bouncer = (@to_bouncer, '-d', 'postgres');
my $bouncer_query = sub {
	my ($role, $sql, $dbname) = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run([ @to_bouncer, '-d', $dbname // 'postgres', '-U', $role, '-c', $sql ],
		'>', \$out, '2>', \$err);
	chomp $out;
	return ($out, $err);
};
my $up = 0;
for (1 .. 100)
{
	my ($out) = $bouncer_query->('app_login', 'SELECT 1');
	if ($out eq '1') { $up = 1; last; }
	usleep(100_000);
}
ok($up, "pgbouncer accepts connections on port $bouncer_port")
  or diag("pgbouncer stderr: $bouncer_err\n" . slurp_file("$dir/pgbouncer.log"));
is(($bouncer_query->('app_login',
	'SELECT current_user, lead_router.current_user_id() IS NULL, count(*) FROM lead_router.leads'))[0],
	'app_login|t|0', 'through pgbouncer the application role acts as nobody and sees no lead');

# One client's script: one tagged line per transaction with what it expected and what it got:
#   TX|client|n|kind|expected user|current_user_id()|leads seen|their workspaces|
#      lead_router.user_id as the server connection holds it|server backend pid
sub client_script
{
	my ($c) = @_;
	my $me = $user->($c);
	# a fixed mix per client: 9 act_as, 8 without a user, 8 session-level SETs
	my @kinds = ((('a') x 9), (('b') x 8), (('c') x 8));
	srand(1000 + $c);
	for my $i (reverse 1 .. $#kinds)
	{
		my $j = int(rand($i + 1));
		@kinds[ $i, $j ] = @kinds[ $j, $i ];
	}
	my $script = '';
	my $n = 0;
	for my $kind (@kinds)
	{
		$n++;
		my $look = qq{SELECT 'TX', $c, $n, '$kind', '$me',
       coalesce(lead_router.current_user_id()::text, 'nobody'),
       (SELECT count(*) FROM lead_router.leads),
       (SELECT coalesce(string_agg(DISTINCT workspace_id::text, ','), '-') FROM lead_router.leads),
       coalesce(nullif(current_setting('lead_router.user_id'), ''), '-'),
       pg_backend_pid()
  FROM pg_sleep(0.002);
};
		if ($kind eq 'a')
		{
			$script .= "BEGIN;\nSELECT 'ACT', lead_router.act_as('$me');\n$look" . "COMMIT;\n";
		}
		elsif ($kind eq 'b')
		{
			$script .= $n % 2 ? $look : "BEGIN;\n$look" . "COMMIT;\n";
		}
		else
		{
			$script .= "SET lead_router.user_id = '$me';\n$look";
		}
	}
	return $script;
}

# Runs every client at once as $role through pgbouncer; returns the parsed TX lines.
sub run_clients
{
	my ($role, $label) = @_;
	my (@handles, @outs, @errs);
	for my $c (1 .. $clients)
	{
		my $file = "$dir/client_${label}_$c.sql";
		append_to_file($file, client_script($c));
		$outs[$c] = '';
		$errs[$c] = '';
		push @handles,
		  IPC::Run::start([ @through_bouncer, '-U', $role, '-f', $file ],
			'>', \$outs[$c], '2>', \$errs[$c],
			IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	}
	my $failed = 0;
	for my $h (@handles)
	{
		$h->finish or $failed++;
	}
	is($failed, 0, "$label: all $clients clients ran their scripts through pgbouncer")
	  or diag(join("\n", grep { $_ ne '' } @errs[ 1 .. $clients ]));
	my @tx;
	for my $c (1 .. $clients)
	{
		for my $line (split /\n/, $outs[$c])
		{
			next unless $line =~ /^TX\|/;
			my (undef, $client, $n, $kind, $expected, $acting, $count, $workspaces, $guc, $pid) =
			  split /\|/, $line;
			push @tx, {
				client => $client, n => $n, kind => $kind, expected => $expected,
				acting => $acting, count => $count, workspaces => $workspaces,
				guc => $guc, pid => $pid, line => $line };
		}
	}
	is(scalar(@tx), $clients * $transactions,
		"$label: " . $clients * $transactions . " transactions reported");
	return @tx;
}

# Whether a transaction acted as, or saw rows of, a user other than its own client's.
my $foreign = sub {
	my ($t) = @_;
	my $mine = $workspace->($t->{client});
	return 1 if $t->{acting} ne 'nobody' && $t->{acting} ne $t->{expected};
	return 1 if $t->{workspaces} ne '-' && $t->{workspaces} ne $mine;
	return 0;
};
my $summary = sub {
	my ($what, @bad) = @_;
	return '' unless @bad;
	return "$what, e.g.:\n" . join("\n", map { $_->{line} } @bad[ 0 .. ($#bad < 4 ? $#bad : 4) ]);
};

# ---- the default, identity_scope = transaction ----
my @tx = run_clients('app_login', 'transaction_scope');
my @a = grep { $_->{kind} eq 'a' } @tx;
my @b = grep { $_->{kind} eq 'b' } @tx;
my @c = grep { $_->{kind} eq 'c' } @tx;

my %clients_of_pid;
$clients_of_pid{ $_->{pid} }{ $_->{client} } = 1 for @tx;
my $backends = scalar(keys %clients_of_pid);
my $shared = grep { scalar(keys %{ $clients_of_pid{$_} }) > 1 } keys %clients_of_pid;
ok($backends <= $pool_size && $shared >= 1,
	"the $clients clients shared $backends server connection(s), $shared of them used by several clients");

my @leaked = grep { $foreign->($_) } @tx;
is(scalar(@leaked), 0,
	sprintf('%d of %d transactions acted as another client\'s user', scalar(@leaked), scalar(@tx)))
  or diag($summary->('acting as another client', @leaked));

my @a_bad = grep {
	$_->{acting} ne $_->{expected}
	  || $_->{count} != $lead_count->($_->{client})
	  || $_->{workspaces} ne $workspace->($_->{client})
} @a;
is(scalar(@a_bad), 0,
	sprintf('(a) %d of %d act_as transactions saw exactly their own user and its leads',
		scalar(@a) - scalar(@a_bad), scalar(@a)))
  or diag($summary->('(a) not seeing exactly itself', @a_bad));

my @b_bad = grep { $_->{acting} ne 'nobody' || $_->{count} != 0 } @b;
is(scalar(@b_bad), 0,
	sprintf('(b) %d of %d transactions that set no user acted as nobody and saw no lead',
		scalar(@b) - scalar(@b_bad), scalar(@b)))
  or diag($summary->('(b) acting as somebody', @b_bad));

my @c_bad = grep { $_->{acting} ne 'nobody' || $_->{count} != 0 } @c;
is(scalar(@c_bad), 0,
	sprintf('(c) %d of %d statements after a session-level SET acted as nobody and saw no lead',
		scalar(@c) - scalar(@c_bad), scalar(@c)))
  or diag($summary->('(c) acting as somebody', @c_bad));

# The hazard was real: many transactions ran on a server connection whose session-level
# lead_router.user_id another client had set, and still acted as nobody.
my @on_foreign_value = grep { $_->{kind} ne 'a' && $_->{guc} ne '-' && $_->{guc} ne $_->{expected} } @tx;
cmp_ok(scalar(@on_foreign_value), '>', 0,
	sprintf('%d of %d transactions without act_as ran on a server connection holding another '
		  . 'client\'s lead_router.user_id, and acted as nobody', scalar(@on_foreign_value),
		scalar(@b) + scalar(@c)));

# ---- demonstration: the opt-in identity_scope = 'session' leaks behind a pooler ----
is(($bouncer_query->('app_session', 'SHOW lead_router.identity_scope'))[0], 'session',
	'demonstration: app_session has the superuser\'s opt-in identity_scope = session');
my @stx = run_clients('app_session', 'session_scope_demo');
my @s_a = grep { $_->{kind} eq 'a' } @stx;
my @s_b_leaked = grep { $_->{kind} eq 'b' && $foreign->($_) } @stx;
my @s_leaked = grep { $foreign->($_) } @stx;
my @s_a_bad = grep { $_->{acting} ne $_->{expected} } @s_a;
is(scalar(@s_a_bad), 0,
	sprintf('demonstration, session scope: act_as transactions still saw their own user (%d of %d)',
		scalar(@s_a) - scalar(@s_a_bad), scalar(@s_a)));
cmp_ok(scalar(@s_b_leaked), '>', 0,
	sprintf('demonstration, session scope: %d of %d transactions that set no user acted as '
		  . 'another client\'s user (%d of %d transactions in all) -- why it is not the default',
		scalar(@s_b_leaked), scalar(grep { $_->{kind} eq 'b' } @stx), scalar(@s_leaked),
		scalar(@stx)));
note('e.g. ' . $s_b_leaked[0]{line}) if @s_b_leaked;

# pgbouncer saw the pooling we meant: its own statistics.
my ($pools) = $bouncer_query->($superuser, 'SHOW POOLS', 'pgbouncer');
note("pgbouncer SHOW POOLS:\n$pools") if defined $pools && $pools ne '';

$bouncer->signal('TERM');
$bouncer->finish;
$bouncer_stopped = 1;
ok(!-e "$dir/pgbouncer.pid" || !kill(0, slurp_file("$dir/pgbouncer.pid") + 0),
	'pgbouncer stopped');

$node->stop;
done_testing();
