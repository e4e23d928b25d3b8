#!/usr/bin/env bash
# make bench: the lead_router benchmark (bench/README.md).  As root: installs missing packages,
# builds and installs the extension and the driver, starts a throw-away server with default
# durability (fsync and synchronous_commit on), loads the bench schema, initialises pgbench,
# runs bench/driver/lead_router_bench (which ends with the plans of the statements the
# extension ran, captured with auto_explain), writes bench/results/<UTC timestamp>.json and
# .explain.md, and prints the Markdown summary.  The server is stopped and removed on exit.
#
#   bash bench/run_bench.sh                  # the default run (35-45 minutes on 2 quiet cores: the
#                                            # 0.5.0 pass, the 10-minute sustained scenario, four
#                                            # 60 s arrival runs and three drain restarts in it)
#   bash bench/run_bench.sh --quick          # 2-3 minutes, small sizes: proves every scenario runs
#   bash bench/run_bench.sh --scenarios concurrent --clients 8 --duration 20
#   make bench BENCH_ARGS="--quick"
#   LEAD_ROUTER_BENCH_SKIP_INSTALL=1 bash bench/run_bench.sh --quick
#                                            # the extension as installed: builds the driver only
#
# Options read here: --output DIR (default bench/results), --port N (default 54333),
# --no-pgbench (skip the pgbench ceiling), --quick (also passed on), --compare-050 /
# --no-compare-050 (the 0.5.0 pass: on by default, off with --quick; see below).  Every other
# option goes to the driver (lead_router_bench --help lists them); --scenarios and
# --bar-clients are also read here, for the 0.5.0 pass.
#
# The 0.5.0 pass (--compare-050): v0.5.0 (git tag) is built from `git archive` into a private
# copy of the PostgreSQL installation (/usr/lib/postgresql/15 and /usr/share/postgresql/15
# copied under $LEAD_ROUTER_BENCH_050_DIR, default /tmp/lr_bench_050, with their relative
# layout, so that its binaries find the copy's share and lib; the system installation is not
# touched), a throw-away server is started from the copy's binaries and the driver runs the
# compared scenarios there (concurrent at --bar-clients, identity, queue_head) with
# --role baseline, checking that the server runs the 0.5.0 build (extversion and the mapped
# library file).  That server is stopped before the main one starts; the main driver reads
# the pass's results (--baseline-json) and reports this version ÷ 0.5.0.  The copy and the build are
# kept and reused while v0.5.0 and the installed server binaries stay the same.  Exits non-zero only when the harness
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
compare=
scenarios=
bar_clients=
driver_args=()
while [ $# -gt 0 ]; do
    case $1 in
        --output) output=$2; shift 2 ;;
        --port) port=$2; shift 2 ;;
        --no-pgbench) pgbench=0; shift ;;
        --quick) quick=1; driver_args+=("$1"); shift ;;
        --compare-050) compare=1; shift ;;
        --no-compare-050) compare=0; shift ;;
        --scenarios) scenarios=$2; driver_args+=("$1" "$2"); shift 2 ;;
        --bar-clients) bar_clients=$2; driver_args+=("$1" "$2"); shift 2 ;;
        *) driver_args+=("$1"); shift ;;
    esac
done
[ -n "$compare" ] || { [ "$quick" -eq 1 ] && compare=0 || compare=1; }
[ -n "$bar_clients" ] || { [ "$quick" -eq 1 ] && bar_clients=4 || bar_clients=8; }
# the scenarios the 0.5.0 pass runs: those of the compared ones that this run runs
baseline_scenarios=
for s in concurrent identity queue_head; do
    if [ -z "$scenarios" ] || [[ ",$scenarios," == *",$s,"* ]]; then
        baseline_scenarios+=${baseline_scenarios:+,}$s
    fi
done
[ -n "$baseline_scenarios" ] || compare=0

# The 0.5.0 server kept for the paired comparison, if any.
base_server_dir= base_pgdata=
stop_baseline_server() {
    [ -n "$base_pgdata" ] && [ -d "$base_pgdata" ] &&
        as_postgres "$base_bin/pg_ctl" -D "$base_pgdata" -m fast -w stop >/dev/null 2>&1
    [ -n "$base_server_dir" ] && rm -rf "$base_server_dir"
    base_pgdata=
}

