#!/usr/bin/env bash
# make bench: the lead_router benchmark (bench/README.md).  As root: installs missing packages,
# builds and installs the extension and the driver, starts a throw-away server with default
# durability (fsync and synchronous_commit on), loads the bench schema, initialises pgbench,
# runs bench/driver/lead_router_bench (which ends with the plans of the statements the
# extension ran, captured with auto_explain), writes bench/results/<UTC timestamp>.json and
# .explain.md, and prints the Markdown summary.  The server is stopped and removed on exit.
#
#   bash bench/run_bench.sh                  # the default run (< 5 minutes on 2 cores)
#   bash bench/run_bench.sh --quick          # < 1 minute, small sizes: proves the driver works
#   bash bench/run_bench.sh --scenarios concurrent --clients 8 --duration 20
#   make bench BENCH_ARGS="--quick"
#   LEAD_ROUTER_BENCH_SKIP_INSTALL=1 bash bench/run_bench.sh --quick
#                                            # the extension as installed: builds the driver only
#
# Options read here: --output DIR (default bench/results), --port N (default 54333),
# --no-pgbench (skip the pgbench ceiling), --quick (also passed on).  Every other option goes
# to the driver (lead_router_bench --help lists them).  Exits non-zero only when the harness
# could not run (the driver's plan capture included: no statement of lead_router's captured, or
# a plan it could not read); a missed performance bar is a result, not a failure.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=test/lib/ensure_packages.sh
source "$root/test/lib/ensure_packages.sh"
source "$root/test/lib/temp_server.sh"

output=$root/bench/results
port=${LEAD_ROUTER_BENCH_PORT:-54333}
quick=0
pgbench=1
driver_args=()
while [ $# -gt 0 ]; do
    case $1 in
        --output) output=$2; shift 2 ;;
        --port) port=$2; shift 2 ;;
        --no-pgbench) pgbench=0; shift ;;
        --quick) quick=1; driver_args+=("$1"); shift ;;
        *) driver_args+=("$1"); shift ;;
    esac
done

# The last line is "bench: 1 passed, 0 failed" when the harness ran (whatever the bars say), or
# "bench: 0 passed, 1 failed": the format test/lib/suite_counts.sh's run_counted_suite reads.
die() {
    echo "run_bench: $*" >&2
    echo "bench: 0 passed, 1 failed"
    exit 1
}
started=$(date +%s)

[ "$(id -u)" -eq 0 ] || die "run as root: the throw-away server is started as postgres"
ensure_packages || die "missing packages"
[ -x "$PG_BIN/pgbench" ] || pgbench=0

# LEAD_ROUTER_BENCH_SKIP_INSTALL=1: bench the extension already installed (neither build nor
# install it); the driver is built either way.
build_log=$(mktemp /tmp/lead_router_bench_build.XXXXXX)
if [ -n "${LEAD_ROUTER_BENCH_SKIP_INSTALL:-}" ] && [ "$LEAD_ROUTER_BENCH_SKIP_INSTALL" != 0 ]; then
    echo "== build the benchmark driver (LEAD_ROUTER_BENCH_SKIP_INSTALL: the extension as installed)"
    build() { make -C "$root/bench" -s driver; }
else
    echo "== build and install (extension, benchmark driver)"
    build() { make -C "$root" -s all && make -C "$root" -s install && make -C "$root/bench" -s driver; }
fi
if ! build >"$build_log" 2>&1; then
    cat "$build_log"
    die "build failed"
fi
rm -f "$build_log"

# A production-like configuration for a 2-core, multi-GB machine.  Durability stays at its
# defaults (fsync, synchronous_commit, full_page_writes on): a result without it is not a
# result.  Checkpoints are spaced out so that none lands inside a measurement (the driver
# does not checkpoint either: see bench/README.md); the worker serves the bench database but
# stays off until the retry scenario switches it on to time its drain (until the database
# exists it fails to connect and is restarted, which only adds a few log lines).
echo "== throw-away server on port $port"
start_temp_server "$port" \
    "shared_preload_libraries = 'lead_router'" \
    "lead_router.worker_enabled = off" \
    "lead_router.database = 'lead_router_bench'" \
    "max_connections = 100" \
    "shared_buffers = 1GB" \
    "wal_buffers = 16MB" \
    "effective_cache_size = 4GB" \
    "work_mem = 16MB" \
    "maintenance_work_mem = 256MB" \
    "max_wal_size = 8GB" \
    "checkpoint_timeout = 30min" \
    "fsync = on" \
    "synchronous_commit = on" \
    "full_page_writes = on" \
    "track_io_timing = on" || die "the throw-away server did not start"

bench_psql() {  # database, then psql arguments; SQL files are fed on stdin by the caller
    local db=$1
    shift
    as_postgres "$PG_BIN/psql" -h "$TEMP_PGHOST" -p "$TEMP_PGPORT" -d "$db" -X -q \
        -v ON_ERROR_STOP=1 "$@"
}

echo "== bench database: lead_router, bench schema, PL/pgSQL comparator"
bench_psql postgres -c "CREATE DATABASE lead_router_bench" || die "CREATE DATABASE failed"
bench_psql lead_router_bench -c "CREATE EXTENSION lead_router" || die "CREATE EXTENSION failed"
for f in sql/dataset.sql plpgsql_route_lead.sql; do
    bench_psql lead_router_bench -f - <"$root/bench/$f" || die "loading bench/$f failed"
done

driver=("$root/bench/driver/lead_router_bench" --host "$TEMP_PGHOST" --port "$TEMP_PGPORT"
        --dbname lead_router_bench --scratch "$TEMP_SERVER_DIR/scratch")
if [ "$pgbench" -eq 1 ]; then
    scale=10
    [ "$quick" -eq 1 ] && scale=1
    echo "== pgbench -i -s $scale (the ceiling's own database)"
    bench_psql postgres -c "CREATE DATABASE pgbench" || die "CREATE DATABASE pgbench failed"
    "$PG_BIN/pgbench" -i -s "$scale" -q -h "$TEMP_PGHOST" -p "$TEMP_PGPORT" -U postgres pgbench \
        >"$TEMP_SERVER_DIR/pgbench_init.log" 2>&1 ||
        { cat "$TEMP_SERVER_DIR/pgbench_init.log"; die "pgbench -i failed"; }
    driver+=(--pgbench "$PG_BIN/pgbench" --pgbench-dbname pgbench)
fi

commit=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
driver+=(--git-commit "$commit")
[ -n "$(git -C "$root" status --porcelain 2>/dev/null)" ] && driver+=(--git-dirty)

mkdir -p "$output" || die "cannot create $output"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
json=$output/$stamp.json
explain=$output/$stamp.explain.md

echo "== benchmark (progress on stderr; summary below)"
"${driver[@]}" --json "$json" --explain "$explain" "${driver_args[@]}"
rc=$?
if [ "$rc" -ne 0 ]; then
    echo "== server log (last 30 lines)"
    tail -n 30 "$TEMP_SERVER_DIR/server.log"
    die "the driver failed (exit $rc)"
fi
echo
echo "results: $json"
echo "plans:   $explain"
echo "wall time: $(( $(date +%s) - started )) s"
echo "bench: 1 passed, 0 failed"
