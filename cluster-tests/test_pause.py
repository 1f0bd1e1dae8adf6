"""A paused leader and unreachable active nodes, on a 3-node cluster of real processes
(the short set, run by `make test`).

- The leader is paused (SIGSTOP) for 10 s: the others elect a new leader and take
  writes; when the old leader resumes (SIGCONT) it never serves the value it had, and it
  steps down.
- A standby that cannot reach any active node (the other two paused) answers
  `sys/health` with 474, even with `standbyok`; `haunhealthycode` overrides the code.
- A leader whose followers are both paused loses its quorum: within a few seconds it
  stops being active (`sys/health` 474, `sys/leader` not self and no leader address),
  writes and reads fail at once instead of hanging, and once the followers resume the
  cluster has one active node again that takes writes.
- The cluster port (mutual TLS) refuses a client with a certificate the cluster's CA
  did not sign, and one without a certificate; the node certificate it presents expires
  within a day (renewed while the node runs).
"""
import signal
import socket
import ssl
import subprocess
import time

import pytest

from arca_cluster import Cluster, poll


@pytest.fixture(scope="module")
def cluster():
    with Cluster(3) as c:
        yield c


def test_paused_leader_serves_no_stale_read_and_steps_down(cluster):
    c = cluster
    old = c.leader()
    status, body = c.write(old, "paused", "before")
    assert status == 200, body

    paused_at = time.time()
    old.signal(signal.SIGSTOP)
    try:
        others = [n for n in c.nodes if n is not old]
        new = c.leader(among=others)
        # The majority takes writes while the old leader sleeps.
        poll("a write on the new leader", lambda: c.write(new, "paused", "after")[0] == 200)
        time.sleep(max(0.0, paused_at + 10 - time.time()))  # paused 10 s in all
    finally:
        old.signal(signal.SIGCONT)

    # From the moment it resumes, every read the old leader answers is the new value.
    deadline = time.time() + 8
    answered = []
    while time.time() < deadline:
        status, value = c.read(old, "paused", timeout=3)
        if status == 200:
            answered.append(value)
            assert value == "after", f"stale read served by the old leader: {value!r}"
        time.sleep(0.05)
    assert answered, "the old leader never answered (it forwards to the new one)"

    # It stepped down: it follows the new leader.
    def follows():
        status, body = old.get("sys/leader")
        return status == 200 and not body["is_self"] and body["leader_address"] == new.addr
    poll("the old leader to follow the new one", follows)
    assert old.health()[0] == 429
    assert c.read(new, "paused")[1] == "after"


def test_standby_that_cannot_reach_the_active_node_reports_474(cluster):
    c = cluster
    leader = c.leader()
    standbys = [n for n in c.nodes if n is not leader]
    lonely, other = standbys
    poll("a healthy standby", lambda: lonely.health()[0] == 429)
    status, body = lonely.health()
    assert body["ha_connection_healthy"] is True
    assert body["last_request_forwarding_heartbeat_ms"] >= 0

    for n in (leader, other):
        n.signal(signal.SIGSTOP)
    try:
        status, body = poll("474 on the cut-off standby", lambda: (lambda r: r if r[0] == 474 else None)(lonely.health()), wait=30)
        assert body["ha_connection_healthy"] is False
        assert body["last_request_forwarding_heartbeat_ms"] > 4000
        assert body["sealed"] is False and body["standby"] is True
        assert lonely.health("?standbyok=true")[0] == 474
        assert lonely.health("?haunhealthycode=299")[0] == 299
    finally:
        for n in (leader, other):
            n.signal(signal.SIGCONT)
    poll("the standby to be healthy again", lambda: lonely.health()[0] in (200, 429), wait=30)
    status, body = lonely.health()
    assert body["ha_connection_healthy"] is True


def test_leader_without_quorum_stops_being_active(cluster):
    c = cluster
    leader = c.leader()
    status, body = c.write(leader, "quorum", "before")
    assert status == 200, body
    followers = [n for n in c.nodes if n is not leader]
    for n in followers:
        n.signal(signal.SIGSTOP)
    try:
        # The bound is a few seconds; the quorum timeout is 1 s at the default multiplier.
        status, body = poll(
            "the cut-off leader to stop answering 200",
            lambda: (lambda r: r if r[0] != 200 else None)(leader.health()),
            wait=5,
        )
        assert status == 474, (status, body)
        assert body["standby"] is True and body["ha_connection_healthy"] is False
        assert leader.health("?standbyok=true")[0] == 474
        status, body = leader.get("sys/leader")
        assert status == 200 and body["is_self"] is False, body
        assert body["leader_address"] == "", body
        # Requests fail promptly with Vault's 503 instead of waiting for a quorum.
        for attempt in (lambda: c.write(leader, "quorum", "lost", timeout=5),
                        lambda: c.read(leader, "quorum", timeout=5)):
            started = time.time()
            status, _ = attempt()
            assert status == 503, status
            assert time.time() - started < 5
    finally:
        for n in followers:
            n.signal(signal.SIGCONT)
    # Healed: one active node that everybody names, taking writes.
    new = c.agreed_leader()
    poll("a write after healing", lambda: c.write(new, "quorum", "after")[0] == 200)
    assert new.health()[0] == 200
    for n in c.nodes:
        if n is not new:
            poll(f"{n.name} to be a standby", lambda n=n: n.health()[0] == 429)
            assert c.read(n, "quorum")[1] == "after"


def _handshake_answer(port, cert=None):
    """Connects to a cluster port over TLS 1.3 (trusting anything) presenting `cert`
    (or no certificate) and sends an HTTP/2 preface; returns what the server answered
    (bytes) or the TLS error it raised."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.set_alpn_protocols(["h2"])
    if cert:
        ctx.load_cert_chain(*cert)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        try:
            with ctx.wrap_socket(raw, server_hostname="cluster.arca.internal") as tls:
                tls.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
                return tls.recv(64)
        except (ssl.SSLError, ConnectionError) as e:
            return e


def test_cluster_port_refuses_certificates_the_cluster_did_not_sign(cluster, tmp_path):
    key, crt = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-subj", "/CN=intruder", "-addext", "subjectAltName=DNS:cluster.arca.internal",
         "-keyout", str(key), "-out", str(crt), "-days", "1"],
        check=True, capture_output=True,
    )
    port = cluster.leader().cluster
    for cert in ((str(crt), str(key)), None):
        answer = _handshake_answer(port, cert)
        # Refused: a TLS alert or a closed connection, never an HTTP/2 frame.
        assert isinstance(answer, Exception) or answer == b"", f"the cluster port answered {answer!r}"


def test_node_certificate_expires_within_a_day(cluster, tmp_path):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.set_alpn_protocols(["h2"])
    port = cluster.leader().cluster
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="cluster.arca.internal") as tls:
            der = tls.getpeercert(binary_form=True)
    pem = tmp_path / "node.pem"
    pem.write_text(ssl.DER_cert_to_PEM_cert(der))
    out = subprocess.run(["openssl", "x509", "-in", str(pem), "-noout", "-enddate"],
                         check=True, capture_output=True, text=True).stdout
    not_after = ssl.cert_time_to_seconds(out.strip().split("=", 1)[1])
    left = not_after - time.time()
    assert 0 < left <= 24 * 3600 + 60, f"the node certificate is valid for {left:.0f} s more"
