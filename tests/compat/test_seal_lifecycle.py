"""init 5/3, unseal progress, seal, unseal again, and sys/health codes — via hvac."""
import requests


def health(node, **params):
    return requests.get(f"{node.addr}/v1/sys/health", params=params, timeout=5)


def test_uninitialised_health_is_501(node):
    r = health(node)
    assert r.status_code == 501
    assert r.json()["initialized"] is False
    assert health(node, uninitcode=299).status_code == 299
    assert node.client().sys.is_initialized() is False


def test_init_and_unseal_progress(node):
    client = node.client()
    result = client.sys.initialize(secret_shares=5, secret_threshold=3)
    assert len(result["keys"]) == 5 and len(result["keys_base64"]) == 5
    assert result["root_token"].startswith("hvs.")
    assert client.sys.is_initialized() is True
    assert client.sys.is_sealed() is True

    r = health(node)
    assert r.status_code == 503 and r.json()["sealed"] is True
    assert health(node, sealedcode=299).status_code == 299

    status = client.sys.submit_unseal_key(result["keys"][0])
    assert status["sealed"] is True and status["progress"] == 1 and status["t"] == 3 and status["n"] == 5
    status = client.sys.submit_unseal_key(result["keys_base64"][1])
    assert status["progress"] == 2
    status = client.sys.submit_unseal_key(result["keys"][2])
    assert status["sealed"] is False and status["progress"] == 0
    assert client.sys.is_sealed() is False

    r = health(node)
    assert r.status_code == 200 and r.json()["sealed"] is False
    assert health(node, activecode=299).status_code == 299
    assert health(node, standbyok="true", bogus="x").status_code == 200
    head = requests.head(f"{node.addr}/v1/sys/health", timeout=5)
    assert head.status_code == 200
    node.keys = result["keys"]
    node.root_token = result["root_token"]


def test_seal_and_unseal_again(node):
    client = node.client(node.root_token)
    client.sys.seal()
    assert client.sys.is_sealed() is True
    # A sealed node answers only status routes.
    r = requests.get(f"{node.addr}/v1/sys/mounts", headers={"X-Vault-Token": node.root_token}, timeout=5)
    assert r.status_code == 503 and r.json() == {"errors": ["Vault is sealed"]}
    r = requests.get(f"{node.addr}/v1/sys/leader", timeout=5)
    assert r.status_code == 503 and r.json() == {"errors": ["Vault is sealed"]}
    status = client.sys.submit_unseal_keys(node.keys[2:5])
    assert status["sealed"] is False
    assert "sys/" in client.sys.list_mounted_secrets_engines()["data"]


def test_unseal_reset(node):
    client = node.client(node.root_token)
    client.sys.seal()
    assert client.sys.submit_unseal_key(node.keys[0])["progress"] == 1
    assert client.sys.submit_unseal_key(reset=True)["progress"] == 0
    assert client.sys.submit_unseal_keys(node.keys[:3])["sealed"] is False


def test_cache_control_and_leader(node):
    r = requests.get(f"{node.addr}/v1/sys/leader", timeout=5)
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"
    body = r.json()
    assert body["is_self"] is True and body["ha_enabled"] is True
    assert body["raft_applied_index"] > 0
