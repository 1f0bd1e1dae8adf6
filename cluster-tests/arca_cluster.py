"""A 3-node Arca cluster of real `arca server` processes, for the cluster tests and the
failover timing script.

node1 is initialised (3 shares, threshold 2) and unsealed; node2 and node3 join it by
`retry_join` and are unsealed with the same keys; autopilot promotes them to voters. With
`netns=True` every node runs in its own network namespace on its own address (10.R.S.1-3),
wired by veth pairs to a bridge in a hub namespace; the test talks to them from the root
namespace's 10.R.S.254. A partition blackholes routes between nodes, so it cuts them off
one another while the test still reaches all of them.

Every wait is a bounded poll, never an assertion about speed. $ARCA_BIN is the binary.
"""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

WAIT = 60  # seconds: upper bound of every poll


class Timeout(AssertionError):
    pass


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


def http(method, url, body=None, timeout=5, token=None, headers=None):
    """(status, parsed JSON or text); (None, error) when nothing answers in time."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("X-Vault-Token", token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read().decode()
            status = r.status
    except urllib.error.HTTPError as e:
        raw, status = e.read().decode(), e.code
    except (urllib.error.URLError, OSError, ValueError) as e:
        return None, str(e)
    try:
        return status, json.loads(raw) if raw else {}
    except ValueError:
        return status, raw


def poll(what, check, wait=WAIT, every=0.1):
    """Calls check() until it returns a truthy value; raises Timeout after `wait` s."""
    deadline = time.time() + wait
    last = None
    while time.time() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise Timeout(f"timed out after {wait}s waiting for {what} (last: {last!r})")


def run(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class Netns:
    """One namespace per node, all on a bridge that lives in a hub namespace of its own
    (so the host's firewall, which may drop bridged traffic, is not involved), and a veth
    from the root namespace to that bridge for the test itself."""

    def __init__(self, count):
        tag = f"{os.getpid() % 10000}{random.randint(0, 99)}"
        self.hub = f"arcans{tag}-hub"
        self.uplink = f"arcav{tag}r"
        self.subnet = f"10.{random.randint(200, 250)}.{random.randint(0, 255)}"
        self.names = [f"arcans{tag}-{i}" for i in range(count)]
        self.made = []

    def ip(self, i):
        return f"{self.subnet}.{i + 1}"

    def up(self):
        hub = ["ip", "netns", "exec", self.hub]
        run("ip", "netns", "add", self.hub)
        self.made.append(("netns", self.hub))
        run(*hub, "ip", "link", "set", "lo", "up")
        run(*hub, "ip", "link", "add", "br0", "type", "bridge")
        run(*hub, "ip", "link", "set", "br0", "up")
        run("ip", "link", "add", self.uplink, "type", "veth", "peer", "name", "up0", "netns", self.hub)
        self.made.append(("link", self.uplink))
        run("ip", "addr", "add", f"{self.subnet}.254/24", "dev", self.uplink)
        run("ip", "link", "set", self.uplink, "up")
        run(*hub, "ip", "link", "set", "up0", "master", "br0")
        run(*hub, "ip", "link", "set", "up0", "up")
        for i, ns in enumerate(self.names):
            run("ip", "netns", "add", ns)
            self.made.append(("netns", ns))
            run(*hub, "ip", "link", "add", f"v{i}", "type", "veth", "peer", "name", "eth0", "netns", ns)
            run(*hub, "ip", "link", "set", f"v{i}", "master", "br0")
            run(*hub, "ip", "link", "set", f"v{i}", "up")
            run("ip", "netns", "exec", ns, "ip", "addr", "add", f"{self.ip(i)}/24", "dev", "eth0")
            run("ip", "netns", "exec", ns, "ip", "link", "set", "eth0", "up")
            run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")

    def cut(self, a, b):
        """Blackholes traffic between nodes a and b, both ways (the test still reaches both)."""
        run("ip", "netns", "exec", self.names[a], "ip", "route", "add", "blackhole", f"{self.ip(b)}/32")
        run("ip", "netns", "exec", self.names[b], "ip", "route", "add", "blackhole", f"{self.ip(a)}/32")

    def heal(self, a, b):
        for x, y in ((a, b), (b, a)):
            subprocess.run(
                ["ip", "netns", "exec", self.names[x], "ip", "route", "del", "blackhole", f"{self.ip(y)}/32"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

    def down(self):
        for kind, name in reversed(self.made):
            cmd = ["ip", "link", "del", name] if kind == "link" else ["ip", "netns", "del", name]
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.made = []


class Node:
    def __init__(self, root, name, host="127.0.0.1", netns=None, join=None):
        self.name = name
        self.dir = os.path.join(root, name)
        os.makedirs(os.path.join(self.dir, "data"))
        self.host, self.netns = host, netns
        if netns:
            self.port, self.cluster = 8200, 8201
        else:
            self.port, self.cluster = free_port(), free_port()
        self.addr = f"http://{host}:{self.port}"
        self.join = join
        self.proc = None
        self.config = os.path.join(self.dir, "config.hcl")
        # More HCL for the config file and more environment for the process (tests of
        # optional stanzas such as service_registration); set before write_config/start.
        self.extra_hcl = ""
        self.env = {}

    def write_config(self, leaders):
        retry = "".join(f'\n  retry_join {{\n    leader_api_addr = "{a}"\n  }}' for a in leaders)
        with open(self.config, "w") as f:
            f.write(
                f"""disable_mlock = true
api_addr = "{self.addr}"
cluster_addr = "https://{self.host}:{self.cluster}"
log_level = "info"
storage "raft" {{
  path = "{os.path.join(self.dir, 'data')}"
  node_id = "{self.name}"{retry}
}}
listener "tcp" {{
  address = "{self.host}:{self.port}"
  cluster_address = "{self.host}:{self.cluster}"
  tls_disable = true
}}
{self.extra_hcl}"""
            )

    def start(self):
        log = open(os.path.join(self.dir, "server.log"), "ab")
        cmd = [os.environ.get("ARCA_BIN", "arca"), "server", f"-config={self.config}"]
        if self.netns:
            # `ip netns exec` execs the server itself: the pid is the server's.
            cmd = ["ip", "netns", "exec", self.netns] + cmd
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **self.env})
        poll(f"{self.name} to listen", lambda: self.get("sys/health")[0])

    def signal(self, sig):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)

    def kill(self):
        self.signal(signal.SIGCONT)
        self.signal(signal.SIGKILL)
        if self.proc:
            self.proc.wait(timeout=30)

    def stop(self):
        """Graceful stop (SIGTERM), SIGKILL if it does not end."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def get(self, path, token=None, timeout=5):
        return http("GET", f"{self.addr}/v1/{path}", token=token, timeout=timeout)

    def put(self, path, body, token=None, timeout=5):
        return http("PUT", f"{self.addr}/v1/{path}", body, token=token, timeout=timeout)

    def health(self, query=""):
        return http("GET", f"{self.addr}/v1/sys/health{query}", timeout=3)

    def log_tail(self, n=40):
        try:
            with open(os.path.join(self.dir, "server.log"), errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


class Cluster:
    def __init__(self, size=3, netns=False):
        self.root = tempfile.mkdtemp(prefix="arca-cluster-")
        self.net = Netns(size) if netns else None
        self.nodes = []
        for i in range(size):
            host = self.net.ip(i) if self.net else "127.0.0.1"
            ns = self.net.names[i] if self.net else None
            self.nodes.append(Node(self.root, f"node{i + 1}", host=host, netns=ns))
        for i, n in enumerate(self.nodes):
            n.write_config([self.nodes[0].addr] if i else [])
        self.keys, self.token = [], None

    def __enter__(self):
        try:
            if self.net:
                self.net.up()
            self.form()
        except BaseException:
            self.close(failed=True)
            raise
        return self

    def __exit__(self, kind, value, tb):
        self.close(failed=kind is not None)

    def close(self, failed=False):
        for n in self.nodes:
            try:
                n.kill()
            except Exception:
                pass
        if failed:
            for n in self.nodes:
                print(f"--- {n.name} log tail ---\n{n.log_tail()}")
        if self.net:
            self.net.down()
        if os.environ.get("ARCA_KEEP_LOGS") == "1":
            print(f"cluster data and logs kept in {self.root}")
        elif not failed:
            shutil.rmtree(self.root, ignore_errors=True)

    def form(self, start=True):
        """Initialises node1, joins and unseals the others; starts them first unless
        `start` is False (they are already running)."""
        if start:
            for n in self.nodes:
                n.start()
        first = self.nodes[0]
        status, init = first.put("sys/init", {"secret_shares": 3, "secret_threshold": 2})
        assert status == 200, init
        self.keys, self.token = init["keys_base64"], init["root_token"]
        self.unseal(first)
        status, body = first.put(
            "sys/storage/raft/autopilot/configuration",
            {"server_stabilization_time": "1s"},
            token=self.token,
        )
        assert status in (200, 204), body
        for n in self.nodes[1:]:
            poll(f"{n.name} to get the join challenge", lambda n=n: n.get("sys/seal-status")[1].get("initialized") is True)
            self.unseal(n)
        self.wait_voters(len(self.nodes))
        status, body = self.leader().put(
            "sys/mounts/secret", {"type": "kv", "options": {"version": "2"}}, token=self.token
        )
        assert status in (200, 204), body

    def unseal(self, node):
        """Submits the keys and waits until the node reports itself unsealed."""
        def attempt():
            for k in self.keys[:2]:
                node.put("sys/unseal", {"key": k})
            return node.get("sys/seal-status")[1]
        poll(f"{node.name} to unseal", lambda: isinstance(attempt(), dict) and node.get("sys/seal-status")[1].get("sealed") is False, every=0.5)

    def leader(self, among=None, wait=WAIT):
        """The node that reports itself active (sys/leader is_self)."""
        def find():
            for n in among or self.nodes:
                if not n.alive():
                    continue
                status, body = n.get("sys/leader", timeout=2)
                if status == 200 and body.get("is_self"):
                    return n
            return None
        return poll("an active node", find, wait=wait)

    def agreed_leader(self, wait=WAIT):
        """The active node once every running node names it as the leader."""
        def find():
            seen = set()
            for n in self.nodes:
                if not n.alive():
                    continue
                status, body = n.get("sys/leader", timeout=2)
                if status != 200:
                    return None
                seen.add(body.get("leader_address"))
            if len(seen) != 1:
                return None
            addr = seen.pop()
            return next((n for n in self.nodes if n.addr == addr and n.alive()), None)
        return poll("every node to name the same leader", find, wait=wait)

    def wait_caught_up(self, node):
        """Waits until `node` applied everything the leader had applied when asked."""
        def applied(n):
            body = n.get("sys/leader")[1]
            return body.get("raft_applied_index", 0) if isinstance(body, dict) else -1
        target = applied(self.agreed_leader())
        poll(f"{node.name} to catch up to index {target}", lambda: applied(node) >= target)

    def voters(self):
        status, body = self.leader().get("sys/storage/raft/configuration", token=self.token)
        if status != 200:
            return []
        return [s["node_id"] for s in body["data"]["config"]["servers"] if s["voter"]]

    def wait_voters(self, n):
        poll(f"{n} voters", lambda: len(self.voters()) == n)

    def write(self, node, key, value, timeout=5):
        return node.put(f"secret/data/{key}", {"data": {"v": value}}, token=self.token, timeout=timeout)

    def read(self, node, key, timeout=5):
        """(status, value or None)"""
        status, body = node.get(f"secret/data/{key}", token=self.token, timeout=timeout)
        if status == 200:
            return status, body["data"]["data"]["v"]
        return status, None
