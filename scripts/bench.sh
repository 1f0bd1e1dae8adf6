#!/usr/bin/env bash
# `make bench`: a 3-node Arca cluster against a 3-node etcd cluster on this machine, one
# after the other, both on loopback and both syncing to disk; then a single Arca node
# (kv-v2, transit encrypt, AppRole logins). The work is done by scripts/bench_cluster.py
# (its docstring and docs/BENCHMARKS.md say what each phase measures); results go to
# bench/results/latest.json (git-ignored) and one table is printed.
#
# Usage: bench.sh PATH_TO_ARCA   (arca-bench is taken from the same directory, or $ARCA_BENCH)
# Knobs (environment): BENCH_SECONDS (10 per phase), BENCH_CLIENTS (64), BENCH_VALUE_SIZE
# (256), BENCH_KEYS (1000), BENCH_OUT (bench/results/latest.json).
set -euo pipefail
cd "$(dirname "$0")/.."
ARCA="${1:?usage: bench.sh PATH_TO_ARCA}"
BENCH="${ARCA_BENCH:-$(dirname "$ARCA")/arca-bench}"
[ -x "$ARCA" ] || { echo "bench: $ARCA not found; run make bench (it builds it)" >&2; exit 1; }
[ -x "$BENCH" ] || { echo "bench: $BENCH not found; run make bench (it builds it)" >&2; exit 1; }
exec python3 scripts/bench_cluster.py "$ARCA" "$BENCH" --out "${BENCH_OUT:-bench/results/latest.json}"
