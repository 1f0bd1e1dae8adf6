#!/usr/bin/env bash
# `make test`: every Rust test of the workspace, then the hvac compatibility suite
# against a real server binary.
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
echo "== cluster tests (short set; make cluster-test runs all)" && ARCA_BIN="$CARGO_TARGET_DIR/debug/arca" bash scripts/cluster-test.sh

echo "== make test took $(( $(date +%s) - start ))s"
