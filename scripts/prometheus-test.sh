#!/usr/bin/env bash
# The Prometheus cluster test (cluster-tests/test_prometheus.py): installs Debian's
# `prometheus` if it is missing (idempotent), then runs the test against the built arca
# binary ($ARCA_BIN, default $CARGO_TARGET_DIR/debug/arca).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-$HOME/.cache/arca/venv}"
ARCA_BIN="${ARCA_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/arca/target}/debug/arca}"
if ! command -v prometheus >/dev/null 2>&1; then
  echo "prometheus-test: installing prometheus (Debian)" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
ARCA_BIN="$ARCA_BIN" "$VENV/bin/python" -m pytest -q cluster-tests/test_prometheus.py "$@"