# The last line is "bench: 1 passed, 0 failed" when the harness ran (whatever the bars say), or
# "bench: 0 passed, 1 failed": the format test/lib/suite_counts.sh's run_counted_suite reads.
die() {
    echo "run_bench: $*" >&2
    stop_baseline_server
    echo "bench: 0 passed, 1 failed"
    exit 1
}
started=$(date +%s)

[ "$(id -u)" -eq 0 ] || die "run as root: the throw-away server is started as postgres"
ensure_packages || die "missing packages"
[ -x "$PG_BIN/pgbench" ] || pgbench=0
# perf for the profiles of the full run ("where the time goes"): installed when missing; a run
# without it says so in its results
[ "$quick" -eq 1 ] || ensure_packages linux-perf || echo "run_bench: linux-perf not installed: no profiles" >&2
perf=$(command -v perf || true)

# LEAD_ROUTER_BENCH_SKIP_INSTALL=1: bench the extension already installed (neither build nor
# install it); the driver is built either way.
build_log=$(mktemp /tmp/lead_router_bench_build.XXXXXX)
if [ -n "${LEAD_ROUTER_BENCH_SKIP_INSTALL:-}" ] && [ "$LEAD_ROUTER_BENCH_SKIP_INSTALL" != 0 ]; then
    echo "== build the benchmark driver (LEAD_ROUTER_BENCH_SKIP_INSTALL: the extension as installed)"
    build() { make -C "$root/bench" -s -j3 driver micro; }
else
    echo "== build and install (extension, benchmark driver and micro-benchmark)"
    build() { make -C "$root" -s all && make -C "$root" -s install && make -C "$root/bench" -s -j3 driver micro; }
fi
if ! build >"$build_log" 2>&1; then
    cat "$build_log"
    die "build failed"
fi
rm -f "$build_log"

