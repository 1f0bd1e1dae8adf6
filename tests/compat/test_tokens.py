"""The token store and auth methods over the HTTP API with hvac: create, lookup, renew
and revoke through `client.auth.token.*`, parent revocation, TTL expiry, use limits,
batch tokens, roles, `sys/auth`, and a token in the URL query never authenticating.
"""
import time

import hvac
import pytest
import requests

DEV_POLICY = """
path "secret/data/dev/*" {
  capabilities = ["create", "read", "update"]
}
path "auth/token/create" {
  capabilities = ["update"]
}
"""


@pytest.fixture(scope="module")
def client(unsealed):
    unsealed.sys.create_or_update_acl_policy(name="dev", policy=DEV_POLICY)
    unsealed.secrets.kv.v2.create_or_update_secret(path="dev/app", secret={"k": "v"})
    return unsealed


def as_token(node, token):
    return hvac.Client(url=node.addr, token=token)


def wait_until_forbidden(c, deadline_s=8.0):
    """Polls lookup-self until the token is refused; returns the seconds it took."""
    start = time.time()
    while time.time() - start < deadline_s:
        try:
            c.auth.token.lookup_self()
        except hvac.exceptions.Forbidden:
            return time.time() - start
        time.sleep(0.2)
    raise AssertionError("token did not expire")


def test_create_lookup_renew_revoke(node, client):
    created = client.auth.token.create(policies=["dev"], ttl="1h", meta={"team": "a"})
    auth = created["auth"]
    token = auth["client_token"]
    assert token.startswith("hvs.") and len(token) == 95
    assert auth["policies"] == ["default", "dev"]
    assert auth["token_policies"] == ["default", "dev"]
    assert auth["lease_duration"] == 3600
    assert auth["renewable"] is True
    assert auth["orphan"] is False
    assert auth["token_type"] == "service"
    assert auth["metadata"] == {"team": "a"}
    assert "identity_policies" not in auth

    info = client.auth.token.lookup(token)["data"]
    assert info["id"] == token
    assert info["accessor"] == auth["accessor"]
    assert info["display_name"] == "token-token"  # hvac's default display_name
    assert info["creation_ttl"] == 3600
    assert 3590 <= info["ttl"] <= 3600
    assert info["meta"] == {"team": "a"}
    assert info["type"] == "service"
    assert info["path"] == "auth/token/create"
    assert info["expire_time"].endswith("Z")

    by_accessor = client.auth.token.lookup_accessor(auth["accessor"])["data"]
    assert by_accessor["id"] == ""
    user = as_token(node, token)
    assert user.auth.token.lookup_self()["data"]["policies"] == ["default", "dev"]
    assert user.secrets.kv.v2.read_secret_version(path="dev/app", raise_on_deleted_version=True)["data"]["data"] == {"k": "v"}

    renewed = client.auth.token.renew(token, increment="2h")["auth"]
    assert renewed["client_token"] == token
    assert renewed["lease_duration"] == 7200
    assert user.auth.token.renew_self()["auth"]["lease_duration"] == 7200

    client.auth.token.revoke(token)
    with pytest.raises(hvac.exceptions.Forbidden):
        user.auth.token.lookup_self()
    with pytest.raises(hvac.exceptions.Forbidden):
        client.auth.token.lookup(token)


def test_parent_revocation_revokes_children(node, client):
    parent = client.auth.token.create(policies=["dev"])["auth"]["client_token"]
    p = as_token(node, parent)
    child = p.auth.token.create()["auth"]["client_token"]
    grandchild = as_token(node, child).auth.token.create()["auth"]["client_token"]
    orphan_parent = p.auth.token.create()["auth"]["client_token"]
    kept = as_token(node, orphan_parent).auth.token.create()["auth"]["client_token"]

    # revoke-orphan keeps the child, now an orphan.
    client.auth.token.revoke_and_orphan_children(orphan_parent)
    assert client.auth.token.lookup(kept)["data"]["orphan"] is True

    client.auth.token.revoke(parent)
    for t in (parent, child, grandchild):
        with pytest.raises(hvac.exceptions.Forbidden):
            as_token(node, t).auth.token.lookup_self()
    as_token(node, kept).auth.token.lookup_self()

    # Policies beyond the parent's are refused.
    with pytest.raises(hvac.exceptions.InvalidRequest, match="child policies must be subset of parent"):
        as_token(node, kept).auth.token.create(policies=["admin"])


