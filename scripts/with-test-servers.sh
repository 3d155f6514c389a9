#!/usr/bin/env bash
# Runs a command (normally `swift test`) with the servers the tests talk to, each on a free loopback
# port: a redis-server unless FLUX_TEST_REDIS_URL names one, and a MariaDB server unless
# FLUX_TEST_MARIADB_URL names one. The servers it started are stopped afterwards.
set -euo pipefail

started_dir=""
mariadb_dir=""
cleanup() {
    if [ -n "$started_dir" ] && [ -f "$started_dir/redis.pid" ]; then
        kill "$(cat "$started_dir/redis.pid")" 2>/dev/null || true
        rm -rf "$started_dir"
    fi
    if [ -n "$mariadb_dir" ]; then
        [ -f "$mariadb_dir/mariadb.pid" ] && kill "$(cat "$mariadb_dir/mariadb.pid")" 2>/dev/null || true
        sleep 1
        rm -rf "$mariadb_dir"
    fi
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

if [ -z "${FLUX_TEST_REDIS_URL:-}" ]; then
    if ! command -v redis-server >/dev/null; then
        echo "redis-server is not installed: run 'make deps' (or set FLUX_TEST_REDIS_URL)" >&2
        exit 1
    fi
    started_dir=$(mktemp -d)
    port=$(free_port)
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$started_dir" \
        --pidfile "$started_dir/redis.pid" --daemonize yes >/dev/null
    for _ in $(seq 1 100); do
        [ "$(redis-cli -p "$port" ping 2>/dev/null)" = "PONG" ] && break
        sleep 0.1
    done
    export FLUX_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
    export FLUX_TEST_REDIS_PORT="$port"
    echo "test redis-server on 127.0.0.1:$port"
fi

if [ -z "${FLUX_TEST_MARIADB_URL:-}" ]; then
    if ! command -v mariadbd >/dev/null || ! command -v mariadb-install-db >/dev/null; then
        echo "mariadb-server is not installed: run 'make deps' (or set FLUX_TEST_MARIADB_URL)" >&2
        exit 1
    fi
    mariadb_dir=$(mktemp -d)
    mariadb_port=$(free_port)
    mariadb-install-db --no-defaults --datadir="$mariadb_dir/data" --user="$(id -un)" --skip-test-db \
        --auth-root-authentication-method=normal >"$mariadb_dir/install.log" 2>&1
    # Grant tables are skipped: a throw-away server on loopback for tests only.
    # Its own tmpdir: the restart tests start a second server, which clears stale temporary tables there.
    mariadbd --no-defaults --datadir="$mariadb_dir/data" --tmpdir="$mariadb_dir" --socket="$mariadb_dir/mariadb.sock" \
        --port="$mariadb_port" --bind-address=127.0.0.1 --user="$(id -un)" --skip-grant-tables \
        --innodb-buffer-pool-size=64M --skip-log-bin --pid-file="$mariadb_dir/mariadb.pid" \
        >"$mariadb_dir/server.log" 2>&1 &
    for _ in $(seq 1 100); do
        mariadb-admin --no-defaults -h127.0.0.1 -P"$mariadb_port" -uflux ping >/dev/null 2>&1 && break
        sleep 0.2
    done
    export FLUX_TEST_MARIADB_URL="mysql://flux:flux@127.0.0.1:$mariadb_port/flux_test"
    echo "test MariaDB on 127.0.0.1:$mariadb_port"
fi

status=0
"$@" || status=$?
# A failed run shows what the test MariaDB said (a crash or killed connections explain store errors).
if [ "$status" -ne 0 ] && [ -n "$mariadb_dir" ] && [ -s "$mariadb_dir/server.log" ]; then
    echo "--- test MariaDB server log, last 30 lines ---"
    tail -30 "$mariadb_dir/server.log"
fi
exit "$status"
