"""Leases over the HTTP API with hvac (`client.sys.*_lease*`): a token's lease is listed,
looked up and revoked (and refuses renewal through sys/leases, as Vault does); an unused
token with a 2 s TTL is revoked by the expiration worker; a leased kv secret is renewed
and revoked by prefix; tidy answers 202.
"""
import time

import hvac
import pytest


def token_leases(client):
    try:
        return client.sys.list_leases("auth/token/create/")["data"]["keys"]
    except hvac.exceptions.InvalidPath:
        return []


def new_token_lease(client, **kwargs):
    """Creates a token and returns (auth block, its lease id)."""
    before = set(token_leases(client))
    auth = client.auth.token.create(**kwargs)["auth"]
    new = [k for k in token_leases(client) if k not in before]
    assert len(new) == 1, new
    return auth, "auth/token/create/" + new[0]


def test_token_lease_lookup_renew_revoke(node, unsealed):
    client = unsealed
    auth, lease_id = new_token_lease(client, policies=["default"], ttl="1h")
    info = client.sys.read_lease(lease_id)["data"]
    assert info["id"] == lease_id
    assert 3590 < info["ttl"] <= 3600
    assert info["renewable"] is True
    assert info["expire_time"] and info["issue_time"]
    assert info["last_renewal"] is None

    with pytest.raises(hvac.exceptions.InvalidRequest, match="tokens cannot be renewed through this endpoint"):
        client.sys.renew_lease(lease_id)
    with pytest.raises(hvac.exceptions.InvalidRequest, match="lease not found"):
        client.sys.renew_lease("auth/token/create/nope")

    resp = client.sys.revoke_lease(lease_id)
    assert resp.status_code == 204
    with pytest.raises(hvac.exceptions.Forbidden):
        hvac.Client(url=node.addr, token=auth["client_token"]).auth.token.lookup_self()
    with pytest.raises(hvac.exceptions.InvalidRequest, match="invalid lease"):
        client.sys.read_lease(lease_id)
    # Listing leases needs sudo: a default-policy token is refused.
    other, _ = new_token_lease(client, policies=["default"], ttl="1h")
    with pytest.raises(hvac.exceptions.Forbidden):
        hvac.Client(url=node.addr, token=other["client_token"]).sys.list_leases("auth/token/create/")


def test_unused_token_is_revoked_by_the_worker(node, unsealed):
    client = unsealed
    auth, lease_id = new_token_lease(client, policies=["default"], ttl="2s")
    accessor = auth["accessor"]
    assert accessor in client.auth.token.list_accessors()["data"]["keys"]
    # Nobody uses the token: only the expiration worker can remove it.
    deadline = time.time() + 6
    while time.time() < deadline:
        if accessor not in client.auth.token.list_accessors()["data"]["keys"]:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the expired token was not revoked by the worker")
    assert lease_id.rsplit("/", 1)[1] not in token_leases(client)
    with pytest.raises(hvac.exceptions.InvalidRequest, match="invalid lease"):
        client.sys.read_lease(lease_id)


def test_leased_kv_secret_renew_and_revoke_prefix(node, unsealed):
    client = unsealed
    client.sys.enable_secrets_engine("kv", path="leased", options={"leased_passthrough": "true"})
    client.sys.tune_mount_configuration(path="leased", max_lease_ttl="30m")
    client.adapter.post("/v1/leased/db", json={"ttl": "1h", "password": "pw"})
    read = client.read("leased/db")
    lease_id = read["lease_id"]
    assert lease_id.startswith("leased/db/")
    assert read["lease_duration"] == 1800, "capped by the mount's max_lease_ttl"
    assert read["renewable"] is True
    assert read["data"]["password"] == "pw"

    renewed = client.sys.renew_lease(lease_id, increment=600)
    assert renewed["lease_id"] == lease_id
    assert renewed["lease_duration"] == 600
    assert renewed["renewable"] is True
    assert client.sys.read_lease(lease_id)["data"]["last_renewal"]

    assert client.sys.list_leases("leased/")["data"]["keys"] == ["db/"]
    assert client.sys.revoke_prefix("leased/").status_code == 204
    with pytest.raises(hvac.exceptions.InvalidRequest, match="invalid lease"):
        client.sys.read_lease(lease_id)

    second = client.read("leased/db")["lease_id"]
    assert client.sys.revoke_force("leased").status_code == 204
    with pytest.raises(hvac.exceptions.InvalidPath):
        client.sys.list_leases("leased/")
    with pytest.raises(hvac.exceptions.InvalidRequest):
        client.sys.read_lease(second)


def test_tidy_is_accepted(node, unsealed):
    resp = unsealed.adapter.put("/v1/sys/leases/tidy")
    assert resp.status_code == 202
    assert "Tidy operation successfully started" in resp.json()["warnings"][0]
