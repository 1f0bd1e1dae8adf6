"""The config and probes the chart renders work with the real server binary: the rendered
HCL is accepted, the liveness path answers a sealed node with 204, and the readiness
command fails until the node is unsealed.

Only the listen addresses (ports on 127.0.0.1 instead of [::]:8200/8201) and the values
Kubernetes would inject (pod name, pod IP, data path) are substituted.
Needs the `arca` binary: ARCA_BIN, else $CARGO_TARGET_DIR/debug/arca; skipped without it.
"""

import os
import pathlib
import socket
import subprocess
import time

import pytest
import requests

from .chartlib import HA, config_text, container, render

DEADLINE_S = 30


def arca_bin():
    target = os.environ.get("CARGO_TARGET_DIR", str(pathlib.Path.home() / ".cache/arca/target"))
    path = os.environ.get("ARCA_BIN") or os.path.join(target, "debug", "arca")
    if not os.access(path, os.X_OK):
        pytest.skip(f"no arca binary at {path} (build with `cargo test --workspace --no-run`)")
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One `arca server` on the chart's rendered config, as the pod `pod` would run it."""

    def __init__(self, objs, tmp_path, pod="vault-0"):
        self.bin = arca_bin()
        self.api, cluster = free_port(), free_port()
        text = config_text(objs)
        assert '"[::]:8200"' in text and '"[::]:8201"' in text
        text = text.replace("[::]:8200", f"127.0.0.1:{self.api}").replace("[::]:8201", f"127.0.0.1:{cluster}")
        cfg = tmp_path / "extraconfig-from-values.hcl"
        cfg.write_text(text)
        self.c = container(objs)
        env = {e["name"]: e["value"] for e in self.c["env"] if "value" in e}
        self.addr = f"http://127.0.0.1:{self.api}"
        # What the kubelet would expand: $(HOSTNAME) -> 127.0.0.1 (our "pod DNS name").
        cluster_addr = env["VAULT_CLUSTER_ADDR"].replace("$(HOSTNAME).vault-internal", "127.0.0.1")
        cluster_addr = cluster_addr.replace(":8201", f":{cluster}")
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            "VAULT_ADDR": self.addr,
            "VAULT_API_ADDR": self.addr,
            "VAULT_CLUSTER_ADDR": cluster_addr,
            "VAULT_RAFT_NODE_ID": pod,
            "VAULT_RAFT_PATH": str(tmp_path / "data"),
            "VAULT_K8S_POD_NAME": pod,
            "VAULT_K8S_NAMESPACE": "default",
        }
        args = [a for a in self.c["args"] if a != "vault"]
        args = [f"-config={cfg}" if a.startswith("-config=") else a for a in args]
        self.log = open(tmp_path / "server.log", "w+")
        self.proc = subprocess.Popen([self.bin, *args], env=self.env, stdout=self.log, stderr=subprocess.STDOUT)

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def wait_answering(self):
        """Waits until the API answers; returns False if the process exited instead."""
        end = time.monotonic() + DEADLINE_S
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                return False
            try:
                requests.get(f"{self.addr}/v1/sys/seal-status", timeout=2)
                return True
            except requests.ConnectionError:
                time.sleep(0.2)
        pytest.fail(f"server did not answer within {DEADLINE_S}s:\n{self.output()}")

    def readiness_exit_code(self):
        cmd = self.c["readinessProbe"]["exec"]["command"]
        assert cmd[0] == "vault"
        return subprocess.run([self.bin, *cmd[1:]], env=self.env, capture_output=True, timeout=30).returncode

    def liveness_status(self):
        get = self.c["livenessProbe"]["httpGet"]
        assert get["port"] == 8200 and get["scheme"] == "HTTP"
        return requests.get(f"{self.addr}{get['path']}", timeout=5).status_code

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def test_standalone_config_boots_and_probes_follow_seal_state(tmp_path):
    server = Server(render(), tmp_path)
    try:
        assert server.wait_answering(), server.output()
        # Uninitialised and sealed: alive (204), not ready (`vault status` exits 2).
        assert server.liveness_status() == 204
        assert server.readiness_exit_code() == 2

        init = requests.put(
            f"{server.addr}/v1/sys/init", json={"secret_shares": 1, "secret_threshold": 1}, timeout=30
        )
        assert init.status_code == 200, init.text
        assert server.liveness_status() == 204  # initialised, still sealed
        assert server.readiness_exit_code() == 2

        key = init.json()["keys"][0]
        unseal = requests.put(f"{server.addr}/v1/sys/unseal", json={"key": key}, timeout=30)
        assert unseal.json()["sealed"] is False
        # Unsealed and active: ready, and liveness gets the normal 200.
        end = time.monotonic() + DEADLINE_S
        while server.readiness_exit_code() != 0 and time.monotonic() < end:
            time.sleep(0.2)
        assert server.readiness_exit_code() == 0
        assert server.liveness_status() == 200
    finally:
        server.stop()


def test_ha_config_is_accepted_by_the_server(tmp_path):
    server = Server(render(*HA), tmp_path)
    try:
        if not server.wait_answering():
            out = server.output()
            if "retry_join is not supported yet" in out:
                pytest.skip("the server does not run retry_join yet (HA work in progress); the config parsed and validated")
            pytest.fail(f"server exited on the chart's HA config:\n{out}")
        status = requests.get(f"{server.addr}/v1/sys/seal-status", timeout=5).json()
        assert status["storage_type"] == "raft"
        assert server.liveness_status() == 204
    finally:
        server.stop()