scratch=$(mktemp -d /tmp/lead_router_bench_run.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

# Identity normalisation per lead, before any server runs (a quiet machine).
echo "== normalisation per lead (bench/micro/normalize_bench)"
if [ "$quick" -eq 1 ]; then micro_args=(--seconds 0.05 --repeats 1); else micro_args=(--seconds 0.5 --repeats 5); fi
"$root/bench/micro/normalize_bench" "${micro_args[@]}" >"$scratch/normalize.json" ||
    die "bench/micro/normalize_bench failed"

bench_psql() {  # database, then psql arguments; SQL files are fed on stdin by the caller
    local db=$1
    shift
    as_postgres "$PG_BIN/psql" -h "$TEMP_PGHOST" -p "$TEMP_PGPORT" -d "$db" -X -q \
        -v ON_ERROR_STOP=1 "$@"
}

# The bench database (extension, bench schema, PL/pgSQL comparator) and pgbench's database,
# on the server started last.
load_databases() {
    bench_psql postgres -c "CREATE DATABASE lead_router_bench" || return 1
    bench_psql lead_router_bench -c "CREATE EXTENSION lead_router" || return 1
    local f
    for f in sql/dataset.sql plpgsql_route_lead.sql; do
        bench_psql lead_router_bench -f - <"$root/bench/$f" || { echo "loading bench/$f failed" >&2; return 1; }
    done
    # A lever under trial (bench/README.md, "Trying a lever"), on this version's server only.
    if [ -n "${LEAD_ROUTER_BENCH_SETUP_SQL:-}" ] && [ "$PG_BIN" = "$system_bin" ]; then
        echo "== $LEAD_ROUTER_BENCH_SETUP_SQL (LEAD_ROUTER_BENCH_SETUP_SQL)"
        bench_psql lead_router_bench -f - <"$LEAD_ROUTER_BENCH_SETUP_SQL" || return 1
    fi
    if [ "$pgbench" -eq 1 ]; then
        local scale=10
        [ "$quick" -eq 1 ] && scale=1
        echo "== pgbench -i -s $scale (the ceiling's own database)"
        bench_psql postgres -c "CREATE DATABASE pgbench" || return 1
        "$PG_BIN/pgbench" -i -s "$scale" -q -h "$TEMP_PGHOST" -p "$TEMP_PGPORT" -U postgres pgbench \
            >"$TEMP_SERVER_DIR/pgbench_init.log" 2>&1 ||
            { cat "$TEMP_SERVER_DIR/pgbench_init.log"; return 1; }
    fi
}

# A production-like configuration for a 2-core, multi-GB machine (see below).
server_settings=(
    "shared_preload_libraries = 'lead_router'"
    "lead_router.worker_enabled = off"
    "lead_router.route_on_arrival = off"
    "lead_router.database = 'lead_router_bench'"
    "max_connections = 100"
    "shared_buffers = 1GB"
    "wal_buffers = 16MB"
    "effective_cache_size = 4GB"
    "work_mem = 16MB"
    "maintenance_work_mem = 256MB"
    "max_wal_size = 8GB"
    "checkpoint_timeout = 30min"
    "fsync = on"
    "synchronous_commit = on"
    "full_page_writes = on"
    "track_io_timing = on"
)

# The driver's connection and tools, for the server started last ($1: its bin directory).
# The drain scenario restarts the server once per lead_router.workers setting (a postmaster
# setting) with $scratch/restart_server.sh, written here for that server.
driver_command() {
    cat >"$scratch/restart_server.sh" <<EOF_RESTART
#!/bin/sh
cd / && exec runuser -u postgres -- "$1/pg_ctl" -D "$TEMP_PGDATA" -l "$TEMP_SERVER_DIR/server.log" -m fast -w restart >/dev/null
EOF_RESTART
    chmod 755 "$scratch/restart_server.sh"
    driver=("$root/bench/driver/lead_router_bench" --host "$TEMP_PGHOST" --port "$TEMP_PGPORT"
            --dbname lead_router_bench --scratch "$TEMP_SERVER_DIR/scratch"
            --pg-waldump "$1/pg_waldump" --restart-command "$scratch/restart_server.sh")
    [ "$pgbench" -eq 1 ] && driver+=(--pgbench "$1/pgbench" --pgbench-dbname pgbench)
    [ -n "$perf" ] && driver+=(--perf "$perf")
}

# v0.5.0 built and installed into a private copy of the PostgreSQL installation (see the
# header); prints nothing on success, sets base_bin and base_library.
base_dir=${LEAD_ROUTER_BENCH_050_DIR:-/tmp/lr_bench_050}
build_050() {
    local commit stamp
    commit=$(git -C "$root" rev-parse -q --verify 'v0.5.0^{commit}') || { echo "no git tag v0.5.0" >&2; return 1; }
    stamp="$commit $(sha256sum /usr/lib/postgresql/15/bin/postgres | cut -c1-64)"
    base_bin=$base_dir/usr/lib/postgresql/15/bin
    base_library=$base_dir/src/lead_router.so
    if [ -f "$base_dir/stamp" ] && [ "$(cat "$base_dir/stamp")" = "$stamp" ] && [ -x "$base_bin/postgres" ]; then
        echo "   (reusing the build in $base_dir)"
        return 0
    fi
    rm -rf "$base_dir"
    mkdir -p "$base_dir/usr/lib/postgresql" "$base_dir/usr/share/postgresql" "$base_dir/src" || return 1
    cp -a /usr/lib/postgresql/15 "$base_dir/usr/lib/postgresql/" &&
        cp -a /usr/share/postgresql/15 "$base_dir/usr/share/postgresql/" || return 1
    # the installed lead_router (0.6.0) out of the copy, so that only 0.5.0 is there
    rm -rf "$base_dir"/usr/lib/postgresql/15/lib/lead_router*.so "$base_dir"/usr/lib/postgresql/15/lib/bitcode/lead_router* \
        "$base_dir"/usr/share/postgresql/15/extension/lead_router*
    [ "$("$base_bin/pg_config" --pkglibdir)" = "$base_dir/usr/lib/postgresql/15/lib" ] ||
        { echo "the copy's pg_config does not report the copy's paths" >&2; return 1; }
    git -C "$root" archive "$commit" | tar -x -C "$base_dir/src" || return 1
    # compiled against the system's headers; installed with DESTDIR into the copy, whose
    # layout is the system's under $base_dir
    make -C "$base_dir/src" -s -j2 all PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config &&
        make -C "$base_dir/src" -s install PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config DESTDIR="$base_dir" ||
        return 1
    [ -f "$base_dir/usr/lib/postgresql/15/lib/lead_router.so" ] &&
        grep -q "default_version = '0.5.0'" "$base_dir/usr/share/postgresql/15/extension/lead_router.control" ||
        { echo "v0.5.0 did not install into the copy" >&2; return 1; }
    echo "$stamp" >"$base_dir/stamp"
}

mkdir -p "$output" || die "cannot create $output"
commit=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
git_args=(--git-commit "$commit")
[ -n "$(git -C "$root" status --porcelain 2>/dev/null)" ] && git_args+=(--git-dirty)

baseline_args=()
system_bin=$PG_BIN
if [ "$compare" -eq 1 ]; then
    echo "== 0.5.0 pass: v0.5.0 built into a private copy of PostgreSQL ($base_dir)"
    build_log=$(mktemp /tmp/lead_router_bench_build050.XXXXXX)
    if ! build_050 >"$build_log" 2>&1; then
        cat "$build_log"
        die "building v0.5.0 failed"
    fi
    cat "$build_log"
    rm -f "$build_log"
    PG_BIN=$base_bin
    sync  # both passes start with nothing left to write back
    base_port=$((port + 1))
    echo "== 0.5.0 throw-away server on port $base_port ($PG_BIN)"
    start_temp_server "$base_port" "${server_settings[@]}" || die "the 0.5.0 server did not start"
    load_databases || die "loading the bench databases (0.5.0) failed"
    driver_command "$PG_BIN"
    echo "== 0.5.0 pass: $baseline_scenarios at $bar_clients clients"
    "${driver[@]}" "${git_args[@]}" --json "$scratch/baseline.json" "${driver_args[@]}" --role baseline \
        --no-explain --scenarios "$baseline_scenarios" --clients "$bar_clients" \
        --expect-extversion 0.5.0 --expect-library "$base_library" >"$scratch/baseline.md"
    rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "== 0.5.0 server log (last 30 lines)"
        tail -n 30 "$TEMP_SERVER_DIR/server.log"
        die "the 0.5.0 pass failed (exit $rc)"
    fi
    baseline_args=(--baseline-json "$scratch/baseline.json")
    if [[ ",$baseline_scenarios," == *",concurrent,"* ]]; then
        # The server stays up, idle, for the paired route_lead comparison (bench/driver/paired.h):
        # checkpointed now, so that none of its writes lands in the main run's measurements.
        bench_psql postgres -c CHECKPOINT || die "CHECKPOINT on the 0.5.0 server failed"
        base_server_dir=$TEMP_SERVER_DIR base_pgdata=$TEMP_PGDATA
        baseline_args+=(--paired-baseline "host=$TEMP_PGHOST port=$base_port user=postgres dbname=lead_router_bench")
        TEMP_PGDATA= TEMP_SERVER_DIR=
    else
        stop_temp_server
    fi
    # The pass leaves gigabytes of dirty pages behind; written back during the main run they
    # would slow its fsyncs and charge this version for 0.5.0's writes.
    sync
    PG_BIN=$system_bin
    trap 'stop_baseline_server; rm -rf "$scratch"' EXIT
fi

# The main server: a production-like configuration for a 2-core, multi-GB machine
# (server_settings above).  Durability stays at its defaults (fsync, synchronous_commit,
# full_page_writes on): a result without it is not a result.  Checkpoints are spaced out so
# that none lands inside a measurement (the driver does not checkpoint either: see
# bench/README.md); the worker serves the bench database but stays off until the retry
# scenario switches it on to time its drain (until the database exists it fails to connect
# and is restarted, which only adds a few log lines).
echo "== throw-away server on port $port"
start_temp_server "$port" "${server_settings[@]}" || die "the throw-away server did not start"
trap 'stop_temp_server; stop_baseline_server; rm -rf "$scratch"' EXIT

echo "== bench database: lead_router, bench schema, PL/pgSQL comparator"
load_databases || die "loading the bench databases failed"
driver_command "$PG_BIN"

stamp=$(date -u +%Y%m%dT%H%M%SZ)
json=$output/$stamp.json
explain=$output/$stamp.explain.md

echo "== benchmark (progress on stderr; summary below)"
"${driver[@]}" "${git_args[@]}" --json "$json" --explain "$explain" --normalize-json "$scratch/normalize.json" \
    "${baseline_args[@]}" "${driver_args[@]}"
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