def test_token_expires_after_its_ttl(node, client):
    token = client.auth.token.create(policies=["dev"], ttl="2s")["auth"]["client_token"]
    user = as_token(node, token)
    assert user.auth.token.lookup_self()["data"]["creation_ttl"] == 2
    took = wait_until_forbidden(user)
    assert took < 4
    with pytest.raises(hvac.exceptions.Forbidden):
        user.secrets.kv.v2.read_secret_version(path="dev/app", raise_on_deleted_version=True)


def test_use_limit_and_batch_tokens(node, client):
    token = client.auth.token.create(policies=["dev"], num_uses=2)["auth"]["client_token"]
    user = as_token(node, token)
    assert user.auth.token.lookup_self()["data"]["num_uses"] == 1
    user.secrets.kv.v2.read_secret_version(path="dev/app", raise_on_deleted_version=True)
    with pytest.raises(hvac.exceptions.Forbidden):
        user.auth.token.lookup_self()

    batch = client.auth.token.create(policies=["dev"], type="batch", ttl="10m")["auth"]
    assert batch["client_token"].startswith("hvb.")
    assert batch["accessor"] == ""
    assert batch["renewable"] is False
    b = as_token(node, batch["client_token"])
    assert b.auth.token.lookup_self()["data"]["type"] == "batch"
    assert b.secrets.kv.v2.read_secret_version(path="dev/app", raise_on_deleted_version=True)["data"]["data"] == {"k": "v"}
    with pytest.raises(hvac.exceptions.InvalidRequest, match="batch tokens cannot create more tokens"):
        b.auth.token.create()
    with pytest.raises(hvac.exceptions.InvalidRequest, match="batch tokens cannot be revoked"):
        client.auth.token.revoke(batch["client_token"])


def test_roles(node, client):
    client.auth.token.create_or_update_role(
        "app", allowed_policies=["app-a", "app-b"], orphan=True, token_period="1h"
    )
    role = client.auth.token.read_role("app")["data"]
    assert role["allowed_policies"] == ["app-a", "app-b"]
    assert role["orphan"] is True
    assert role["token_period"] == 3600
    assert "app" in client.auth.token.list_roles()["data"]["keys"]
    auth = client.auth.token.create(role_name="app", policies=["app-a"])["auth"]
    assert auth["policies"] == ["app-a", "default"]
    assert auth["orphan"] is True
    assert auth["lease_duration"] == 3600
    with pytest.raises(hvac.exceptions.InvalidRequest, match="allowed policies"):
        client.auth.token.create(role_name="app", policies=["other"])
    client.auth.token.delete_role("app")
    with pytest.raises(hvac.exceptions.InvalidPath):
        client.auth.token.read_role("app")


def test_token_in_url_query_is_ignored(node, client):
    root = node.root_token
    r = requests.get(f"{node.addr}/v1/secret/data/dev/app?token={root}")
    assert r.status_code == 403
    r = requests.get(f"{node.addr}/v1/auth/token/lookup-self?token={root}")
    assert r.status_code == 403
    # With the header, the query parameter is just data and changes nothing.
    r = requests.get(
        f"{node.addr}/v1/auth/token/lookup-self?token=bogus",
        headers={"X-Vault-Token": root},
    )
    assert r.status_code == 200 and r.json()["data"]["id"] == root


