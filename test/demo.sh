#!/usr/bin/env bash
# The lead_router demo: installs what is missing (Debian packages, as root), builds and
# installs the extension, starts a throw-away server, runs test/demo/demo.sql against it,
# and removes the server again.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/test/lib/ensure_packages.sh"
source "$root/test/lib/temp_server.sh"

ensure_packages
echo "== building and installing lead_router"
make -C "$root" -s all >/dev/null
make -C "$root" -s install >/dev/null

echo "== starting a throw-away server"
start_temp_server 54329 "shared_preload_libraries = 'lead_router'"

echo "== demo"
temp_psql -q -f - <"$root/test/demo/demo.sql"
