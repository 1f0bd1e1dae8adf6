"""Auto-unseal through a second server's transit engine (the seed's scenario, with A's
file audit device recording B's encrypt at init and decrypt at each start), the
static seal, recovery keys (rekey, root generation, unseal after a manual seal), and
seal migration Shamir -> transit -> Shamir, on loopback."""
import base64
import json
import os
import re
import tempfile
import time

import hvac
import pytest
import requests

from conftest import Node

POLICY = """
path "transit/encrypt/autounseal" { capabilities = ["update"] }
path "transit/decrypt/autounseal" { capabilities = ["update"] }
"""


def seal_status(node):
    return requests.get(f"{node.addr}/v1/sys/seal-status", timeout=5).json()


def wait_for(cond, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if cond():
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def with_seal(node, stanza):
    """Rewrites the node's config with `stanza` appended (or none)."""
    with open(node.config) as f:
        text = f.read().split("\n# seal\n")[0]
    with open(node.config, "w") as f:
        f.write(text + "\n# seal\n" + stanza)


def transit_stanza(a, token, extra=""):
    return f"""seal "transit" {{
  address = "{a.addr}"
  token = "{token}"
  key_name = "autounseal"
  mount_path = "transit/"
  {extra}
}}
"""


@pytest.fixture(scope="module")
def server_a():
    """Server A: Shamir 1/1, transit key autounseal, the seed's policy and an orphan
    periodic token for B."""
    with tempfile.TemporaryDirectory(prefix="arca-a-") as tmp:
        a = Node(tmp)
        a.start()
        c = a.client()
        init = c.sys.initialize(secret_shares=1, secret_threshold=1)
        c.sys.submit_unseal_key(init["keys"][0])
        c.token = init["root_token"]
        c.sys.enable_secrets_engine("transit", path="transit")
        c.secrets.transit.create_key(name="autounseal")
        c.sys.create_or_update_policy(name="autounseal", policy=POLICY)
        tok = c.auth.token.create(policies=["autounseal"], no_parent=True, period="24h")
        # The seed audits A to a file: B's seal calls must show up there.
        a.audit_log = os.path.join(tmp, "audit.log")
        c.sys.enable_audit_device("file", options={"file_path": a.audit_log})
        a.unseal_key = init["keys"][0]
        a.root_token = init["root_token"]
        a.b_token = tok["auth"]["client_token"]
        yield a
        a.stop()


@pytest.fixture(scope="module")
def server_b(server_a):
    with tempfile.TemporaryDirectory(prefix="arca-b-") as tmp:
        b = Node(tmp)
        with_seal(b, transit_stanza(server_a, server_a.b_token))
        b.start()
        yield b
        b.stop()


def audited(a, path):
    """A's audit entries (requests and responses) for `path`."""
    entries = []
    with open(a.audit_log) as f:
        for line in f:
            e = json.loads(line)
            if e.get("request", {}).get("path") == path:
                entries.append(e)
    return entries


def test_b_initialises_with_recovery_keys_and_is_unsealed(server_a, server_b):
    st = seal_status(server_b)
    assert st["type"] == "transit" and st["initialized"] is False
    c = server_b.client()
    init = c.sys.initialize(recovery_shares=5, recovery_threshold=3)
    assert init["keys"] == [] and len(init["recovery_keys"]) == 5 and len(init["recovery_keys_base64"]) == 5
    st = seal_status(server_b)
    assert st["sealed"] is False and st["recovery_seal"] is True and st["t"] == 3 and st["n"] == 5
    c.token = init["root_token"]
    c.sys.enable_secrets_engine("kv", path="secret", options={"version": "2"})
    c.secrets.kv.v2.create_or_update_secret(path="app", secret={"pw": "behind-transit"}, mount_point="secret")
    server_b.root_token = init["root_token"]
    server_b.recovery_keys = init["recovery_keys"]
    # Init wrapped B's root key with A's key: one audited request and its response.
    enc = audited(server_a, "transit/encrypt/autounseal")
    assert [e["type"] for e in enc] == ["request", "response"], enc
    assert enc[0]["request"]["operation"] == "update"
    assert audited(server_a, "transit/decrypt/autounseal") == []
    # The token B uses is HMAC'd in A's log, never written in the clear.
    with open(server_a.audit_log) as f:
        assert server_a.b_token not in f.read()
    # ... and it is B's seal token: A's sys/audit-hash of it is what was logged.
    h = server_a.client(server_a.root_token).sys.calculate_hash(path="file", input_to_hash=server_a.b_token)
    assert enc[0]["auth"]["client_token"] == h["data"]["hash"]


def unsealed_at(node):
    m = re.findall(r"unsealed with the auto-unseal seal.*?elapsed_ms=(\d+)", node.read_log())
    return int(m[-1]) if m else None


def test_b_restarts_unsealed_without_keys(server_a, server_b):
    server_b.stop()
    server_b.start()
    wait_for(lambda: seal_status(server_b)["sealed"] is False, "B to unseal itself")
    secret = server_b.client(server_b.root_token).secrets.kv.v2.read_secret_version(
        path="app", mount_point="secret", raise_on_deleted_version=True
    )
    assert secret["data"]["data"] == {"pw": "behind-transit"}
    elapsed = unsealed_at(server_b)
    assert elapsed is not None
    # The unseal with no keys is A's transit decrypt, in A's audit log.
    dec = audited(server_a, "transit/decrypt/autounseal")
    assert [e["type"] for e in dec] == ["request", "response"], dec
    assert "error" not in dec[1] or not dec[1]["error"]
    print(f"\nprocess start -> unsealed with the transit seal: {elapsed} ms")


def test_b_waits_for_a_and_unseals_when_it_returns(server_a, server_b):
    server_b.stop()
    server_a.stop()
    server_b.start()
    wait_for(lambda: "failed to unseal core with the auto-unseal seal; retrying" in server_b.read_log(), "B's retry log line")
    assert seal_status(server_b)["sealed"] is True
    assert server_a.b_token not in server_b.read_log()
    server_a.start()
    server_a.client().sys.submit_unseal_key(server_a.unseal_key)
    wait_for(lambda: seal_status(server_b)["sealed"] is False, "B to unseal once A is back")


def test_recovery_keys_rekey_generate_root_and_manual_seal(server_b):
    c = server_b.client(server_b.root_token)
    # A barrier rekey under an auto seal, as Vault's: the recovery keys authorise a new
    # root key that the seal wraps and keeps (no shares handed out, 1/1 stored).
    r = requests.put(f"{server_b.addr}/v1/sys/rekey/init", json={"secret_shares": 3, "secret_threshold": 2, "require_verification": True}, timeout=5)
    assert r.status_code == 400 and "verification not supported" in r.json()["errors"][0]
    root_before = requests.get(f"{server_b.addr}/v1/sys/seal-status", timeout=5).json()
    st = c.sys.start_rekey(secret_shares=3, secret_threshold=2)
    assert st["required"] == 3 and (st["t"], st["n"]) == (1, 1)
    bogus = [base64.b64encode(os.urandom(33)).decode() for _ in range(3)]
    r = c.sys.rekey_multi(bogus[:2], nonce=st["nonce"])
    assert r["progress"] == 2
    r = requests.put(f"{server_b.addr}/v1/sys/rekey/update", json={"key": bogus[2], "nonce": st["nonce"]}, timeout=5)
    assert r.status_code == 400 and "recovery key verification failed" in r.json()["errors"][0]
    # Wrong shares changed nothing; the same operation goes on with the right ones.
    done = c.sys.rekey_multi(server_b.recovery_keys[:3], nonce=st["nonce"])
    assert done["complete"] is True and done["keys"] == [] and done["keys_base64"] == []
    assert "security barrier rekeyed" in server_b.read_log()
    st = seal_status(server_b)
    assert st["type"] == "transit" and (st["t"], st["n"]) == (root_before["t"], root_before["n"])
    # The node restarts and unseals itself with the new root key; old data reads.
    server_b.stop()
    server_b.start()
    wait_for(lambda: seal_status(server_b)["sealed"] is False, "B to unseal with the rekeyed root key")
    secret = c.secrets.kv.v2.read_secret_version(path="app", mount_point="secret", raise_on_deleted_version=True)
    assert secret["data"]["data"] == {"pw": "behind-transit"}
    # Recovery rekey (recovery keys are unchanged by the barrier rekey).
    st = c.sys.start_rekey(secret_shares=4, secret_threshold=2, recovery_key=True)
    assert st["required"] == 3
    bad = c.sys.rekey_multi(server_b.recovery_keys[:2], nonce=st["nonce"], recovery_key=True)
    assert bad["progress"] == 2
    r = requests.put(f"{server_b.addr}/v1/sys/rekey-recovery-key/update", json={"key": base64.b64encode(os.urandom(33)).decode(), "nonce": st["nonce"]}, timeout=5)
    assert r.status_code == 400
    done = c.sys.rekey_multi(server_b.recovery_keys[2:5], nonce=st["nonce"], recovery_key=True)
    assert done["complete"] is True and len(done["keys"]) == 4
    new_recovery = done["keys"]
    st = seal_status(server_b)
    assert st["t"] == 2 and st["n"] == 4

    gen = c.sys.start_root_token_generation()
    for k in new_recovery[:2]:
        out = c.sys.generate_root(key=k, nonce=gen["nonce"])
    assert out["complete"] is True
    enc = out["encoded_token"]
    raw = base64.b64decode(enc + "=" * (-len(enc) % 4))
    token = bytes(x ^ y for x, y in zip(raw, gen["otp"].encode())).decode()
    assert server_b.client(token).lookup_token()["data"]["policies"] == ["root"]

    # After a manual seal the node stays sealed until recovery keys are given.
    c.sys.seal()
    time.sleep(1.5)
    assert seal_status(server_b)["sealed"] is True
    st = server_b.client().sys.submit_unseal_keys(new_recovery[1:3])
    assert st["sealed"] is False
    server_b.recovery_keys = new_recovery


def test_migrate_transit_to_shamir_and_back(server_a, server_b):
    # transit -> shamir: the stanza is marked disabled.
    server_b.stop()
    with_seal(server_b, transit_stanza(server_a, server_a.b_token, 'disabled = "true"'))
    server_b.start()
    st = seal_status(server_b)
    assert st["migration"] is True and st["sealed"] is True and st["type"] == "transit"
    r = requests.put(f"{server_b.addr}/v1/sys/unseal", json={"key": server_b.recovery_keys[0]}, timeout=5)
    assert r.status_code == 400 and "migrate" in r.json()["errors"][0]
    for k in server_b.recovery_keys[:2]:
        st = requests.put(f"{server_b.addr}/v1/sys/unseal", json={"key": k, "migrate": True}, timeout=5).json()
    assert st["sealed"] is False and st["type"] == "shamir" and st["migration"] is False
    assert st["t"] == 2 and st["n"] == 4
    # Now a Shamir node: the stanza goes, the recovery keys are the unseal keys.
    server_b.stop()
    with_seal(server_b, "")
    server_b.start()
    assert seal_status(server_b)["sealed"] is True
    st = server_b.client().sys.submit_unseal_keys(server_b.recovery_keys[2:4])
    assert st["sealed"] is False

    # shamir -> transit: the stanza comes back, unseal with -migrate through the CLI.
    server_b.stop()
    with_seal(server_b, transit_stanza(server_a, server_a.b_token))
    server_b.start()
    st = seal_status(server_b)
    assert st["migration"] is True and st["sealed"] is True
    import subprocess
    env = dict(os.environ, VAULT_ADDR=server_b.addr)
    for k in server_b.recovery_keys[:2]:
        out = subprocess.run([os.environ.get("ARCA_BIN", "arca"), "operator", "unseal", "-migrate", k],
                             env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
    st = seal_status(server_b)
    assert st["sealed"] is False and st["type"] == "transit" and st["recovery_seal"] is True
    server_b.stop()
    server_b.start()
    wait_for(lambda: seal_status(server_b)["sealed"] is False, "B to auto-unseal after migration")
    secret = server_b.client(server_b.root_token).secrets.kv.v2.read_secret_version(
        path="app", mount_point="secret", raise_on_deleted_version=True
    )
    assert secret["data"]["data"] == {"pw": "behind-transit"}


def test_static_seal_from_file_and_env():
    with tempfile.TemporaryDirectory(prefix="arca-static-") as tmp:
        key_file = os.path.join(tmp, "unseal.key")
        with open(key_file, "wb") as f:
            f.write(os.urandom(32))
        n = Node(tmp)
        with_seal(n, f'seal "static" {{\n  current_key_id = "k1"\n  current_key = "file://{key_file}"\n}}\n')
        n.start()
        try:
            c = n.client()
            init = c.sys.initialize(recovery_shares=3, recovery_threshold=2)
            assert len(init["recovery_keys"]) == 3
            st = seal_status(n)
            assert st["type"] == "static" and st["sealed"] is False
            n.stop()
            n.start()
            wait_for(lambda: seal_status(n)["sealed"] is False, "static seal unseal")
            # A wrong key file: the node stays sealed and says why.
            n.stop()
            with open(key_file, "wb") as f:
                f.write(os.urandom(32))
            n.start()
            time.sleep(1.5)
            assert seal_status(n)["sealed"] is True
            assert "failed to unseal core with the auto-unseal seal" in n.read_log()
        finally:
            n.stop()


def test_nodes_joining_a_transit_sealed_cluster_unseal_themselves(server_a, server_b):
    """B2 and B3 start empty with retry_join to B and the same transit seal: each gets
    B's challenge, unwraps the cluster's root key with the transit seal and unseals
    with no keys typed."""
    joiners = []
    try:
        for name in ("b2", "b3"):
            tmp = tempfile.mkdtemp(prefix=f"arca-{name}-")
            n = Node(tmp)
            with open(n.config) as f:
                text = f.read()
            text = text.replace(
                'node_id = "compat-node"',
                f'node_id = "{name}"\n  retry_join {{\n    leader_api_addr = "{server_b.addr}"\n  }}',
            )
            with open(n.config, "w") as f:
                f.write(text)
            with_seal(n, transit_stanza(server_a, server_a.b_token))
            n.start()
            joiners.append(n)
        for n in joiners:
            wait_for(lambda n=n: seal_status(n)["sealed"] is False, f"{n.addr} to join and unseal", timeout=60)
        peers = server_b.client(server_b.root_token).sys.read_raft_config()["data"]["config"]["servers"]
        assert {p["node_id"] for p in peers} >= {"b2", "b3"}
        # Restarted, a joined node unseals itself again.
        joiners[0].stop()
        joiners[0].start()
        wait_for(lambda: seal_status(joiners[0])["sealed"] is False, "b2 to unseal after restart", timeout=60)
    finally:
        for n in joiners:
            n.stop()


def test_self_init_with_a_static_seal_keeps_only_what_was_asked():
    with tempfile.TemporaryDirectory(prefix="arca-selfinit-") as tmp:
        key_file = os.path.join(tmp, "unseal.key")
        with open(key_file, "wb") as f:
            f.write(os.urandom(32))
        token_file = os.path.join(tmp, "root-token")
        keys_file = os.path.join(tmp, "recovery-keys")
        n = Node(tmp)
        with_seal(n, f"""seal "static" {{
  current_key_id = "k1"
  current_key = "file://{key_file}"
}}
self_init {{
  recovery_shares = 3
  recovery_threshold = 2
  recovery_keys_file = "{keys_file}"
  root_token_file = "{token_file}"
}}
""")
        n.start()
        try:
            st = seal_status(n)
            assert st["initialized"] is True and st["sealed"] is False and st["type"] == "static"
            assert os.stat(token_file).st_mode & 0o777 == 0o600
            assert os.stat(keys_file).st_mode & 0o777 == 0o600
            token = open(token_file).read().strip()
            assert n.client(token).lookup_token()["data"]["policies"] == ["root"]
            keys = open(keys_file).read().split()
            assert len(keys) == 3
            assert token not in n.read_log()
            # A restart does not initialise again (and does not touch the files).
            n.stop()
            n.start()
            wait_for(lambda: seal_status(n)["sealed"] is False, "static seal unseal after self_init")
            assert open(token_file).read().strip() == token
        finally:
            n.stop()

    # Without root_token_file no root token survives.
    with tempfile.TemporaryDirectory(prefix="arca-selfinit2-") as tmp:
        n = Node(tmp)
        with_seal(n, f"""seal "static" {{
  current_key_id = "k1"
  current_key = "{base64.b64encode(os.urandom(32)).decode()}"
}}
self_init {{}}
""")
        n.start()
        try:
            st = seal_status(n)
            assert st["initialized"] is True and st["sealed"] is False
            assert "self_init: cluster initialised" in n.read_log()
            assert "no recovery_keys_file" in n.read_log()
        finally:
            n.stop()


def test_transit_seal_token_is_renewed(server_a):
    """A short-lived renewable token outlives its TTL because the seal renews it."""
    c = server_a.client(server_a.root_token)
    tok = c.auth.token.create(policies=["autounseal"], no_parent=True, ttl="6s", explicit_max_ttl="1h")
    token = tok["auth"]["client_token"]
    with tempfile.TemporaryDirectory(prefix="arca-renew-") as tmp:
        n = Node(tmp)
        with_seal(n, transit_stanza(server_a, token))
        n.start()
        try:
            n.client().sys.initialize(recovery_shares=1, recovery_threshold=1)
            assert seal_status(n)["sealed"] is False
            time.sleep(10)
            info = server_a.client(token).lookup_token()["data"]
            assert info["ttl"] > 0
            n.stop()
            n.start()
            wait_for(lambda: seal_status(n)["sealed"] is False, "unseal with the renewed token")
        finally:
            n.stop()
