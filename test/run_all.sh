#!/usr/bin/env bash
# Every lead_router test suite, as CI runs them (.ci/run calls this script; so does
# `make test`): Catch2 unit tests of the C++ core (also under ASan + UBSan), libFuzzer runs
# on the core, the META.json checks, pg_regress and
# isolation tests and TAP tests on throw-away servers, and the libpq integration tests.  Installs missing
# Debian packages first (as root).
# Ends with one plain line "N passed, N failed" and exits non-zero when anything failed.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=test/lib/ensure_packages.sh
source "$root/test/lib/ensure_packages.sh"
source "$root/test/lib/suite_counts.sh"

ensure_packages || { echo "0 passed, 1 failed"; exit 1; }

started=$(date +%s)
log_dir=$(mktemp -d /tmp/lead_router_tests.XXXXXX)
chmod 755 "$log_dir"

echo "== build and install"
if ! { make -C "$root" -s -j"$(nproc)" all && make -C "$root" -s check-library && make -C "$root" -s install; } >"$log_dir/build.log" 2>&1; then
    cat "$log_dir/build.log"
    count_result build 0 1
    print_totals
    exit 1
fi
grep -E 'warning:' "$log_dir/build.log" && echo "(build warnings above)"

echo "== unit (Catch2)"
run_catch2_suite unit "$log_dir/unit.log" make -C "$root/test" -s -j"$(nproc)" run-unit

echo "== sanitize (Catch2 under ASan + UBSan)"
run_catch2_suite sanitize "$log_dir/sanitize.log" make -C "$root/test" -s -j"$(nproc)" run-sanitize

# libFuzzer on the pure core: regression inputs replayed, then about 30 s per target.
echo "== fuzz (libFuzzer)"
run_counted_suite fuzz "$log_dir/fuzz.log" bash "$root/test/fuzz/run_fuzzers.sh"

echo "== lint (install and upgrade scripts)"
run_counted_suite lint "$log_dir/lint.log" bash "$root/test/lint/run_lint_tests.sh"

echo "== compile (compile-time guarantees of the C++/PostgreSQL boundary)"
run_counted_suite compile "$log_dir/compile.log" bash "$root/test/compile/run_compile_checks.sh"

echo "== meta (META.json)"
run_counted_suite meta "$log_dir/meta.log" bash "$root/test/meta/run_meta_tests.sh"

# The README's installation steps, as written, on a cluster made with pg_createcluster.
echo "== readme (installing on a Debian cluster)"
run_counted_suite readme "$log_dir/readme.log" bash "$root/test/readme/install_on_debian_cluster.sh"

# The server suites run as postgres (initdb refuses root) in a copy it owns.
work=$(mktemp -d /tmp/lead_router_pg.XXXXXX)
tar -C "$root" --exclude=.git -cf - . | tar -C "$work" -xf -
chown -R postgres: "$work"

echo "== regress (pg_regress)"
run_pg_regress_suite regress "$log_dir/regress.log" "$work/regression.diffs" \
    as_postgres make -C "$work" -s regresscheck

echo "== regress-unloaded (pg_regress on a server that does not preload lead_router)"
run_pg_regress_suite regress-unloaded "$log_dir/regress_unloaded.log" "$work/regression.diffs" \
    as_postgres make -C "$work" -s regresscheck-unloaded

echo "== isolation (isolationtester)"
run_pg_regress_suite isolation "$log_dir/isolation.log" "$work/test/isolation/output/regression.diffs" \
    as_postgres make -C "$work" -s isolationcheck

echo "== isolation-unloaded (pools and caps as locked rows, on a server that does not preload lead_router)"
run_pg_regress_suite isolation-unloaded "$log_dir/isolation_unloaded.log" \
    "$work/test/isolation/output_unloaded/regression.diffs" as_postgres make -C "$work" -s isolationcheck-unloaded

echo "== tap (PostgreSQL::Test::Cluster: worker, crash recovery, pg_cron)"
run_tap_suite tap "$log_dir/tap.log" as_postgres make -C "$work" -s tapcheck

# A client over libpq against its own throw-away server (the script starts and stops it).
echo "== integration (libpq)"
run_counted_suite integration "$log_dir/integration.log" \
    bash "$root/test/integration/run_integration_tests.sh"

# The benchmark harness on a tiny dataset: proves the driver still runs (timings are
# reported, never asserted).
echo "== bench (--quick)"
run_counted_suite bench "$log_dir/bench.log" bash "$root/bench/run_bench.sh" --quick --output "$log_dir/bench"

echo
echo "== summary ($(( $(date +%s) - started )) s; logs in $log_dir)"
print_totals
[ "$total_failed" -eq 0 ]
