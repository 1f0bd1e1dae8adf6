#!/usr/bin/env bash
# `make test`: every Rust test of the workspace, then the hvac compatibility suite
# against a real server binary, the chart tests, and the short failover drill on containers.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-$HOME/.cache/arca/venv}"
start=$(date +%s)

echo "== cargo fmt --check, cargo clippy -D warnings"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

echo "== cargo test --workspace"
cargo test --workspace

echo "== hvac compatibility tests"
ARCA_BIN="$CARGO_TARGET_DIR/debug/arca" "$VENV/bin/python" -m pytest -q tests/compat
echo "== helm chart tests" && ARCA_BIN="$CARGO_TARGET_DIR/debug/arca" "$VENV/bin/python" -m pytest -q tests/chart
echo "== prometheus cluster test" && ARCA_BIN="$CARGO_TARGET_DIR/debug/arca" bash scripts/prometheus-test.sh
echo "== seed walk-through through \`vault\`" && bash scripts/seed-e2e.sh "$CARGO_TARGET_DIR/debug/arca"
echo "== container image and failover drill (kill the active pod)" && ARCA_BIN="$CARGO_TARGET_DIR/debug/arca" bash scripts/drill.sh --short

echo "== jepsen short run (partition, membership, chaos x 20 s)" && bash scripts/jepsen.sh --short
echo "== cluster tests (short set; make cluster-test runs all)" && ARCA_BIN="$CARGO_TARGET_DIR/debug/arca" bash scripts/cluster-test.sh

echo "== make test took $(( $(date +%s) - start ))s"
