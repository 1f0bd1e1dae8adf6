"""Partitions and rolling restarts on a 3-node cluster of real processes (the full set:
`make cluster-test`; skipped by `make test` unless ARCA_CLUSTER_FULL=1).

- The leader is cut off from both peers (each node in its own network namespace, routes
  blackholed): within a few seconds it stops being active (`sys/health` 474), the
  minority acknowledges no writes, the majority elects a leader and takes writes, and
  after healing all three converge on the majority's data.
- All three nodes restart one after another (SIGTERM, start, unseal) while a writer
  runs: every acknowledged write is present afterwards.
"""
import os
import threading
import time

import pytest

from arca_cluster import Cluster, poll

pytestmark = pytest.mark.skipif(
    os.environ.get("ARCA_CLUSTER_FULL") != "1", reason="full cluster set: make cluster-test"
)


def test_partitioned_leader_stops_acknowledging_and_the_majority_goes_on():
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    with Cluster(3, netns=True) as c:
        old = c.leader()
        status, body = c.write(old, "p", "v1")
        assert status == 200, body
        i = c.nodes.index(old)
        others = [j for j in range(3) if j != i]
        for j in others:
            c.net.cut(i, j)
        try:
            # Within a few seconds the cut-off leader stops calling itself active (it has
            # no quorum), although raft alone would keep it leader until it heard of a
            # newer term.
            poll("the cut-off leader to stop answering 200",
                 lambda: old.health()[0] == 474, wait=5)
            status, body = old.get("sys/leader")
            assert status == 200 and body["is_self"] is False, body
            # The minority (the old leader alone) acknowledges nothing.
            status, body = c.write(old, "minority", "lost", timeout=6)
            assert status != 200, f"the cut-off leader acknowledged a write: {body}"
            # The majority elects a leader among itself and takes writes.
            majority = [c.nodes[j] for j in others]
            new = c.leader(among=majority)
            poll("a write on the majority", lambda: c.write(new, "p", "v2")[0] == 200)
            status, body = c.write(old, "minority", "lost-too", timeout=4)
            assert status != 200, f"the cut-off leader acknowledged a write: {body}"
        finally:
            for j in others:
                c.net.heal(i, j)

        # Healed: the old leader follows, everybody reads the majority's data.
        def converged():
            for n in c.nodes:
                status, body = n.get("sys/leader")
                if status != 200 or body["leader_address"] != new.addr:
                    return False
                if c.read(n, "p")[1] != "v2":
                    return False
            return True
        poll("the healed cluster to converge", converged)
        for n in c.nodes:
            assert c.read(n, "minority")[0] == 404, "an unacknowledged write survived"
        def same_applied_index():
            indexes = {n.get("sys/leader")[1].get("raft_applied_index") for n in c.nodes}
            return len(indexes) == 1
        poll("equal applied indexes", same_applied_index)
        assert sorted(c.voters()) == ["node1", "node2", "node3"]


class Writer(threading.Thread):
    """Writes k0, k1, ... through whichever node answers; records what was acknowledged."""

    def __init__(self, cluster):
        super().__init__(daemon=True)
        self.c = cluster
        self.acked = {}
        self.failures = 0
        self.halt = threading.Event()

    def run(self):
        seq = 0
        while not self.halt.is_set():
            key, value = f"k{seq}", f"v{seq}"
            for n in self.c.nodes:
                if not n.alive():
                    continue
                status, _ = self.c.write(n, key, value, timeout=3)
                if status == 200:
                    self.acked[key] = value
                    break
            else:
                self.failures += 1
                time.sleep(0.05)
            seq += 1


def test_rolling_restart_loses_no_acknowledged_write():
    with Cluster(3) as c:
        writer = Writer(c)
        writer.start()
        try:
            poll("first writes", lambda: len(writer.acked) >= 5)
            # Standbys first, the active node last (as an operator would).
            leader = c.leader()
            order = [n for n in c.nodes if n is not leader] + [leader]
            for n in order:
                before = len(writer.acked)
                n.stop()
                n.start()
                c.unseal(n)
                poll(f"{n.name} back as a voter", lambda n=n: n.health()[0] in (200, 429))
                c.wait_voters(3)
                poll("writes after the restart", lambda b=before: len(writer.acked) > b + 3)
        finally:
            writer.halt.set()
            writer.join(timeout=30)
        assert len(writer.acked) > 10
        leader = c.leader()
        lost = {}
        for key, value in writer.acked.items():
            status, got = c.read(leader, key)
            if got != value:
                lost[key] = (status, got, value)
        assert not lost, f"acknowledged writes lost: {lost}"
