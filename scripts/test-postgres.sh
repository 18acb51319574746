#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite.
#
#   scripts/test-postgres.sh start   # (re)create a fresh cluster and start it; creates database chungtay_test
#   scripts/test-postgres.sh stop    # stop it and delete its data directory
#   scripts/test-postgres.sh url     # print the SQLAlchemy URL of the test database
#   scripts/test-postgres.sh status  # say whether it is running
#   scripts/test-postgres.sh restart [SECONDS]  # stop the running server (fast), stay down SECONDS
#                                    # (default 0), start it again with its data (the chaos run uses it)
#
# Environment: PGTEST_PORT (default 54329), PGTEST_DIR (default .pgtest/ in the repo),
# PGTEST_BINDIR (default: the highest /usr/lib/postgresql/*/bin).
# The server listens on 127.0.0.1 only, trusts local connections as user "postgres", and trades
# durability for speed (fsync, synchronous_commit and full_page_writes off). Never use it for real data.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${PGTEST_PORT:-54329}"
DIR="${PGTEST_DIR:-$REPO/.pgtest}"
# Used instead of $DIR when running as root and the postgres user cannot reach $DIR
# (e.g. a checkout under /root, whose mode is 0700).
FALLBACK_DIR="${TMPDIR:-/tmp}/chungtay-pgtest-$PORT"
DB_NAME=chungtay_test
DB_USER=postgres
OS_USER=postgres   # initdb and postgres refuse to run as root; as root we run them as this user

log() { echo "test-postgres: $*" >&2; }
die() { log "error: $*"; exit 1; }

