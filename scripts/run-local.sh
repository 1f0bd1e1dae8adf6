#!/usr/bin/env bash
# `make run`: start a local Arca node with raft storage under .run/, initialise it with
# 5 key shares (threshold 3) on first start, unseal it, and print the address and root
# token. The keys are written to .run/init.json with mode 0600.
# `scripts/run-local.sh --stop` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_DIR="$PWD/.run"
PORT="${ARCA_PORT:-8200}"
ADDR="http://127.0.0.1:$PORT"
PID_FILE="$RUN_DIR/node1.pid"

stop() {
  if [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
    kill "$(cat "$PID_FILE")"; echo "stopped node1"
  fi
  rm -f "$PID_FILE"
}
if [ "${1:-}" = "--stop" ]; then stop; exit 0; fi

ARCA="${1:?usage: run-local.sh PATH_TO_ARCA}"
mkdir -p "$RUN_DIR/node1/data"
cat > "$RUN_DIR/node1/config.hcl" <<HCL
ui = true
disable_mlock = true
api_addr = "$ADDR"
cluster_addr = "http://127.0.0.1:$((PORT + 1))"
storage "raft" {
  path    = "$RUN_DIR/node1/data"
  node_id = "node1"
}
listener "tcp" {
  address         = "127.0.0.1:$PORT"
  cluster_address = "127.0.0.1:$((PORT + 1))"
  tls_disable     = true
}
HCL

stop
nohup "$ARCA" server -config="$RUN_DIR/node1/config.hcl" >"$RUN_DIR/node1/server.log" 2>&1 &
echo $! > "$PID_FILE"

code=000
for _ in $(seq 1 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$ADDR/v1/sys/health" || true)
  [ "$code" != 000 ] && break
  sleep 0.2
done
[ "$code" = 000 ] && { echo "node1 did not start; see $RUN_DIR/node1/server.log" >&2; exit 1; }

INIT="$RUN_DIR/init.json"
if [ "$code" = 501 ]; then
  umask 077
  curl -sf -X PUT -d '{"secret_shares":5,"secret_threshold":3}' "$ADDR/v1/sys/init" > "$INIT"
  chmod 600 "$INIT"
fi
[ -f "$INIT" ] || { echo "node1 is initialised but $INIT is missing: unseal it by hand" >&2; exit 1; }
for i in 0 1 2; do
  key=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['keys_base64'][$i])" "$INIT")
  curl -sf -X PUT -d "{\"key\":\"$key\"}" "$ADDR/v1/sys/unseal" >/dev/null
done
TOKEN=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['root_token'])" "$INIT")
cat <<MSG

Arca is running (1 node, raft storage in $RUN_DIR/node1/data).

    export VAULT_ADDR='$ADDR'
    export VAULT_TOKEN='$TOKEN'

Unseal keys and root token: $INIT (mode 0600)
Logs: $RUN_DIR/node1/server.log      Stop: make stop
MSG
