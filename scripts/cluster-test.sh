#!/usr/bin/env bash
# Cluster tests on real `arca server` processes (cluster-tests/, pytest).
#   scripts/cluster-test.sh          the short set (make test): paused leader, health 474,
#                                    service registration labels (fake Kubernetes API),
#                                    seal migration Shamir <-> transit on 3 nodes
#   scripts/cluster-test.sh --full   everything (make cluster-test): also the partition in
#                                    network namespaces (root), the rolling restart, and the
#                                    failover timing over 20 leader kills
#                                    (written to $FAILOVER_OUT, default failover-timing.json)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-$HOME/.cache/arca/venv}"
export ARCA_BIN="${ARCA_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/arca/target}/debug/arca}"
tests=(cluster-tests/test_pause.py cluster-tests/test_faults.py
  cluster-tests/test_service_registration.py cluster-tests/test_seal_migration.py
  cluster-tests/test_standby_reads.py)
if [ "${1:-}" = "--full" ]; then
  ARCA_CLUSTER_FULL=1 "$VENV/bin/python" -m pytest -q "${tests[@]}"
  "$VENV/bin/python" scripts/failover-timing.py --kills "${FAILOVER_KILLS:-20}" \
    --out "${FAILOVER_OUT:-failover-timing.json}"
else
  "$VENV/bin/python" -m pytest -q "${tests[@]}"
fi
