#!/usr/bin/env bash
# Memory of one Arca node holding N live leases (default 100000): starts a fresh node
# (raft storage in a temp dir, free ports), initialises and unseals it, records its RSS,
# creates N tokens with a 768h TTL through the HTTP API (arca-bench --target vault-token,
# each token is one lease), records the RSS again, restarts the node, unseals it, waits
# until the expiration manager has loaded every lease back from storage, and records the
# RSS once more. Prints one line per measurement. Not part of `make test` (it takes
# minutes): run it by hand, e.g. `bash scripts/lease_memory.sh target/debug/arca`.
#
# Knobs: LEASES (100000), LEASE_CONCURRENCY (64), ARCA_BENCH (default: next to ARCA).
set -euo pipefail
cd "$(dirname "$0")/.."
ARCA="${1:?usage: lease_memory.sh PATH_TO_ARCA}"
BENCH="${ARCA_BENCH:-$(dirname "$ARCA")/arca-bench}"
N="${LEASES:-100000}"
[ -x "$ARCA" ] && [ -x "$BENCH" ] || { echo "lease_memory: build arca and arca-bench first" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
CLUSTER_PORT=$(free_port)
ADDR="http://127.0.0.1:$PORT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/arca-leases.XXXXXX")
PID=""
stop_node() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill "$PID"; wait "$PID" 2>/dev/null || true; fi
  PID=""
}
trap 'stop_node; rm -rf "$TMP"' EXIT
mkdir -p "$TMP/data"
cat > "$TMP/config.hcl" <<HCL
disable_mlock = true
api_addr = "$ADDR"
cluster_addr = "http://127.0.0.1:$CLUSTER_PORT"
storage "raft" {
  path    = "$TMP/data"
  node_id = "lease-node"
}
listener "tcp" {
  address         = "127.0.0.1:$PORT"
  cluster_address = "127.0.0.1:$CLUSTER_PORT"
  tls_disable     = true
}
HCL

start_node() {
  "$ARCA" server -config="$TMP/config.hcl" >>"$TMP/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 150); do
    curl -s -o /dev/null "$ADDR/v1/sys/health" && return 0
    sleep 0.2
  done
  echo "lease_memory: node did not start; log:" >&2; tail -n 30 "$TMP/server.log" >&2; exit 1
}
rss_mib() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$PID/status"; }
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
api() { curl -sf -H "X-Vault-Token: $VAULT_TOKEN" "$@"; }
count_leases() {
  api -X LIST "$ADDR/v1/sys/leases/lookup/auth/token/create/" 2>/dev/null \
    | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["keys"]))' || echo 0
}

start_node
INIT=$(curl -sf -X PUT -d '{"secret_shares":1,"secret_threshold":1}' "$ADDR/v1/sys/init")
KEY=$(json_field "['keys_base64'][0]" <<<"$INIT")
export VAULT_TOKEN
VAULT_TOKEN=$(json_field "['root_token']" <<<"$INIT")
unseal() {
  curl -sf -X PUT -d "{\"key\":\"$KEY\"}" "$ADDR/v1/sys/unseal" >/dev/null
  for _ in $(seq 1 150); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$ADDR/v1/sys/health")" = 200 ] && return 0
    sleep 0.2
  done
  echo "lease_memory: node did not become active" >&2; exit 1
}
unseal
sleep 2
echo "rss_mib_empty=$(rss_mib)"

start=$(date +%s)
"$BENCH" --target vault-token --address "$ADDR" --workload write --ops "$N" --keys "$N" \
  --token-ttl 768h --concurrency "${LEASE_CONCURRENCY:-64}" >"$TMP/bench.txt"
echo "created_in_s=$(( $(date +%s) - start ))"
echo "leases=$(count_leases)"
sleep 2
echo "rss_mib_with_leases=$(rss_mib)"

stop_node
start_node
unseal
start=$(date +%s)
# The expiration manager reloads the schedule within a second of becoming active; its
# gauge is not reachable without telemetry config, so wait for the RSS to settle.
prev=""
for _ in $(seq 1 60); do
  sleep 2
  now=$(rss_mib)
  [ "$now" = "$prev" ] && break
  prev="$now"
done
echo "leases_after_restart=$(count_leases)"
echo "rss_mib_after_restart=$(rss_mib) (settled after $(( $(date +%s) - start ))s)"
grep "expiration manager started" "$TMP/server.log" | tail -n1 || true
