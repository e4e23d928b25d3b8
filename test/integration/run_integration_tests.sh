#!/usr/bin/env bash
# The libpq integration tests (test/integration/*.cpp, Catch2): builds the test binary
# (`make -C test integration`), starts a throw-away server with lead_router preloaded, runs the
# binary against it as a client, and stops the server again.  The extension must be built
# and installed already (`make && make install`; test/run_all.sh does that first).
# Arguments are passed to the Catch2 binary (e.g. "[race]" or --durations yes).
# Must run as root (the server runs as postgres).  Ends with the line
# "integration: P passed, F failed" counting Catch2 test cases; exits non-zero on failure.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=test/lib/ensure_packages.sh
source "$root/test/lib/ensure_packages.sh"
source "$root/test/lib/temp_server.sh"
source "$root/test/lib/suite_counts.sh"

# A port of its own, so that it can run next to the demo (54329); the socket lives in the
# server's private temp folder anyway.
port=${LEAD_ROUTER_INTEGRATION_PORT:-54331}

give_up() {  # message: a setup failure counts as one failed test, never as zero tests
    echo "$1" >&2
    echo "integration: 0 passed, 1 failed"
    exit 1
}

[ "$(id -u)" -eq 0 ] || give_up "run as root: the throw-away server is started as postgres"
ensure_packages || give_up "missing packages"

echo "== build (make -C test integration)"
make -C "$root/test" -s -j"$(nproc)" integration || give_up "building the integration tests failed"
[ -f "$("$PG_CONFIG" --sharedir)/extension/lead_router.control" ] ||
    give_up "lead_router is not installed: run make && make install first"

echo "== throw-away server on port $port"
start_temp_server "$port" "shared_preload_libraries = 'lead_router'" "max_connections = 50" ||
    give_up "the throw-away server did not start"
export LEAD_ROUTER_TEST_DSN="host=$TEMP_PGHOST port=$TEMP_PGPORT dbname=postgres user=postgres"

echo "== integration tests (libpq, Catch2)"
log=$TEMP_SERVER_DIR/integration.log  # removed with the server
"$root/test/integration/run_integration_tests" "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

read -r passed failed < <(catch2_counts "$log" "$rc")
if [ "$failed" -ne 0 ] && [ -f "$TEMP_SERVER_DIR/server.log" ]; then
    echo "== server log (last 40 lines)"
    tail -n 40 "$TEMP_SERVER_DIR/server.log"
fi

echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
