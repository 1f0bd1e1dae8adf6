#!/usr/bin/env bash
# `make bench`: start a fresh single Arca node (raft storage in a temp dir, free port),
# initialise and unseal it, enable kv-v2 at secret/, run arca-bench's write, read and mixed
# workloads, print the summary table, save the JSON report under
# $HOME/.cache/arca/bench/<timestamp>.json, and stop the node.
#
# Knobs (environment): BENCH_DURATION (10s per workload), BENCH_CONCURRENCY (16),
# BENCH_VALUE_SIZE (256), BENCH_KEYS (1000), ARCA_BENCH (path of the arca-bench binary,
# default: next to ARCA_BIN).
set -euo pipefail
cd "$(dirname "$0")/.."
ARCA="${1:?usage: bench.sh PATH_TO_ARCA}"
BENCH="${ARCA_BENCH:-$(dirname "$ARCA")/arca-bench}"
[ -x "$ARCA" ] || { echo "bench: $ARCA not found; run make build" >&2; exit 1; }
[ -x "$BENCH" ] || { echo "bench: $BENCH not found; run make build" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
CLUSTER_PORT=$(free_port)
ADDR="http://127.0.0.1:$PORT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/arca-bench.XXXXXX")
PID=""
cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill "$PID"; wait "$PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

mkdir -p "$TMP/data"
cat > "$TMP/config.hcl" <<HCL
disable_mlock = true
api_addr = "$ADDR"
cluster_addr = "http://127.0.0.1:$CLUSTER_PORT"
storage "raft" {
  path    = "$TMP/data"
  node_id = "bench-node"
}
listener "tcp" {
  address         = "127.0.0.1:$PORT"
  cluster_address = "127.0.0.1:$CLUSTER_PORT"
  tls_disable     = true
}
HCL

"$ARCA" server -config="$TMP/config.hcl" >"$TMP/server.log" 2>&1 &
PID=$!

# Polls /v1/sys/health until it answers one of the wanted status codes.
wait_health() {
  local want="$1" code=000
  for _ in $(seq 1 150); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$ADDR/v1/sys/health" || true)
    case " $want " in *" $code "*) return 0 ;; esac
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "bench: node did not reach health $want (last $code); log:" >&2
  tail -n 30 "$TMP/server.log" >&2
  exit 1
}
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

wait_health "501 503 200"
INIT=$(curl -sf -X PUT -d '{"secret_shares":1,"secret_threshold":1}' "$ADDR/v1/sys/init")
KEY=$(json_field "['keys_base64'][0]" <<<"$INIT")
export VAULT_TOKEN
VAULT_TOKEN=$(json_field "['root_token']" <<<"$INIT")
unset INIT
curl -sf -X PUT -d "{\"key\":\"$KEY\"}" "$ADDR/v1/sys/unseal" >/dev/null
unset KEY
wait_health "200"
curl -sf -X POST -H "X-Vault-Token: $VAULT_TOKEN" \
  -d '{"type":"kv","options":{"version":"2"}}' "$ADDR/v1/sys/mounts/secret" >/dev/null

OUT_DIR="$HOME/.cache/arca/bench"
OUT="$OUT_DIR/$(date -u +%Y%m%dT%H%M%SZ).json"
mkdir -p "$OUT_DIR"
CPU=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)
MACHINE="$(nproc) cores${CPU:+, $CPU}, $(uname -sr)"
REV=$(git describe --always --dirty 2>/dev/null || echo unknown)
echo "machine: $MACHINE; arca $REV (dev profile)"

status=0
"$BENCH" --address "$ADDR" --mount secret \
  --workload write,read,mixed \
  --duration "${BENCH_DURATION:-10s}" \
  --concurrency "${BENCH_CONCURRENCY:-16}" \
  --value-size "${BENCH_VALUE_SIZE:-256}" \
  --keys "${BENCH_KEYS:-1000}" \
  --meta "machine=$MACHINE" --meta "arca_rev=$REV" --meta "build=dev" \
  --meta "storage=raft, 1 node" \
  --json-out "$OUT" || status=$?
[ -f "$OUT" ] && echo "JSON report: $OUT"
exit "$status"
