# A throw-away PostgreSQL server for the demo and the benchmark: initdb in a temp folder
# owned by postgres (initdb refuses root), listening only on a Unix socket in that folder,
# stopped and removed on exit.  Sourced after ensure_packages.sh.

# start_temp_server <port> [extra postgresql.conf lines...]; sets TEMP_PGDATA, TEMP_PGHOST
start_temp_server() {
    local port=$1 line
    shift
    TEMP_SERVER_DIR=$(mktemp -d /tmp/lead_router_server.XXXXXX)
    chown postgres: "$TEMP_SERVER_DIR"
    TEMP_PGDATA=$TEMP_SERVER_DIR/data
    TEMP_PGHOST=$TEMP_SERVER_DIR
    TEMP_PGPORT=$port
    trap stop_temp_server EXIT
    as_postgres "$PG_BIN/initdb" -D "$TEMP_PGDATA" -A trust -E UTF8 --locale=C.UTF-8 \
        >"$TEMP_SERVER_DIR/initdb.log" 2>&1 || { cat "$TEMP_SERVER_DIR/initdb.log"; return 1; }
    {
        echo "listen_addresses = ''"
        echo "unix_socket_directories = '$TEMP_SERVER_DIR'"
        echo "port = $port"
        for line in "$@"; do echo "$line"; done
    } >>"$TEMP_PGDATA/postgresql.conf"
    as_postgres "$PG_BIN/pg_ctl" -D "$TEMP_PGDATA" -l "$TEMP_SERVER_DIR/server.log" \
        -w start >/dev/null || { cat "$TEMP_SERVER_DIR/server.log"; return 1; }
}

stop_temp_server() {
    [ -n "${TEMP_PGDATA:-}" ] && [ -d "$TEMP_PGDATA" ] &&
        as_postgres "$PG_BIN/pg_ctl" -D "$TEMP_PGDATA" -m fast -w stop >/dev/null 2>&1
    [ -n "${TEMP_SERVER_DIR:-}" ] && rm -rf "$TEMP_SERVER_DIR"
    TEMP_PGDATA=
}

# temp_psql [psql args...]: psql as postgres against the temp server
temp_psql() {
    as_postgres "$PG_BIN/psql" -h "$TEMP_PGHOST" -p "$TEMP_PGPORT" -d postgres -X \
        -v ON_ERROR_STOP=1 "$@"
}
