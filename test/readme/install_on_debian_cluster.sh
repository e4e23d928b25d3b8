#!/usr/bin/env bash
# The README's "Installing on a Debian cluster", run as written on a real Debian cluster:
# pg_createcluster (a cluster of its own, so that an existing 15/main is never touched), the
# postgresql.conf lines and the commands copied out of README.md (only the cluster name and
# port differ), then checks that the worker runs, the maintenance jobs are scheduled and
# runnable, and a lead routes.  The library must be installed already (test/run_all.sh does
# that).  As root.  Ends with "readme: P passed, F failed".
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$root/test/lib/ensure_packages.sh"

cluster=lr_readme
port=${LEAD_ROUTER_README_PORT:-54350}
passed=0 failed=0
check() {  # description, command...
    local what=$1
    shift
    if "$@" >>"$log" 2>&1; then
        echo "ok - $what"; passed=$((passed + 1))
    else
        echo "not ok - $what"; failed=$((failed + 1))
    fi
}
finish() {
    pg_dropcluster --stop 15 "$cluster" >/dev/null 2>&1
    echo "readme: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}
log=$(mktemp /tmp/lead_router_readme.XXXXXX)
chmod 644 "$log"

# The fenced block after a marker line of README.md.
block() {
    awk -v marker="<!-- readme-test: $1 -->" '
        $0 == marker { found = 1; next }
        found && /^```/ { if (inside) exit; inside = 1; next }
        inside { print }' "$root/README.md"
}
conf=$(block postgresql.conf)
commands=$(block commands)
check "README.md has the postgresql.conf block" test -n "$conf"
check "README.md has the commands block" test -n "$commands"

pg_dropcluster --stop 15 "$cluster" >/dev/null 2>&1
check "pg_createcluster 15 $cluster" pg_createcluster 15 "$cluster" -p "$port"
echo "$conf" >>"/etc/postgresql/15/$cluster/postgresql.conf"
export PGPORT=$port
# The README's commands, for this cluster instead of 15/main.
while IFS= read -r line; do
    [ -z "$line" ] && continue
    line=${line//"15 main"/"15 $cluster"}
    check "README: $line" bash -c "$line"
done <<<"$commands"

q() { su postgres -c "psql -X -At -q -d app" <<<"$1"; }
check "the lead_router worker runs in database app" bash -c \
    "for i in \$(seq 1 50); do [ \"\$(su postgres -c \"psql -X -At -d app -c \\\"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'lead_router worker' AND datname = 'app'\\\"\")\" = 1 ] && exit 0; sleep 0.2; done; exit 1"
check "schedule_maintenance() registered the four jobs" \
    test "$(q "SELECT count(*) FROM cron.job WHERE jobname LIKE 'lead_router%'")" = 4
# One transaction: the worker routes committed leads on arrival, and route_lead on a lead it
# holds at that moment says `locked`.
check "a lead routes" test "$(q "
BEGIN;
INSERT INTO lead_router.workspaces (id, name, workspace_type) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'Inbound', 'internal'),
    ('00000000-0000-0000-0000-0000000000b1', 'Partner', 'partner');
INSERT INTO lead_router.routing_rules (workspace_id, name, conditions, destination_workspace_id)
VALUES ('00000000-0000-0000-0000-0000000000a1', 'all', '{}', '00000000-0000-0000-0000-0000000000b1');
INSERT INTO lead_router.leads (id, email, source_workspace_id)
VALUES ('10000000-0000-0000-0000-000000000001', 'a@x.com', '00000000-0000-0000-0000-0000000000a1');
SELECT status FROM lead_router.route_lead('10000000-0000-0000-0000-000000000001');
COMMIT;")" = routed
# pg_cron runs a job in a background worker (no password needed): a one-off job succeeds.
q "SELECT cron.schedule('readme_probe', '* * * * *', 'SELECT lead_router.release_stale_routing_locks()')" >>"$log" 2>&1
check "a pg_cron job of lead_router succeeds (within 70 s)" bash -c \
    "for i in \$(seq 1 140); do [ \"\$(su postgres -c \"psql -X -At -d app -c \\\"SELECT count(*) FROM cron.job_run_details d JOIN cron.job j USING (jobid) WHERE j.jobname = 'readme_probe' AND d.status = 'succeeded'\\\"\")\" -gt 0 ] && exit 0; sleep 0.5; done; exit 1"
[ "$failed" -ne 0 ] && { echo "== log"; tail -n 40 "$log"; tail -n 30 "/var/log/postgresql/postgresql-15-$cluster.log" 2>/dev/null; }
finish
