"""Fixtures that start a real `arca server` process for the hvac compatibility tests.

Each test module gets a fresh node with raft storage in a temporary directory, on a free
port of 127.0.0.1. The binary comes from $ARCA_BIN (scripts/test.sh sets it).
"""
import os
import socket
import subprocess
import tempfile
import time

import hvac
import pytest
import requests


_next_port = [20000 + (os.getpid() * 97) % 12700]


def free_port() -> int:
    """A port nothing listens on, below the kernel's ephemeral range (32768-60999): a
    port from bind(0) is ephemeral, and an outgoing connection of any process may take
    it before the server binds it. Each process walks its own stretch of 20000-32699."""
    for _ in range(12700):
        port = 20000 + (_next_port[0] - 20000) % 12700
        _next_port[0] += 1
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 20000-32699")


class Node:
    """One `arca server` process and its addresses."""

    def __init__(self, tmp: str, max_request_size: int = 33554432):
        self.tmp = tmp
        self.port = free_port()
        self.cluster_port = free_port()
        self.addr = f"http://127.0.0.1:{self.port}"
        self.data = os.path.join(tmp, "data")
        self.log_path = os.path.join(tmp, "server.log")
        os.makedirs(self.data, exist_ok=True)
        self.config = os.path.join(tmp, "config.hcl")
        with open(self.config, "w") as f:
            f.write(
                f"""
api_addr = "{self.addr}"
cluster_addr = "http://127.0.0.1:{self.cluster_port}"
disable_mlock = true
storage "raft" {{
  path = "{self.data}"
  node_id = "compat-node"
}}
listener "tcp" {{
  address = "127.0.0.1:{self.port}"
  cluster_address = "127.0.0.1:{self.cluster_port}"
  tls_disable = true
  max_request_size = {max_request_size}
}}
"""
            )
        self.proc = None

    def start(self):
        binary = os.environ.get("ARCA_BIN", "arca")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [binary, "server", f"-config={self.config}"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"arca exited early; log: {self.read_log()[-2000:]}")
            try:
                requests.get(f"{self.addr}/v1/sys/health", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("arca did not start listening within 30s")

    def stop(self, kill=False):
        if self.proc and self.proc.poll() is None:
            if kill:
                self.proc.kill()
            else:
                self.proc.terminate()
            self.proc.wait(timeout=30)
        self.proc = None

    def read_log(self) -> str:
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def client(self, token=None) -> hvac.Client:
        return hvac.Client(url=self.addr, token=token)


@pytest.fixture(scope="module")
def node():
    with tempfile.TemporaryDirectory(prefix="arca-compat-") as tmp:
        n = Node(tmp)
        n.start()
        yield n
        n.stop()


@pytest.fixture(scope="module")
def unsealed(node):
    """An initialised (5/3) and unsealed node, with kv-v2 enabled at secret/."""
    client = node.client()
    result = client.sys.initialize(secret_shares=5, secret_threshold=3)
    client.sys.submit_unseal_keys(result["keys"][:3])
    client.token = result["root_token"]
    client.sys.enable_secrets_engine("kv", path="secret", options={"version": "2"})
    node.root_token = result["root_token"]
    node.keys = result["keys"]
    return client
