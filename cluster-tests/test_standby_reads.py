"""Linearizable reads on standbys, on a 3-node cluster of real processes (short set).

A standby serves a read itself after a ReadIndex round trip to the active node: a value
written on the active node is seen by a read sent to a standby right after the write
was acknowledged, and the standby's own metrics show it served the read (the
`ha.standby_read.served` counter grows, `ha.rpc.client.forward` does not). A read that
needs a write (a token with limited uses) is forwarded whole, and the use is counted
once. A node with `disable_standby_reads = true` forwards every read.
"""
import re

import pytest

from arca_cluster import Cluster, poll

TELEMETRY = """telemetry {
  disable_hostname = true
  prometheus_retention_time = "1h"
}
"""


@pytest.fixture(scope="module")
def cluster():
    c = Cluster(3)
    for i, n in enumerate(c.nodes):
        n.extra_hcl = TELEMETRY + ("disable_standby_reads = true\n" if n.name == "node3" else "")
        n.write_config([c.nodes[0].addr] if i else [])
    with c:
        yield c


def metric(node, token, name):
    """The value of one Prometheus series of `node` (0 when it was never emitted)."""
    status, text = node.get("sys/metrics?format=prometheus", token=token)
    assert status == 200, text
    total = 0.0
    for line in text.splitlines():
        m = re.match(rf"^{re.escape(name)}(\{{[^}}]*\}})? ([0-9.eE+-]+)$", line)
        if m:
            total += float(m.group(2))
    return total


SERVED = "vault_ha_standby_read_served"
FORWARDED = "vault_ha_rpc_client_forward_count"


def roles(c):
    """(active node1, standby node2 with standby reads, standby node3 without)."""
    for _ in range(6):
        active = c.agreed_leader()
        if active is c.nodes[0]:
            break
        # Put node1 back in front, so that node2 and node3 are the standbys tested.
        status, body = active.put("sys/step-down", {}, token=c.token)
        assert status in (200, 204), body
        poll("a new leader", lambda: c.agreed_leader() is not active or None)
    assert c.agreed_leader() is c.nodes[0], "node1 did not take the lead back"
    return c.nodes[0], c.nodes[1], c.nodes[2]


def test_read_after_write_on_a_standby_is_served_there(cluster):
    c = cluster
    active, standby, _ = roles(c)
    served, forwarded = metric(standby, c.token, SERVED), metric(standby, c.token, FORWARDED)
    for i in range(20):
        status, body = c.write(active, "lin", f"v{i}")
        assert status == 200, body
        # At once, with no wait for replication: the ReadIndex makes the standby wait.
        assert c.read(standby, "lin") == (200, f"v{i}")
    assert metric(standby, c.token, SERVED) >= served + 20
    assert metric(standby, c.token, FORWARDED) == forwarded
    # A missing key is a 404 from the standby too.
    assert c.read(standby, "never-written")[0] == 404


def test_read_needing_a_write_is_forwarded_and_counts_the_use(cluster):
    c = cluster
    active, standby, _ = roles(c)
    c.write(active, "limited", "x")
    status, body = active.put("auth/token/create", {"num_uses": 2, "policies": ["root"]}, token=c.token)
    assert status == 200, body
    token = body["auth"]["client_token"]
    served, forwarded = metric(standby, c.token, SERVED), metric(standby, c.token, FORWARDED)

    status, body = standby.get("secret/data/limited", token=token)
    assert status == 200 and body["data"]["data"]["v"] == "x", body
    status, body = active.put("auth/token/lookup", {"token": token}, token=c.token)
    assert status == 200 and body["data"]["num_uses"] == 1, body
    status, body = standby.get("secret/data/limited", token=token)
    assert status == 200, body
    # Both uses are spent: the token is gone.
    assert standby.get("secret/data/limited", token=token)[0] == 403

    assert metric(standby, c.token, FORWARDED) >= forwarded + 2
    assert metric(standby, c.token, SERVED) == served


def test_disable_standby_reads_forwards(cluster):
    c = cluster
    active, _, off = roles(c)
    served, forwarded = metric(off, c.token, SERVED), metric(off, c.token, FORWARDED)
    for i in range(5):
        assert c.write(active, "off", f"w{i}")[0] == 200
        assert c.read(off, "off") == (200, f"w{i}")
    assert metric(off, c.token, FORWARDED) >= forwarded + 5
    assert metric(off, c.token, SERVED) == served


def test_concurrent_standby_reads_never_go_back_in_time(cluster):
    """Readers on the standby share ReadIndex rounds; each read started after a write was
    acknowledged must return that write or a later one."""
    import threading

    c = cluster
    active, standby, _ = roles(c)
    assert c.write(active, "counter", "0")[0] == 200
    acked = [0]
    stop = threading.Event()
    stale, errors, reads = [], [], [0]

    def reader():
        while not stop.is_set():
            floor = acked[0]
            status, value = c.read(standby, "counter")
            if status != 200:
                errors.append(status)
                continue
            reads[0] += 1
            if int(value) < floor:
                stale.append((floor, value))

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for t in threads:
        t.start()
    try:
        for i in range(1, 41):
            status, body = c.write(active, "counter", str(i))
            assert status == 200, body
            acked[0] = i
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not stale, f"stale reads on the standby: {stale[:5]}"
    assert not errors, errors[:5]
    assert reads[0] > 40