def test_revoked_or_unknown_token_is_forbidden(node, client):
    for bad in ("hvs.doesnotexist", "s.legacy", "hvb.AAAA", ""):
        r = requests.get(f"{node.addr}/v1/sys/mounts", headers={"X-Vault-Token": bad})
        assert r.status_code == 403, bad
        assert r.json()["errors"] == ["permission denied"]


def test_sys_auth_enable_list_tune_disable(node, client):
    methods = client.sys.list_auth_methods()
    assert methods["data"]["token/"]["type"] == "token"
    assert methods["token/"]["accessor"].startswith("auth_token_")
    assert methods["data"]["token/"]["config"]["token_type"] == "default-service"

    client.sys.enable_auth_method("userpass", path="people", description="humans")
    listed = client.sys.list_auth_methods()["data"]
    assert listed["people/"]["type"] == "userpass"
    assert listed["people/"]["description"] == "humans"
    assert listed["people/"]["accessor"].startswith("auth_userpass_")
    with pytest.raises(hvac.exceptions.InvalidRequest, match="path is already in use"):
        client.sys.enable_auth_method("userpass", path="people")

    client.sys.tune_auth_method("people", default_lease_ttl="1m", max_lease_ttl="1h")
    tuning = client.sys.read_auth_method_tuning("people")["data"]
    assert tuning["default_lease_ttl"] == 60
    assert tuning["max_lease_ttl"] == 3600
    assert tuning["token_type"] == "default-service"

    # A login through the method gets a token under the tuned TTL.
    client.write("auth/people/users/alice", password="s3cret-pw", token_policies="dev")
    login = requests.post(
        f"{node.addr}/v1/auth/people/login/alice", json={"password": "s3cret-pw"}
    ).json()["auth"]
    assert login["lease_duration"] == 60
    assert login["policies"] == ["default", "dev"]
    assert login["orphan"] is True
    info = client.auth.token.lookup(login["client_token"])["data"]
    assert info["display_name"] == "people-alice"
    assert info["path"] == "auth/people/login/alice"

    client.sys.disable_auth_method("people")
    assert "people/" not in client.sys.list_auth_methods()["data"]
    with pytest.raises(hvac.exceptions.Forbidden):
        client.auth.token.lookup(login["client_token"])
    with pytest.raises(hvac.exceptions.InvalidRequest, match="cannot be disabled"):
        client.sys.disable_auth_method("token")


DB_POLICY = 'path "secret/data/database/*" {\n  capabilities = ["read"]\n}\n'


def test_db_policy_token_reads_only_its_path(node, client):
    client.sys.create_or_update_acl_policy(name="db-policy", policy=DB_POLICY)
    client.secrets.kv.v2.create_or_update_secret(
        path="database/secret", secret={"username": "u", "password": "p"}
    )
    token = client.auth.token.create(policies=["db-policy"])["auth"]["client_token"]
    db = as_token(node, token)
    read = db.secrets.kv.v2.read_secret_version(path="database/secret", raise_on_deleted_version=True)
    assert read["data"]["data"] == {"username": "u", "password": "p"}
    with pytest.raises(hvac.exceptions.Forbidden):
        db.secrets.kv.v2.create_or_update_secret(path="database/secret", secret={"x": "y"})
    with pytest.raises(hvac.exceptions.Forbidden):
        db.secrets.kv.v2.read_secret_version(path="dev/app", raise_on_deleted_version=True)


def test_tokens_survive_a_restart(node, client):
    token = client.auth.token.create(policies=["dev"], ttl="1h")["auth"]["client_token"]
    child = as_token(node, token).auth.token.create()["auth"]["client_token"]
    node.stop()
    node.start()
    node.client().sys.submit_unseal_keys(node.keys[:3])
    assert as_token(node, token).auth.token.lookup_self()["data"]["policies"] == ["default", "dev"]
    client.auth.token.revoke(token)
    with pytest.raises(hvac.exceptions.Forbidden):
        as_token(node, child).auth.token.lookup_self()
