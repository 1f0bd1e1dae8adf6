#!/usr/bin/env bash
# `make drill` / `make drill-short`: builds the image (scripts/image.sh; the base is made
# once, the rest takes seconds), then runs the failover drills on three containers
# (drills/drill.py; --short runs only the kill drill, as `make test` does). The image's
# own tests (drills/test_image.py) run in between.
# Results and the pods' logs go to ~/.cache/arca/drills/<time>/ unless --out is given.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-$HOME/.cache/arca/venv}"
IMAGE="${IMAGE:-arca}"
IMAGE="$IMAGE" bash scripts/image.sh
IMAGE="$IMAGE:dev" "$VENV/bin/python" -m pytest -q -p no:cacheprovider drills/test_image.py
"$VENV/bin/python" drills/drill.py --image "$IMAGE:dev" "$@"
