"""Seal migration inside a 3-node raft cluster, both ways, by Vault's documented
procedure: the configuration changes on every node; the standbys are restarted one at a
time and unsealed with `operator unseal -migrate` and the old keys; then the active node
steps down, a migrated standby takes over and commits the migration (one rewrapped root
key in the replicated seal metadata), and the old active node is restarted with the new
configuration. A second Arca server started by the test is the transit server (the
seed's set-up: key `autounseal`, its policy, an orphan periodic token).

The cluster keeps taking writes throughout; data written before is read after, on every
node. Between the two, a barrier rekey under the transit seal gives the cluster a new
root key that every node picks up. Prints how long each migration took (first standby restart -> all nodes unsealed
under the new seal)."""
import os
import subprocess
import time

import pytest

from arca_cluster import Cluster, Node, poll

POLICY = """
path "transit/encrypt/autounseal" { capabilities = ["update"] }
path "transit/decrypt/autounseal" { capabilities = ["update"] }
"""


@pytest.fixture(scope="module")
def transit(tmp_path_factory):
    """Server A: one Shamir node (1/1) with the transit key `autounseal` and a token
    for the cluster's seal."""
    a = Node(str(tmp_path_factory.mktemp("transit")), "transit")
    a.write_config([])
    a.start()
    try:
        status, init = a.put("sys/init", {"secret_shares": 1, "secret_threshold": 1})
        assert status == 200, init
        poll("A to unseal", lambda: a.put("sys/unseal", {"key": init["keys_base64"][0]})[1].get("sealed") is False)
        root = init["root_token"]
        poll("A to be active", lambda: a.get("sys/leader")[1].get("is_self") is True)
        for path, body in (
            ("sys/mounts/transit", {"type": "transit"}),
            ("transit/keys/autounseal", {}),
            ("sys/policies/acl/autounseal", {"policy": POLICY}),
        ):
            status, out = a.put(path, body, token=root)
            assert status in (200, 204), (path, out)
        status, tok = a.put("auth/token/create-orphan", {"policies": ["autounseal"], "period": "24h"}, token=root)
        assert status == 200, tok
        a.seal_token = tok["auth"]["client_token"]
        yield a
    finally:
        a.kill()


@pytest.fixture
def cluster(request):
    c = Cluster(3)
    with c:
        yield c
        if getattr(request.node, "failed", False):
            for n in c.nodes:
                print(f"--- {n.name} log tail ---\n{n.log_tail(80)}")


def set_seal(node, stanza):
    """Rewrites the node's configuration with `stanza` as its seal (or none)."""
    with open(node.config) as f:
        text = f.read().split("\n# seal\n")[0]
    with open(node.config, "w") as f:
        f.write(text + "\n# seal\n" + stanza)


def transit_stanza(a, disabled=False):
    extra = '\n  disabled = "true"' if disabled else ""
    return f"""seal "transit" {{
  address = "{a.addr}"
  token = "{a.seal_token}"
  key_name = "autounseal"
  mount_path = "transit/"{extra}
}}
"""


def status_of(node):
    return node.get("sys/seal-status")[1]


