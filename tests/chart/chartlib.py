"""Helpers for the chart tests: run the real `helm` (v4, installed by
scripts/helm-install.sh) on charts/arca and parse what it renders.

The tests are in the manner of vault-helm's unit tests: render with `--set ...`, then
assert on the objects. Nothing here needs a Kubernetes cluster.
"""

import functools
import json
import os
import pathlib
import shutil
import subprocess

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "arca"

# The settings a vault-helm user passes for a raft cluster.
HA = ("server.ha.enabled=true", "server.ha.raft.enabled=true")

# One set of settings per mode, for the checks that run on every mode.
MODES = {
    "standalone": (),
    "dev": ("server.dev.enabled=true",),
    "ha": HA,
    "ha-everything": HA
    + (
        "ui.enabled=true",
        "server.auditStorage.enabled=true",
        "serverTelemetry.serviceMonitor.enabled=true",
        "server.includeConfigAnnotation=true",
        "global.tlsDisable=false",
    ),
    "external": ("global.externalVaultAddr=https://vault.example.com:8200",),
}


def helm_binary():
    """HELM_BIN, else the pinned copy in ~/.cache/arca/bin, else helm on PATH."""
    candidates = [
        os.environ.get("HELM_BIN"),
        str(pathlib.Path.home() / ".cache" / "arca" / "bin" / "helm"),
        shutil.which("helm"),
    ]
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    return None


HELM = helm_binary()


def _args(sets, values, release, namespace):
    args = [HELM, "template", release, str(CHART), "--namespace", namespace]
    for s in sets:
        args += ["--set", s]
    if values is not None:
        # --set-json keeps types exactly (a string stays a string, null stays null).
        for key, value in values.items():
            args += ["--set-json", f"{key}={json.dumps(value)}"]
    return args


@functools.lru_cache(maxsize=None)
def _render_cached(sets, values_json, release, namespace):
    values = json.loads(values_json) if values_json is not None else None
    proc = subprocess.run(
        _args(sets, values, release, namespace),
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.returncode, proc.stdout, proc.stderr


def run_template(*sets, values=None, release="vault", namespace="default"):
    """(exit code, stdout, stderr) of `helm template`."""
    values_json = json.dumps(values, sort_keys=True) if values is not None else None
    return _render_cached(tuple(sets), values_json, release, namespace)


def render(*sets, values=None, release="vault", namespace="default"):
    """The rendered objects (dicts), in helm's order; fails the test if helm fails."""
    code, out, err = run_template(*sets, values=values, release=release, namespace=namespace)
    assert code == 0, f"helm template failed:\n{err}"
    return [d for d in yaml.safe_load_all(out) if d]


def render_error(*sets, values=None, release="vault"):
    """helm's error text for settings that must be refused."""
    code, _, err = run_template(*sets, values=values, release=release)
    assert code != 0, "helm template succeeded but should have failed"
    return err


def find(objects, kind, name=None):
    """The one object of `kind` (and `name`), or None."""
    hits = [
        o
        for o in objects
        if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)
    ]
    assert len(hits) <= 1, f"{len(hits)} objects of kind {kind} named {name}"
    return hits[0] if hits else None


def kinds_and_names(objects):
    return {(o["kind"], o["metadata"]["name"]) for o in objects}


def container(objects, name="vault"):
    sts = find(objects, "StatefulSet", name)
    assert sts is not None, "no StatefulSet rendered"
    return sts["spec"]["template"]["spec"]["containers"][0]


def env_of(c):
    """The container's env as {name: value or valueFrom}."""
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in c.get("env", [])}


def config_text(objects, name="vault-config"):
    cm = find(objects, "ConfigMap", name)
    assert cm is not None, "no config ConfigMap rendered"
    return cm["data"]["extraconfig-from-values.hcl"]


def helm(*args):
    """Runs helm with arguments; returns the CompletedProcess."""
    return subprocess.run([HELM, *args], capture_output=True, text=True, timeout=60)
