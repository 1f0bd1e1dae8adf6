#!/usr/bin/env python3
"""Fails when a workspace crate depends on a crate of a higher layer.

The allowed internal dependencies of every crate are listed here; engines and auth methods
may use only the SDK (and crypto). A crate missing from the table is an error too, so new
crates must declare their place.
"""
import json
import subprocess
import sys

ALLOWED = {
    "arca-crypto": set(),
    "arca-sdk": set(),
    "arca-storage": set(),
    "arca-telemetry": set(),  # metric names + recorder; every layer emits through it
    "arca-policy": {"arca-sdk"},
    "arca-seal": {"arca-crypto"},
    "arca-barrier": {"arca-crypto", "arca-storage", "arca-sdk", "arca-telemetry"},
    "arca-raft": {"arca-storage", "arca-telemetry"},
    "arca-audit": {"arca-sdk", "arca-crypto"},  # audit devices; the core owns the table
    "arca-core": {
        "arca-sdk",
        "arca-storage",
        "arca-barrier",
        "arca-seal",
        "arca-crypto",
        "arca-policy",
        "arca-telemetry",
        "arca-audit",
    },
    # Pod labels through the Kubernetes API; fed a state watch by the server, so no core.
    "arca-service-registration": set(),
    "arca-http": {"arca-core", "arca-sdk", "arca-telemetry"},
    "arca-server": None,  # wires everything
    "arca-cli": None,
    "arca-bench": set(),  # HTTP only, so it can benchmark any Vault-compatible server
    "arca-jepsen": set(),  # black-box: HTTP only, like a client
}
ENGINE_PREFIXES = ("arca-engine-", "arca-auth-")
ENGINE_ALLOWED = {"arca-sdk", "arca-crypto"}


def main() -> int:
    meta = json.loads(
        subprocess.check_output(
            ["cargo", "metadata", "--no-deps", "--format-version", "1", "--offline"]
        )
    )
    members = {p["name"]: p for p in meta["packages"]}
    errors = []
    for name, pkg in sorted(members.items()):
        if name.startswith(ENGINE_PREFIXES):
            allowed = ENGINE_ALLOWED
        elif name in ALLOWED:
            allowed = ALLOWED[name]
        else:
            errors.append(f"{name}: not in scripts/deps_check.py; give it a layer")
            continue
        for dep in pkg["dependencies"]:
            if dep["kind"] == "dev" or dep["name"] not in members:
                continue
            if allowed is not None and dep["name"] not in allowed:
                errors.append(f"{name} must not depend on {dep['name']} (layer rule)")
    for e in errors:
        print("deps-check:", e, file=sys.stderr)
    if not errors:
        print(f"deps-check: {len(members)} crates respect the layer rules")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