def cli_unseal_migrate(node, key):
    out = subprocess.run(
        [os.environ.get("ARCA_BIN", "arca"), "operator", "unseal", "-migrate", key],
        env=dict(os.environ, VAULT_ADDR=node.addr),
        capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr


def keeps_serving(c, key, value):
    """A write to and read from the active node succeed (bounded poll: a leader change
    may be under way)."""
    def ok():
        leader = c.leader()
        return c.write(leader, key, value)[0] == 200 and c.read(leader, key)[1] == value
    poll(f"the cluster to take the write {key}", ok)


def migrate_cluster(c, stanza, keys, unseal_old_active):
    """Vault's procedure on a running cluster; returns the seconds it took."""
    started = time.time()
    old_active = c.agreed_leader()
    standbys = [n for n in c.nodes if n is not old_active]
    for i, n in enumerate(standbys):
        n.stop()
        set_seal(n, stanza)
        keeps_serving(c, f"during-{i}-down", "x")
        n.start()
        st = status_of(n)
        assert st["sealed"] is True and st["migration"] is True, st
        # The old keys without -migrate are refused with Vault's 400.
        status, body = n.put("sys/unseal", {"key": keys[0]})
        assert status == 400 and "migrat" in body["errors"][0], body
        cli_unseal_migrate(n, keys[0])
        status, st = n.put("sys/unseal", {"key": keys[1], "migrate": True})
        assert status == 200 and st["sealed"] is False, st
        # Unsealed as a standby; the migration waits until it is the active node.
        assert status_of(n)["migration"] is True
        poll(f"{n.name} to rejoin as a standby", lambda n=n: n.health()[0] == 429)
        c.wait_caught_up(n)
        keeps_serving(c, f"during-{i}-up", "y")
    set_seal(old_active, stanza)
    status, body = old_active.put("sys/step-down", {}, token=c.token)
    assert status in (200, 204), body
    new_active = poll("a migrated standby to become active", lambda: (lambda l: l if l is not old_active else None)(c.agreed_leader()))
    want = "shamir" if "disabled" in stanza else "transit"
    poll("the new active node to commit the migration",
         lambda: status_of(new_active)["type"] == want and status_of(new_active)["migration"] is False)
    # As Vault's procedure says: let the migration replicate to every node (the old
    # active node too, which restarts from its own copy of the seal metadata).
    for n in c.nodes:
        poll(f"{n.name} to see the migration done", lambda n=n: status_of(n)["type"] == want)
    old_active.stop()
    old_active.start()
    assert status_of(old_active)["migration"] is False
    unseal_old_active(old_active)
    poll("the old active node to unseal", lambda: status_of(old_active)["sealed"] is False)
    poll("the old active node to rejoin", lambda: old_active.health()[0] == 429)
    return time.time() - started


def test_three_nodes_migrate_shamir_to_transit_and_back(transit, cluster):
    c = cluster
    keeps_serving(c, "before", "shamir-era")
    keys = c.keys

    # Shamir -> transit: the old active node auto-unseals after its restart.
    took = migrate_cluster(c, transit_stanza(transit), keys, lambda n: None)
    print(f"\n3-node seal migration shamir -> transit: {took:.1f} s")
    for n in c.nodes:
        st = status_of(n)
        assert st["type"] == "transit" and st["recovery_seal"] is True and st["sealed"] is False, st
        assert (st["t"], st["n"]) == (2, 3), "the unseal keys became the recovery keys"
        c.wait_caught_up(n)
        assert c.read(n, "before")[1] == "shamir-era"
    # One wrapping for all: any node restarted now unseals itself through transit.
    for n in c.nodes:
        n.stop()
        n.start()
        poll(f"{n.name} to auto-unseal", lambda n=n: status_of(n)["sealed"] is False)
    keeps_serving(c, "transit-era", "t")

    # A barrier rekey under the transit seal (recovery keys authorise a new root key),
    # then a new keyring term: a standby that becomes active reads the new term (it
    # adopted the new root key), and every node restarts and unseals itself with it.
    leader = c.agreed_leader()
    status, st = leader.put("sys/rekey/init", {"secret_shares": 1, "secret_threshold": 1})
    assert status == 200 and st["required"] == 2, st
    for k in keys[:2]:
        status, done = leader.put("sys/rekey/update", {"key": k, "nonce": st["nonce"]})
        assert status == 200, done
    assert done["complete"] is True and done["keys"] == [], done
    status, body = leader.put("sys/rotate", {}, token=c.token)
    assert status in (200, 204), body
    keeps_serving(c, "new-term", "n")
    time.sleep(1.5)  # the standbys' seal worker looks every 0.5 s
    status, body = leader.put("sys/step-down", {}, token=c.token)
    assert status in (200, 204), body
    successor = poll("another active node", lambda: (lambda l: l if l is not leader else None)(c.agreed_leader()))
    assert c.read(successor, "new-term")[1] == "n"
    for n in c.nodes:
        n.stop()
        n.start()
        poll(f"{n.name} to auto-unseal with the new root key", lambda n=n: status_of(n)["sealed"] is False)
    keeps_serving(c, "after-rekey", "r")

    # transit -> Shamir: the stanza stays, disabled; the recovery keys unseal with
    # -migrate and become the unseal keys; the old active node is unsealed with them.
    def unseal_with_keys(n):
        for k in keys[:2]:
            n.put("sys/unseal", {"key": k})
    took = migrate_cluster(c, transit_stanza(transit, disabled=True), keys, unseal_with_keys)
    print(f"3-node seal migration transit -> shamir: {took:.1f} s")
    for n in c.nodes:
        st = status_of(n)
        assert st["type"] == "shamir" and st["recovery_seal"] is False and st["sealed"] is False, st
        c.wait_caught_up(n)
        assert c.read(n, "before")[1] == "shamir-era"
        assert c.read(n, "transit-era")[1] == "t"
    # A restarted node now needs the (former recovery) keys, and the transit server is
    # not needed any more.
    transit.stop()
    n = c.nodes[0]
    n.stop()
    set_seal(n, "")
    n.start()
    assert status_of(n)["sealed"] is True
    c.unseal(n)
    keeps_serving(c, "after", "done")
