#!/usr/bin/env bash
# `make run`: start a local 3-node Arca cluster under .run/ on 127.0.0.1:
#   node1  API 8200  cluster 8201   (initialised here: 5 key shares, threshold 3)
#   node2  API 8210  cluster 8211   (joins node1 by retry_join)
#   node3  API 8220  cluster 8221   (joins node1 by retry_join)
# then unseal all three with the same keys, and print the address, the root token and
# the raft peers. The keys are written to .run/init.json with mode 0600.
# `scripts/run-local.sh --stop` stops the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_DIR="$PWD/.run"
NODES=(1 2 3)
api_port() { echo $((8200 + ($1 - 1) * 10)); }
addr() { echo "http://127.0.0.1:$(api_port "$1")"; }

stop() {
  for i in "${NODES[@]}"; do
    local pid_file="$RUN_DIR/node$i.pid"
    if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
      kill "$(cat "$pid_file")"; echo "stopped node$i"
    fi
    rm -f "$pid_file"
  done
}
if [ "${1:-}" = "--stop" ]; then stop; exit 0; fi

ARCA="${1:?usage: run-local.sh PATH_TO_ARCA}"

write_config() {
  local i=$1 port; port=$(api_port "$i")
  local join=""
  if [ "$i" != 1 ]; then
    join="retry_join {
    leader_api_addr = \"$(addr 1)\"
  }"
  fi
  mkdir -p "$RUN_DIR/node$i/data"
  cat > "$RUN_DIR/node$i/config.hcl" <<HCL
ui = true
disable_mlock = true
api_addr = "$(addr "$i")"
cluster_addr = "http://127.0.0.1:$((port + 1))"
storage "raft" {
  path    = "$RUN_DIR/node$i/data"
  node_id = "node$i"
  $join
}
listener "tcp" {
  address         = "127.0.0.1:$port"
  cluster_address = "127.0.0.1:$((port + 1))"
  tls_disable     = true
}
HCL
}

# Waits until `curl` of URL prints something matching REGEX (bounded); returns it.
wait_for() {
  local url=$1 regex=$2 what=$3 out=""
  for _ in $(seq 1 300); do
    out=$(curl -s -w ' %{http_code}' "$url" || true)
    if [[ "$out" =~ $regex ]]; then echo "$out"; return 0; fi
    sleep 0.2
  done
  echo "timed out waiting for $what ($url); last answer: $out" >&2
  return 1
}

stop
for i in "${NODES[@]}"; do
  write_config "$i"
  nohup "$ARCA" server -config="$RUN_DIR/node$i/config.hcl" >"$RUN_DIR/node$i/server.log" 2>&1 &
  echo $! > "$RUN_DIR/node$i.pid"
done
for i in "${NODES[@]}"; do
  wait_for "$(addr "$i")/v1/sys/health" ' [1-5][0-9]{2}$' "node$i to start" >/dev/null \
    || { echo "node$i did not start; see $RUN_DIR/node$i/server.log" >&2; exit 1; }
done

INIT="$RUN_DIR/init.json"
code=$(curl -s -o /dev/null -w '%{http_code}' "$(addr 1)/v1/sys/health" || true)
if [ "$code" = 501 ]; then
  umask 077
  curl -sf -X PUT -d '{"secret_shares":5,"secret_threshold":3}' "$(addr 1)/v1/sys/init" > "$INIT"
  chmod 600 "$INIT"
fi
[ -f "$INIT" ] || { echo "node1 is initialised but $INIT is missing: unseal the nodes by hand" >&2; exit 1; }
key() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['keys_base64'][int(sys.argv[2])])" "$INIT" "$1"; }

unseal() {
  local i=$1
  # A joining node reports itself initialised once it has the leader's challenge.
  wait_for "$(addr "$i")/v1/sys/seal-status" '"initialized":true' "node$i to reach the cluster" >/dev/null \
    || { echo "see $RUN_DIR/node$i/server.log" >&2; exit 1; }
  for k in 0 1 2; do
    curl -sf -X PUT -d "{\"key\":\"$(key "$k")\"}" "$(addr "$i")/v1/sys/unseal" >/dev/null
  done
  wait_for "$(addr "$i")/v1/sys/seal-status" '"sealed":false' "node$i to unseal" >/dev/null \
    || { echo "see $RUN_DIR/node$i/server.log" >&2; exit 1; }
}
for i in "${NODES[@]}"; do unseal "$i"; done

TOKEN=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['root_token'])" "$INIT")
cat <<MSG

Arca is running: 3 nodes, raft storage in $RUN_DIR/node{1,2,3}/data.

    node1  $(addr 1)   node2  $(addr 2)   node3  $(addr 3)

    export VAULT_ADDR='$(addr 1)'
    export VAULT_TOKEN='$TOKEN'

MSG
VAULT_ADDR="$(addr 1)" VAULT_TOKEN="$TOKEN" "$ARCA" operator raft list-peers
cat <<MSG

Unseal keys and root token: $INIT (mode 0600)
Logs: $RUN_DIR/node{1,2,3}/server.log      Stop: make stop
MSG
