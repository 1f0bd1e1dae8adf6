"""A real Prometheus server scrapes a real 3-node Arca cluster.

Three `arca server` processes form a raft cluster on 127.0.0.1 (node1 initialised,
node2 and node3 joining by retry_join, all unsealed); each listener serves
/v1/sys/metrics without a token (`unauthenticated_metrics_access`). Debian's
`prometheus` (on $PATH; scripts/prometheus-test.sh installs it) scrapes the three every
second with `format=prometheus`. Through Prometheus' HTTP API the test checks that
exactly one node is active and all three are unsealed, then kills the active node
(SIGKILL) and waits until another node reports itself active.

Every wait is a bounded poll, never an assertion about speed. $ARCA_BIN is the binary.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

WAIT = 60  # seconds: upper bound of every poll


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, timeout=5, token=None):
    """(status, parsed JSON or text); (None, error) when nothing answers."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("X-Vault-Token", token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read().decode()
            status = r.status
    except urllib.error.HTTPError as e:
        raw, status = e.read().decode(), e.code
    except (urllib.error.URLError, OSError) as e:
        return None, str(e)
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw


def poll(what, check):
    """Calls check() until it returns a truthy value; fails after WAIT seconds."""
    deadline = time.time() + WAIT
    last = None
    while time.time() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.25)
    pytest.fail(f"timed out after {WAIT}s waiting for {what} (last: {last!r})")


