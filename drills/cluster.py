"""A StatefulSet-like Arca cluster on Docker, made from what the Helm chart renders.

`helm template` (HA mode) gives the server config (the ConfigMap), the container's
arguments, environment, security context and mounts (the StatefulSet). Each "pod" here is
one container of the `arca` image run with exactly those, on a private Docker network
where `vault-N.vault-internal` resolves to pod N (what the headless service gives in
Kubernetes). What the kubelet would fill in is filled in the same way: `$(POD_IP)` is the
container's address on that network, `$(HOSTNAME)` and the fieldRefs are the pod name.
Volumes: `data` is a named Docker volume per pod (the PVC), `config` a read-only bind
mount of the rendered file (the ConfigMap), `home` a tmpfs (the emptyDir).
"""

import ipaddress
import json
import os
import pathlib
import random
import re
import shutil
import subprocess
import time

import requests
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHART = ROOT / "charts" / "arca"
HA_SETTINGS = ("server.ha.enabled=true", "server.ha.raft.enabled=true")


class DrillError(Exception):
    """A step of the drill did not reach the state it waits for."""


def docker(*args, check=True, timeout=120):
    """Runs `docker ARGS`; returns stdout. Raises DrillError with docker's words on failure."""
    proc = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise DrillError(f"docker {' '.join(args)}: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout.strip()


def helm_binary():
    for c in (os.environ.get("HELM_BIN"), str(pathlib.Path.home() / ".cache/arca/bin/helm"), shutil.which("helm")):
        if c and os.access(c, os.X_OK):
            return c
    raise DrillError("helm not found: run scripts/helm-install.sh (or set HELM_BIN)")


def render_chart(release="vault", replicas=3):
    """The HA objects `helm template` renders: (config HCL, StatefulSet)."""
    args = [helm_binary(), "template", release, str(CHART), "--namespace", "default"]
    for s in HA_SETTINGS + (f"server.ha.replicas={replicas}",):
        args += ["--set", s]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise DrillError(f"helm template failed: {proc.stderr}")
    objects = [o for o in yaml.safe_load_all(proc.stdout) if o]
    config = next(o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"].endswith("-config"))
    sts = next(o for o in objects if o["kind"] == "StatefulSet")
    return config["data"]["extraconfig-from-values.hcl"], sts


def expand(value, env):
    """Kubernetes' $(VAR) expansion of an env value from the variables defined before it."""
    return re.sub(r"\$\((\w+)\)", lambda m: env.get(m.group(1), m.group(0)), value)


class Pod:
    """One StatefulSet pod: a container with a fixed name, volume and (changeable) address."""

    def __init__(self, cluster, ordinal):
        self.cluster = cluster
        self.ordinal = ordinal
        self.name = f"{cluster.fullname}-{ordinal}"  # pod name = hostname = raft node_id
        self.container = f"{cluster.prefix}-{self.name}"
        self.volume = f"{cluster.prefix}-data-{self.name}"
        self.ip = None

    @property
    def addr(self):
        return f"http://{self.ip}:8200"

    def env(self):
        """The StatefulSet's env, as the kubelet would resolve it for this pod."""
        field_values = {
            "status.podIP": self.ip,
            "status.hostIP": self.cluster.gateway,
            "metadata.name": self.name,
            "metadata.namespace": "default",
        }
        resolved = {}
        for e in self.cluster.spec["env"]:
            if "value" in e:
                resolved[e["name"]] = expand(e["value"], resolved)
            else:
                resolved[e["name"]] = field_values[e["valueFrom"]["fieldRef"]["fieldPath"]]
        return resolved

    def run(self, ip=None):
        """Creates and starts the container (a new pod on the same PVC)."""
        self.ip = ip or self.cluster.next_ip()
        spec, pod_sc = self.cluster.spec, self.cluster.pod_security
        args = ["run", "-d", "--name", self.container, "--hostname", self.name,
                "--network", self.cluster.network, "--ip", self.ip,
                "--network-alias", f"{self.name}.{self.cluster.fullname}-internal",
                "--user", f"{pod_sc['runAsUser']}:{pod_sc['runAsGroup']}",
                "--group-add", str(pod_sc["fsGroup"]),
                "--label", f"arca-drill={self.cluster.prefix}",
                # The chart listens on [::]:8200 (dual stack), as pods can; Docker turns IPv6
                # off in containers on IPv4 networks unless told otherwise.
                "--sysctl", "net.ipv6.conf.all.disable_ipv6=0"]
        sc = spec.get("securityContext", {})
        if sc.get("allowPrivilegeEscalation") is False:
            args += ["--security-opt", "no-new-privileges"]
        for cap in sc.get("capabilities", {}).get("drop", []):
            args += ["--cap-drop", cap]
        for name, value in self.env().items():
            args += ["-e", f"{name}={value}"]
        for m in spec["volumeMounts"]:
            if m["name"] == "data":
                args += ["-v", f"{self.volume}:{m['mountPath']}"]
            elif m["name"] == "config":
                args += ["-v", f"{self.cluster.config_dir}:{m['mountPath']}:ro"]
            else:  # emptyDir
                args += ["--tmpfs", f"{m['mountPath']}:uid={pod_sc['runAsUser']},gid={pod_sc['fsGroup']},mode=0770"]
        args += [self.cluster.image, *spec["args"]]
        docker(*args)

    def delete(self, grace_s=10):
        """`kubectl delete pod`: SIGTERM, then SIGKILL after the grace period; the PVC stays.
        The container's logs are kept (see save_logs)."""
        docker("stop", "-t", str(grace_s), self.container, check=False, timeout=grace_s + 30)
        self.cluster.old_logs.append((self.name, self.logs()))
        docker("rm", "-f", self.container, check=False)

    def request(self, method, path, timeout=3, token=None, **kw):
        headers = {"X-Vault-Token": token} if token else {}
        return requests.request(method, f"{self.addr}/v1/{path}", headers=headers, timeout=timeout,
                                allow_redirects=False, **kw)

    def health(self):
        """sys/health's status code (200 active, 429 standby, 503 sealed, 501 uninitialised), or None."""
        try:
            return self.request("GET", "sys/health", timeout=1).status_code
        except requests.RequestException:
            return None

    def leader(self):
        return self.request("GET", "sys/leader", timeout=2).json()

    def unseal(self, keys):
        for key in keys:
            r = self.request("PUT", "sys/unseal", json={"key": key}, timeout=30)
            if r.status_code != 200:
                raise DrillError(f"{self.name}: unseal answered {r.status_code}: {r.text}")
            if not r.json()["sealed"]:
                return
        raise DrillError(f"{self.name}: still sealed after {len(keys)} keys")

    def ready(self):
        """The chart's readiness probe (`vault status ...`) run in the container: exit code 0?"""
        cmd = self.cluster.spec["readinessProbe"]["exec"]["command"]
        proc = subprocess.run(["docker", "exec", self.container, *cmd], capture_output=True, timeout=30)
        return proc.returncode == 0

    def logs(self):
        """The container's output (the server logs to stderr), or why there is none."""
        proc = subprocess.run(["docker", "logs", "-t", self.container], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=60)
        return proc.stdout


class Cluster:
    """Network, config and pods; removes all of it on close()."""

    def __init__(self, image, workdir, replicas=3, release="vault"):
        self.image = image
        self.workdir = pathlib.Path(workdir)
        self.prefix = f"arca-drill-{os.getpid()}-{random.randrange(1 << 16):04x}"
        self.network = self.prefix
        self.old_logs = []  # (pod name, logs) of deleted containers
        self.config_hcl, sts = render_chart(release, replicas)
        self.fullname = sts["metadata"]["name"]
        self.spec = sts["spec"]["template"]["spec"]["containers"][0]
        self.pod_security = sts["spec"]["template"]["spec"]["securityContext"]
        self.config_dir = self.workdir / "config"
        self.config_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.config_dir, 0o755)
        config_mount = next(m for m in self.spec["volumeMounts"] if m["name"] == "config")["mountPath"]
        config_arg = next(a for a in self.spec["args"] if a.startswith("-config="))
        cfg_file = self.config_dir / pathlib.Path(config_arg.split("=", 1)[1]).relative_to(config_mount)
        cfg_file.write_text(self.config_hcl + "\n")
        os.chmod(cfg_file, 0o644)
        self._make_network()
        self.pods = [Pod(self, i) for i in range(replicas)]

    def _make_network(self):
        """A bridge network with a subnet of its own, so pods can be given addresses."""
        for _ in range(30):
            subnet = ipaddress.ip_network(f"172.{random.randrange(20, 31)}.{random.randrange(256)}.0/24")
            proc = subprocess.run(["docker", "network", "create", "--subnet", str(subnet), self.network],
                                  capture_output=True, text=True, timeout=60)
            if proc.returncode == 0:
                hosts = list(subnet.hosts())
                self.gateway = str(hosts[0])
                self._free_ips = [str(h) for h in hosts[10:200]]
                return
        raise DrillError(f"could not create a docker network: {proc.stderr.strip()}")

    def next_ip(self):
        return self._free_ips.pop(0)

    def start(self):
        for p in self.pods:
            p.run()

    def active(self, among=None):
        """The pod whose health says active (200), or None."""
        for p in among or self.pods:
            if p.health() == 200:
                return p
        return None

    def wait(self, what, predicate, timeout_s, interval_s=0.1):
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            value = predicate()
            if value:
                return value
            time.sleep(interval_s)
        raise DrillError(f"timed out after {timeout_s}s waiting for {what}")

    def save_logs(self, into):
        """Every pod's logs, deleted containers' included: NAME.log, NAME.deleted-K.log."""
        into = pathlib.Path(into)
        into.mkdir(parents=True, exist_ok=True)
        for k, (name, text) in enumerate(self.old_logs):
            (into / f"{name}.deleted-{k}.log").write_text(text)
        for p in self.pods:
            (into / f"{p.name}.log").write_text(p.logs())

    def close(self):
        names = docker("ps", "-aq", "--filter", f"label=arca-drill={self.prefix}", check=False).split()
        if names:
            docker("rm", "-f", *names, check=False)
        docker("network", "rm", self.network, check=False)
        for p in self.pods:
            docker("volume", "rm", "-f", p.volume, check=False)


def describe(obj):
    return json.dumps(obj, indent=1, sort_keys=True)
