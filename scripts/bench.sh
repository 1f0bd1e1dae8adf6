#!/usr/bin/env bash
# `make bench`: the same workloads against a single Arca node and a single etcd node, one
# after the other on this machine, both syncing to disk (their defaults):
#   1. a fresh Arca node (raft storage in a temp dir, free ports), initialised, unsealed,
#      kv-v2 at secret/; arca-bench's write, read and mixed workloads over kv-v2;
#      then the token store (arca-bench --target vault-token: write = auth/token/create,
#      read = auth/token/lookup), AppRole logins (--target vault-approle), and transit
#      encrypt (write) and decrypt (read) on that node (report: *-transit.json);
#   2. a fresh etcd (Debian's etcd-server, installed if missing; --data-dir in a temp dir,
#      loopback ports); the same workloads through etcd's JSON gateway (/v3/kv/put,
#      linearizable /v3/kv/range);
# then prints both tables and one side by side (scripts/bench_compare.py), and saves
# both reports and the comparison as $HOME/.cache/arca/bench/<timestamp>.json.
#
# Knobs (environment): BENCH_DURATION (10s per workload), BENCH_CONCURRENCY (16),
# BENCH_VALUE_SIZE (256), BENCH_KEYS (1000), ARCA_BENCH (path of the arca-bench binary,
# default: next to ARCA_BIN), BENCH_ETCD=0 to skip etcd.
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
ETCD_PID=""
stop_pid() {
  if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then
    kill "$1"; wait "$1" 2>/dev/null || true
  fi
}
cleanup() {
  stop_pid "$PID"
  stop_pid "$ETCD_PID"
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

COMMON=(--workload write,read,mixed
  --duration "${BENCH_DURATION:-10s}"
  --concurrency "${BENCH_CONCURRENCY:-16}"
  --value-size "${BENCH_VALUE_SIZE:-256}"
  --keys "${BENCH_KEYS:-1000}"
  --meta "machine=$MACHINE" --meta "arca_rev=$REV" --meta "build=dev")

status=0
echo "== Arca"
"$BENCH" --target vault --address "$ADDR" --mount secret "${COMMON[@]}" \
  --meta "storage=raft, 1 node" --json-out "$TMP/arca.json" || status=$?

AUTH=(--duration "${BENCH_DURATION:-10s}" --concurrency "${BENCH_CONCURRENCY:-16}"
  --keys "${BENCH_KEYS:-1000}"
  --meta "machine=$MACHINE" --meta "arca_rev=$REV" --meta "build=dev" --meta "storage=raft, 1 node")
echo "== Arca tokens (write = auth/token/create, read = auth/token/lookup)"
"$BENCH" --target vault-token --address "$ADDR" --workload write,read --token-ttl 10m \
  "${AUTH[@]}" --json-out "$TMP/arca-token.json" || status=$?
api() { curl -sf -H "X-Vault-Token: $VAULT_TOKEN" "$@"; }
api -X POST -d '{"type":"approle"}' "$ADDR/v1/sys/auth/approle" >/dev/null
api -X POST -d '{"token_ttl":"10m","token_policies":["default"],"secret_id_num_uses":0}' \
  "$ADDR/v1/auth/approle/role/bench" >/dev/null
ROLE_ID=$(api "$ADDR/v1/auth/approle/role/bench/role-id" | json_field "['data']['role_id']")
export ARCA_BENCH_SECRET_ID
ARCA_BENCH_SECRET_ID=$(api -X POST "$ADDR/v1/auth/approle/role/bench/secret-id" \
  | json_field "['data']['secret_id']")
echo "== Arca AppRole logins (auth/approle/login)"
"$BENCH" --target vault-approle --address "$ADDR" --mount approle --role-id "$ROLE_ID" \
  --workload write "${AUTH[@]}" --json-out "$TMP/arca-approle.json" || status=$?
unset ARCA_BENCH_SECRET_ID

# Transit on the same node: writes encrypt, reads decrypt (key "bench"), mixed is 90 %
# decryptions.
echo "== Arca transit"
curl -sf -X POST -H "X-Vault-Token: $VAULT_TOKEN" -d '{"type":"transit"}' \
  "$ADDR/v1/sys/mounts/transit" >/dev/null
curl -sf -X POST -H "X-Vault-Token: $VAULT_TOKEN" "$ADDR/v1/transit/keys/bench" >/dev/null
"$BENCH" --target transit --address "$ADDR" --mount transit "${COMMON[@]}" \
  --meta "storage=raft, 1 node" \
  --json-out "$OUT_DIR/$(basename "$OUT" .json)-transit.json" || status=$?
# The Arca node stops before etcd starts: the two never share the CPU.
stop_pid "$PID"; PID=""

# Adds the token and AppRole reports to the saved JSON report as "arca_auth".
merge_auth() {
  python3 - "$OUT" "$TMP/arca-token.json" "$TMP/arca-approle.json" <<'PY'
import json, os, sys
out, token, approle = sys.argv[1:4]
with open(out) as f:
    report = json.load(f)
report["arca_auth"] = {
    name: json.load(open(path)) for name, path in (("token", token), ("approle", approle))
    if os.path.exists(path)
}
with open(out, "w") as f:
    json.dump(report, f, indent=2)
PY
}

if [ "${BENCH_ETCD:-1}" = 0 ]; then
  cp "$TMP/arca.json" "$OUT"
  merge_auth
  echo "JSON report: $OUT"
  exit "$status"
fi

if ! command -v etcd >/dev/null 2>&1; then
  echo "bench: installing etcd-server (Debian) for the comparison" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends etcd-server >/dev/null
fi
ETCD_PORT=$(free_port)
ETCD_PEER=$(free_port)
ETCD_ADDR="http://127.0.0.1:$ETCD_PORT"
etcd --name bench --data-dir "$TMP/etcd" \
  --listen-client-urls "$ETCD_ADDR" --advertise-client-urls "$ETCD_ADDR" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" \
  --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
  --initial-cluster "bench=http://127.0.0.1:$ETCD_PEER" \
  >"$TMP/etcd.log" 2>&1 &
ETCD_PID=$!
for _ in $(seq 1 150); do
  curl -sf "$ETCD_ADDR/health" 2>/dev/null | grep -q '"health":"true"' && break
  kill -0 "$ETCD_PID" 2>/dev/null || break
  sleep 0.2
done
curl -sf "$ETCD_ADDR/health" 2>/dev/null | grep -q '"health":"true"' || {
  echo "bench: etcd did not become healthy; log:" >&2; tail -n 30 "$TMP/etcd.log" >&2; exit 1; }
ETCD_VERSION=$(etcd --version 2>/dev/null | head -n1 | sed 's/^etcd Version: //')

echo "== etcd $ETCD_VERSION"
"$BENCH" --target etcd --address "$ETCD_ADDR" "${COMMON[@]}" \
  --meta "storage=etcd $ETCD_VERSION, 1 node" --json-out "$TMP/etcd.json" || status=$?
stop_pid "$ETCD_PID"; ETCD_PID=""

if [ -f "$TMP/arca.json" ] && [ -f "$TMP/etcd.json" ]; then
  python3 scripts/bench_compare.py "$TMP/arca.json" "$TMP/etcd.json" "$OUT" \
    "machine=$MACHINE" "arca_rev=$REV" "build=dev" "etcd=$ETCD_VERSION"
  merge_auth
  echo "JSON report: $OUT"
fi
exit "$status"
