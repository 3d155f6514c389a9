#!/usr/bin/env bash
# The cluster of etc/cluster/ on one machine, for trying it out: Redis on 6379, gate+status+verify,
# and two chat nodes, each a separate `flux` process on loopback ports, sharing a random cluster secret
# (kept in $DATA/rpc.secret for `flux admin`). Ctrl-C stops everything.
# PORT_OFFSET moves every port (8080 → 8080+offset …); REDIS_PORT and REDIS_DB pick the Redis.
set -euo pipefail
cd "$(dirname "$0")/../.."
flux=${FLUX:-.build/debug/flux}
data=${DATA:-./flux-cluster}
mkdir -p "$data"
if [ ! -s "$data/rpc.secret" ]; then
    (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$data/rpc.secret")
fi
o=${PORT_OFFSET:-0}
redis_port=${REDIS_PORT:-6379}
redis-cli -p "$redis_port" ping >/dev/null 2>&1 || redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --daemonize yes >/dev/null
common=(FLUX_KV_URL="redis://127.0.0.1:$redis_port/${REDIS_DB:-0}" FLUX_DB_URL="sqlite://$data/flux.sqlite" FLUX_RPC_HOST=127.0.0.1
        FLUX_RPC_SECRET_FILE="$data/rpc.secret" FLUX_STATUS_ADDRESS=127.0.0.1:$((8070 + o)) FLUX_VERIFY_ADDRESS=127.0.0.1:$((8071 + o)))
trap 'kill 0' EXIT
env "${common[@]}" FLUX_DATA_DIR="$data" FLUX_GATE_PORT=$((8080 + o)) FLUX_STATUS_RPC_PORT=$((8070 + o)) FLUX_VERIFY_RPC_PORT=$((8071 + o)) \
    FLUX_METRICS_PORT=$((9464 + o)) "$flux" --role gate,status,verify &
# Wait for the front (its gate port; a bare connection to an RPC port is logged as a failed handshake).
for _ in $(seq 1 300); do (echo > "/dev/tcp/127.0.0.1/$((8080 + o))") 2>/dev/null && break; sleep 0.1; done
env "${common[@]}" FLUX_DATA_DIR="$data/chat-1" FLUX_CHAT_NAME=chat-1 FLUX_CHAT_PORT=$((8090 + o)) FLUX_CHAT_WS_PORT=$((8089 + o)) \
    FLUX_CHAT_RPC_PORT=$((8091 + o)) FLUX_METRICS_PORT=$((9465 + o)) "$flux" --role chat &
env "${common[@]}" FLUX_DATA_DIR="$data/chat-2" FLUX_CHAT_NAME=chat-2 FLUX_CHAT_PORT=$((8092 + o)) FLUX_CHAT_WS_PORT=$((8094 + o)) \
    FLUX_CHAT_RPC_PORT=$((8093 + o)) FLUX_METRICS_PORT=$((9466 + o)) "$flux" --role chat &
echo "flux admin: FLUX_RPC_SECRET_FILE=$data/rpc.secret $flux admin nodes --status 127.0.0.1:$((8070 + o))"
wait