class Node:
    def __init__(self, root, name, join=None):
        self.name = name
        self.dir = os.path.join(root, name)
        os.makedirs(os.path.join(self.dir, "data"))
        self.port, self.cluster = free_port(), free_port()
        self.addr = f"http://127.0.0.1:{self.port}"
        retry = f'retry_join {{\n    leader_api_addr = "{join.addr}"\n  }}' if join else ""
        self.config = os.path.join(self.dir, "config.hcl")
        with open(self.config, "w") as f:
            f.write(
                f"""disable_mlock = true
api_addr = "{self.addr}"
cluster_addr = "http://127.0.0.1:{self.cluster}"
storage "raft" {{
  path = "{os.path.join(self.dir, 'data')}"
  node_id = "{name}"
  {retry}
}}
listener "tcp" {{
  address = "127.0.0.1:{self.port}"
  cluster_address = "127.0.0.1:{self.cluster}"
  tls_disable = true
  telemetry {{
    unauthenticated_metrics_access = true
  }}
}}
telemetry {{
  disable_hostname = true
  prometheus_retention_time = "1h"
}}
"""
            )
        self.proc = None

    def start(self):
        log = open(os.path.join(self.dir, "server.log"), "ab")
        self.proc = subprocess.Popen(
            [os.environ.get("ARCA_BIN", "arca"), "server", f"-config={self.config}"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def log_tail(self, n=30):
        try:
            with open(os.path.join(self.dir, "server.log"), errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


class Prometheus:
    def __init__(self, root, nodes):
        self.dir = os.path.join(root, "prometheus")
        os.makedirs(os.path.join(self.dir, "data"))
        self.port = free_port()
        self.addr = f"http://127.0.0.1:{self.port}"
        targets = ", ".join(f'"127.0.0.1:{n.port}"' for n in nodes)
        self.config = os.path.join(self.dir, "prometheus.yml")
        with open(self.config, "w") as f:
            f.write(
                f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: arca
    metrics_path: /v1/sys/metrics
    params:
      format: [prometheus]
    static_configs:
      - targets: [{targets}]
"""
            )
        self.proc = None

    def start(self):
        binary = shutil.which("prometheus")
        if binary is None:
            pytest.fail("prometheus is not installed (scripts/prometheus-test.sh installs it)")
        log = open(os.path.join(self.dir, "prometheus.log"), "ab")
        self.proc = subprocess.Popen(
            [
                binary,
                f"--config.file={self.config}",
                f"--storage.tsdb.path={os.path.join(self.dir, 'data')}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--storage.tsdb.retention.time=1h",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        poll("prometheus to be ready", lambda: http("GET", f"{self.addr}/-/ready")[0] == 200)

    def query(self, promql):
        """The instant vector of `promql` as [(labels, value)], or None on error."""
        url = f"{self.addr}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        status, body = http("GET", url)
        if status != 200 or not isinstance(body, dict) or body.get("status") != "success":
            return None
        return [(r["metric"], float(r["value"][1])) for r in body["data"]["result"]]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture
def cluster(request):
    root = tempfile.mkdtemp(prefix="arca-prom-")
    node1 = Node(root, "node1")
    nodes = [node1, Node(root, "node2", join=node1), Node(root, "node3", join=node1)]
    prom = Prometheus(root, nodes)
    try:
        for n in nodes:
            n.start()
        for n in nodes:
            poll(f"{n.name} to listen", lambda n=n: http("GET", f"{n.addr}/v1/sys/health")[0])
        status, init = http(
            "PUT", f"{node1.addr}/v1/sys/init", {"secret_shares": 1, "secret_threshold": 1}
        )
        assert status == 200, init
        key = init["keys_base64"][0]
        for n in nodes:
            poll(
                f"{n.name} to know the cluster",
                lambda n=n: (http("GET", f"{n.addr}/v1/sys/seal-status")[1] or {}).get("initialized"),
            )
            status, body = http("PUT", f"{n.addr}/v1/sys/unseal", {"key": key})
            assert status == 200, body
            poll(
                f"{n.name} to unseal",
                lambda n=n: (http("GET", f"{n.addr}/v1/sys/seal-status")[1] or {}).get("sealed")
                is False,
            )
        # Joined nodes start as non-voters and are promoted once stable (autopilot): a
        # fail-over needs all three voting.
        root = init["root_token"]

        def all_voters():
            status, body = http(
                "GET", f"{node1.addr}/v1/sys/storage/raft/configuration", token=root
            )
            if status != 200:
                return False
            servers = body["data"]["config"]["servers"]
            return len(servers) == 3 and all(s["voter"] for s in servers)

        poll("all three nodes to be raft voters", all_voters)
        prom.start()
        yield nodes, prom
        if getattr(request.node, "failed", False):
            for n in nodes:
                print(f"---- {n.name} ----\n{n.log_tail()}")
    except BaseException:
        for n in nodes:
            print(f"---- {n.name} ----\n{n.log_tail()}")
        raise
    finally:
        prom.stop()
        for n in nodes:
            n.kill()
        shutil.rmtree(root, ignore_errors=True)


def instance_of(node):
    return f"127.0.0.1:{node.port}"


def test_prometheus_sees_one_active_node_and_fail_over(cluster):
    nodes, prom = cluster
    instances = {instance_of(n) for n in nodes}

    def all_unsealed():
        r = prom.query("vault_core_unsealed == 1")
        return r is not None and {m["instance"] for m, _ in r} == instances

    poll("vault_core_unsealed == 1 on all three nodes", all_unsealed)
    # Every node is scraped without a token, standbys included.
    up = prom.query("up")
    assert up is not None and {m["instance"]: v for m, v in up} == {i: 1.0 for i in instances}

    def one_active():
        total = prom.query("sum(vault_core_active)")
        active = prom.query("vault_core_active == 1")
        if total == [({}, 1.0)] and active and len(active) == 1:
            return active[0][0]["instance"]
        return None

    leader_instance = poll("sum(vault_core_active) == 1", one_active)
    # The other series Vault dashboards use are there too.
    for name in ("vault_raft_peers", "vault_raft_storage_stats_applied_index", "process_resident_memory_bytes"):
        r = prom.query(name)
        assert r and len(r) == 3, (name, r)
    assert all(v == 3.0 for _, v in prom.query("vault_raft_peers"))

    leader = next(n for n in nodes if instance_of(n) == leader_instance)
    leader.kill()

    def moved():
        new = one_active()
        return new if new and new != leader_instance else None

    new_instance = poll("vault_core_active to move to another node", moved)
    assert new_instance in instances - {leader_instance}
    # The dead node is down for Prometheus; the two others stay unsealed.
    survivors = instances - {leader_instance}

    def survivors_unsealed():
        r = prom.query("vault_core_unsealed == 1")
        return r is not None and {m["instance"] for m, _ in r} == survivors

    poll("the two survivors to report unsealed", survivors_unsealed)
