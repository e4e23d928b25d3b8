# Installs the Debian packages lead_router needs to build and test, when they are missing.
# Sourced by test/run_all.sh, test/demo.sh and bench/run_bench.sh; must run as root the
# first time (later runs find everything installed and do nothing).

LEAD_ROUTER_PACKAGES=(
    postgresql-15 postgresql-server-dev-15 postgresql-15-cron
    catch2 libssl-dev libpq-dev libipc-run-perl g++ make
    clang libclang-rt-14-dev  # libFuzzer and clang's ASan/UBSan runtimes (test/fuzz/)
    libicu-dev libphonenumber-dev  # identity normalisation (extension/core/)
    nlohmann-json3-dev libpqxx-dev  # the tests' and the benchmark's JSON and libpq client
    pgbouncer                       # the transaction-pooler test (test/t/)
)

ensure_packages() {
    local missing=() pkg
    for pkg in "${LEAD_ROUTER_PACKAGES[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing packages: ${missing[*]} (run as root to install them)" >&2
        return 1
    fi
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null &&
        apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

PG_BIN=/usr/lib/postgresql/15/bin
export PG_CONFIG=$PG_BIN/pg_config

# Runs a command as postgres (initdb and the server refuse root).  runuser keeps the
# caller's working directory, which postgres may not be allowed to enter: start from /.
as_postgres() { (cd / && runuser -u postgres -- "$@"); }
