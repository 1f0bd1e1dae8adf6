#!/usr/bin/env bash
# `make jepsen`: the Jepsen-style suite (jepsen/) against local 5-node clusters, one
# network namespace per node (needs root, `ip` and `nft`; installs Debian's `faketime`
# for the clock nemesis if missing). Results go to jepsen/results/<UTC time>/, and
# jepsen/results/latest points at them (summary.json, index.html, one folder per run).
#
#   JEPSEN_NEMESES   comma list of partition,kill,pause,membership,clock,disk,chaos,none
#                    (default: all but none)
#   JEPSEN_RUNS      runs per nemesis (default 5)
#   JEPSEN_SECONDS   seconds of operations per run (default 60)
#   JEPSEN_WORKLOADS comma list of register,set,token, used in turn (default all three)
#   JEPSEN_NODES     nodes per cluster (default 5)
#
# `scripts/jepsen.sh --short` is the CI variant `make test` runs: three nemeses x 20 s.
# Exit status: 0 pass, 1 violation, 3 undecided, 4 harness failure (never 0 unless every
# run passed).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${CARGO_TARGET_DIR:-$HOME/.cache/arca/target}/debug"

if [ "${1:-}" = "--short" ]; then
  : "${JEPSEN_NEMESES:=partition,membership,chaos}"
  : "${JEPSEN_RUNS:=1}"
  : "${JEPSEN_SECONDS:=20}"
  : "${JEPSEN_FAULT_SECONDS:=3}"
  : "${JEPSEN_HEAL_SECONDS:=3}"
  : "${JEPSEN_WORKLOADS:=register}"
fi

for tool in ip nft; do
  command -v "$tool" >/dev/null || { echo "jepsen: '$tool' is missing (iproute2, nftables)" >&2; exit 4; }
done
[ "$(id -u)" = 0 ] || { echo "jepsen: network namespaces need root" >&2; exit 4; }
if ! ls /usr/lib/*/faketime/libfaketime.so.1 >/dev/null 2>&1; then
  echo "jepsen: installing faketime (Debian) for the clock nemesis" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends faketime >/dev/null
fi
for b in arca arca-jepsen; do
  [ -x "$BIN/$b" ] || { echo "jepsen: $BIN/$b is missing: run 'cargo test --workspace --no-run'" >&2; exit 4; }
done

stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="jepsen/results/$stamp"
mkdir -p "$out"
ln -sfn "$stamp" jepsen/results/latest
args=(
  suite --arca-bin "$BIN/arca" --out "$out"
  --nodes "${JEPSEN_NODES:-5}"
  --nemeses "${JEPSEN_NEMESES:-partition,kill,pause,membership,clock,disk,chaos}"
  --workloads "${JEPSEN_WORKLOADS:-register,set,token}"
  --runs "${JEPSEN_RUNS:-5}"
  --seconds "${JEPSEN_SECONDS:-60}"
  --fault-seconds "${JEPSEN_FAULT_SECONDS:-5}"
  --heal-seconds "${JEPSEN_HEAL_SECONDS:-4}"
)
status=0
"$BIN/arca-jepsen" "${args[@]}" || status=$?
echo "jepsen: reports in $out (jepsen/results/latest), summary $out/summary.json"
exit "$status"