find_bindir() {
    if [ -n "${PGTEST_BINDIR:-}" ]; then
        [ -x "$PGTEST_BINDIR/postgres" ] || die "no postgres binary in PGTEST_BINDIR=$PGTEST_BINDIR"
        echo "$PGTEST_BINDIR"
        return
    fi
    local best=""
    local dir
    while IFS= read -r dir; do
        [ -x "$dir/postgres" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && best="$dir"
    done < <(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V)
    [ -n "$best" ] || die "no PostgreSQL server in /usr/lib/postgresql/*/bin (run scripts/ensure-system-deps.sh)"
    echo "$best"
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Runs a command as the owner of the cluster: the postgres user when we are root, else ourselves.
as_owner() {
    if ! is_root; then
        "$@"
    elif command -v runuser >/dev/null 2>&1; then
        runuser -u "$OS_USER" -- "$@"
    else
        su -s /bin/sh "$OS_USER" -c "$(printf '%q ' "$@")"
    fi
}

ensure_os_user() {
    is_root || return 0
    if ! id -u "$OS_USER" >/dev/null 2>&1; then
        log "creating system user $OS_USER"
        useradd --system --user-group --home-dir /nonexistent --no-create-home \
            --shell /usr/sbin/nologin "$OS_USER"
    fi
}

# True when the postmaster named in $1/postmaster.pid is a live process (not gone, not a zombie).
server_alive() {
    local pid state
    pid="$(head -n 1 "$1/postmaster.pid" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [ -r "/proc/$pid/stat" ] || return 1
    state="$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$pid/stat" 2>/dev/null || true)"
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# Stops whatever server runs on data directory $1 (stale pid files are fine) and deletes the directory.
stop_dir() {
    local data="$1"
    [ -e "$data" ] || return 0
    if [ -f "$data/postmaster.pid" ]; then
        local bindir
        bindir="$(find_bindir)"
        if server_alive "$data"; then
            log "stopping the server in $data"
            as_owner "$bindir/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null \
                || as_owner "$bindir/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null \
                || log "warning: could not stop the server in $data"
        fi
    fi
    rm -rf "$data"
}

# Picks the data directory for a new cluster and creates it, empty and owned by the cluster's user.
prepare_dir() {
    DATA="$DIR"
    mkdir -p "$DATA"
    if is_root; then
        chown "$OS_USER:" "$DATA"
        if ! as_owner test -w "$DATA"; then
            rmdir "$DATA" 2>/dev/null || true
            DATA="$FALLBACK_DIR"
            log "user $OS_USER cannot reach $DIR; using $DATA instead"
            mkdir -p "$DATA"
            chown "$OS_USER:" "$DATA"
        fi
    fi
    chmod 700 "$DATA"
}

cmd_start() {
    local bindir
    bindir="$(find_bindir)"
    ensure_os_user
    # A previous server (running, crashed or with a stale pid file) is stopped and wiped: start is always fresh.
    stop_dir "$DIR"
    stop_dir "$FALLBACK_DIR"
    prepare_dir

    log "initdb ($("$bindir/postgres" --version)) in $DATA"
    local initdb_log
    initdb_log="$(mktemp)"
    if ! as_owner "$bindir/initdb" -D "$DATA" -U "$DB_USER" --auth=trust --no-locale -E UTF8 --no-sync \
        >"$initdb_log" 2>&1; then
        cat "$initdb_log" >&2
        rm -f "$initdb_log"
        die "initdb failed"
    fi
    rm -f "$initdb_log"

    # Unix sockets have a ~107-byte path limit; with a deep checkout we go TCP-only.
    local socket_dir="$DATA"
    if [ $(( ${#DATA} + 20 )) -gt 100 ]; then
        socket_dir=""
    fi
    cat >"$DATA/pg_hba.conf" <<HBA
# Test cluster: trust, loopback only.
local   all   all                 trust
host    all   all   127.0.0.1/32  trust
HBA
    cat >>"$DATA/postgresql.conf" <<CONF

# --- chungtay test settings (scripts/test-postgres.sh) ---
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$socket_dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
CONF
    if is_root; then
        chown "$OS_USER:" "$DATA/pg_hba.conf" "$DATA/postgresql.conf"
    fi

    log "starting on 127.0.0.1:$PORT"
    if ! as_owner "$bindir/pg_ctl" -D "$DATA" -l "$DATA/server.log" -W start >/dev/null </dev/null; then
        [ -f "$DATA/server.log" ] && cat "$DATA/server.log" >&2
        die "pg_ctl start failed"
    fi

    local tries=0
    until "$bindir/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U "$DB_USER" -t 1; do
        tries=$((tries + 1))
        if [ "$tries" -ge 120 ]; then   # about 30 s
            [ -f "$DATA/server.log" ] && tail -n 30 "$DATA/server.log" >&2
            die "the server did not become ready on 127.0.0.1:$PORT"
        fi
        if ! as_owner "$bindir/pg_ctl" -D "$DATA" status >/dev/null 2>&1 && [ "$tries" -ge 8 ]; then
            [ -f "$DATA/server.log" ] && tail -n 30 "$DATA/server.log" >&2
            die "the server exited during start-up (is port $PORT already in use?)"
        fi
        sleep 0.25
    done

    "$bindir/psql" -q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U "$DB_USER" -d postgres \
        -c "CREATE DATABASE $DB_NAME" >/dev/null
    log "ready: $(cmd_url)"
}

cmd_stop() {
    stop_dir "$DIR"
    stop_dir "$FALLBACK_DIR"
}

cmd_status() {
    local bindir
    bindir="$(find_bindir)"
    if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 1; then
        echo "running on 127.0.0.1:$PORT"
    else
        echo "not running on 127.0.0.1:$PORT"
        return 1
    fi
}

cmd_restart() {
    local bindir data down="${1:-0}"
    bindir="$(find_bindir)"
    for data in "$DIR" "$FALLBACK_DIR"; do
        if [ -f "$data/postmaster.pid" ] && server_alive "$data"; then
            log "restarting the server in $data (down for ${down}s)"
            as_owner "$bindir/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
            sleep "$down"
            as_owner "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start >/dev/null </dev/null
            return 0
        fi
    done
    die "no running server in $DIR or $FALLBACK_DIR"
}

cmd_url() {
    echo "postgresql+psycopg://$DB_USER@127.0.0.1:$PORT/$DB_NAME"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    url) cmd_url ;;
    status) cmd_status ;;
    restart) cmd_restart "${2:-0}" ;;
    *) echo "usage: $0 start|stop|url|status|restart [seconds]" >&2; exit 2 ;;
esac
