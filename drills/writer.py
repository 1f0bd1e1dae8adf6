"""A client that keeps writing while the drills break the cluster, and the checks on what
it was told.

Each write puts a new key `kv/drill/wNNNNNNN` = {"seq": N} (a KV v1 mount, so every write
is one raft entry and a LIST returns every key). The writer sends it to the node that
answered last and, when that fails or times out, to the node whose sys/health says active
(else the next node), repeating the same key and value (idempotent) until one
acknowledges it (HTTP 200/204). Only an acknowledged
write is counted; one that was never acknowledged may or may not be stored.
"""

import threading
import time

import requests

WRITE_TIMEOUT_S = 1.0
HEALTH_TIMEOUT_S = 0.3


class Writer(threading.Thread):
    def __init__(self, cluster, token, mount="kv"):
        super().__init__(daemon=True)
        self.cluster = cluster
        self.token = token
        self.mount = mount
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.acked = {}  # key -> seq
        self.acks = []  # (sent_at, acked_at, node name), in order
        self.failures = 0
        self._preferred = 0

    def run(self):
        session = requests.Session()
        seq = 0
        while not self.stop_event.is_set():
            seq += 1
            key = f"w{seq:07d}"
            sent_at = time.monotonic()
            while not self.stop_event.is_set():
                pods = self.cluster.pods
                pod = pods[self._preferred % len(pods)]
                try:
                    if pod.ip is None:
                        raise requests.ConnectionError("no address")
                    r = session.put(f"{pod.addr}/v1/{self.mount}/drill/{key}", json={"seq": seq},
                                    headers={"X-Vault-Token": self.token}, timeout=WRITE_TIMEOUT_S)
                    if r.status_code in (200, 204):
                        with self.lock:
                            self.acked[key] = seq
                            self.acks.append((sent_at, time.monotonic(), pod.name))
                        break
                except requests.RequestException:
                    pass
                self.failures += 1
                self._preferred = self._next_target(session)
                time.sleep(0.02)

    def _next_target(self, session):
        """After a failure: the pod that says it is active (what the chart's `vault-active`
        service selects), else the next pod in turn."""
        pods = self.cluster.pods
        for i, pod in enumerate(pods):
            if pod.ip is None:
                continue
            try:
                if session.get(f"{pod.addr}/v1/sys/health", timeout=HEALTH_TIMEOUT_S).status_code == 200:
                    return i
            except requests.RequestException:
                pass
        return self._preferred + 1

    def stop(self):
        self.stop_event.set()
        self.join(timeout=10)

    def count(self):
        with self.lock:
            return len(self.acked)

    def window(self, start, end):
        """Acks in [start, end]: (count, first ack of a write sent after `start` - start,
        longest time between consecutive acks)."""
        with self.lock:
            acks = [a for a in self.acks if start - 5 <= a[1] <= end]
        inside = [a for a in acks if a[1] >= start]
        first_after = next((a[1] - start for a in inside if a[0] >= start), None)
        times = [a[1] for a in acks]
        gaps = [b - a for a, b in zip(times, times[1:]) if b >= start]
        return len(inside), first_after, max(gaps, default=None)


def lost_writes(pod, token, acked, mount="kv", prefix="drill", sample=50):
    """The acknowledged keys that are missing or hold another value, read through `pod`."""
    r = pod.request("LIST", f"{mount}/{prefix}", token=token, timeout=60)
    r.raise_for_status()
    present = set(r.json()["data"]["keys"])
    missing = sorted(k for k in acked if k not in present)
    # Values: every `sample`th acknowledged key is read back and compared.
    wrong = []
    for key in sorted(k for k in acked if k in present)[::sample]:
        got = pod.request("GET", f"{mount}/{prefix}/{key}", token=token, timeout=10)
        if got.status_code != 200 or got.json()["data"].get("seq") != acked[key]:
            wrong.append(key)
    return missing + wrong
