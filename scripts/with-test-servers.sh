#!/usr/bin/env bash
# Runs a command (normally `swift test`) with the servers the tests talk to: a redis-server on a free
# loopback port, unless FLUX_TEST_REDIS_URL already names one. The server is stopped afterwards.
set -euo pipefail

started_dir=""
cleanup() {
    if [ -n "$started_dir" ] && [ -f "$started_dir/redis.pid" ]; then
        kill "$(cat "$started_dir/redis.pid")" 2>/dev/null || true
        rm -rf "$started_dir"
    fi
}
trap cleanup EXIT

if [ -z "${FLUX_TEST_REDIS_URL:-}" ]; then
    if ! command -v redis-server >/dev/null; then
        echo "redis-server is not installed: run 'make deps' (or set FLUX_TEST_REDIS_URL)" >&2
        exit 1
    fi
    started_dir=$(mktemp -d)
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
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

"$@"
