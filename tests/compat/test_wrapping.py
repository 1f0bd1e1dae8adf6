"""Response wrapping over the HTTP API with hvac: `wrap_ttl` on token creation and reads
(the X-Vault-Wrap-TTL header), unwrapping once (as the client token, in the body, and
through `auth_cubbyhole`), `sys/wrapping/lookup`, `rewrap` and `wrap`, policy
min/max_wrapping_ttl, wrapping token expiry, and the header's bad values.
"""
import time

import hvac
import pytest
import requests

INVALID = "wrapping token is not valid or does not exist"

AUTOUNSEAL = """
path "transit/encrypt/autounseal" {
  capabilities = ["update"]
}
"""

BOUNDED = """
path "secret/data/bounded" {
  capabilities = ["read"]
  min_wrapping_ttl = "1m"
  max_wrapping_ttl = "1h"
}
"""


@pytest.fixture(scope="module")
def client(unsealed):
    unsealed.sys.create_or_update_acl_policy(name="autounseal", policy=AUTOUNSEAL)
    unsealed.sys.create_or_update_acl_policy(name="bounded", policy=BOUNDED)
    unsealed.secrets.kv.v2.create_or_update_secret(path="bounded", secret={"k": "v"})
    unsealed.secrets.kv.v2.create_or_update_secret(path="app", secret={"user": "db", "n": 3})
    return unsealed


def lookup(node, token):
    """sys/wrapping/lookup needs no client token."""
    return node.client().adapter.post("/v1/sys/wrapping/lookup", json={"token": token})


def test_wrapped_token_unwraps_once(node, client):
    # The seed's flow: vault token create -orphan -policy=autounseal -wrap-ttl=120 -period=24h
    wrapped = client.auth.token.create(
        policies=["autounseal"], no_parent=True, period="24h", wrap_ttl="120"
    )
    assert wrapped["auth"] is None and wrapped["data"] is None
    info = wrapped["wrap_info"]
    assert info["ttl"] == 120
    assert info["creation_path"] == "auth/token/create"
    assert info["token"].startswith("hvs.")
    assert info["creation_time"].endswith("Z")
    assert info["accessor"] and info["wrapped_accessor"]

    wrapping = node.client(token=info["token"])
    unwrapped = wrapping.sys.unwrap()
    auth = unwrapped["auth"]
    assert auth["accessor"] == info["wrapped_accessor"]
    assert auth["policies"] == ["autounseal", "default"]
    assert auth["orphan"] is True
    assert auth["lease_duration"] == 86400
    token = node.client(token=auth["client_token"])
    assert token.auth.token.lookup_self()["data"]["period"] == 86400

    with pytest.raises(hvac.exceptions.InvalidRequest) as e:
        wrapping.sys.unwrap()
    assert INVALID in str(e.value)
    with pytest.raises(hvac.exceptions.InvalidRequest) as e:
        client.sys.unwrap(token=info["token"])
    assert INVALID in str(e.value)


def test_auth_cubbyhole_logs_in_with_a_wrapped_token(node, client):
    info = client.auth.token.create(policies=["default"], wrap_ttl="1m")["wrap_info"]
    c = node.client()
    c.auth_cubbyhole(info["token"])
    assert c.token != info["token"]
    assert c.auth.token.lookup_self()["data"]["accessor"] == info["wrapped_accessor"]


def test_wrapped_read_lookup_and_rewrap(node, client):
    info = client.read("secret/data/app", wrap_ttl="5m")["wrap_info"]
    assert info["ttl"] == 300 and info["creation_path"] == "secret/data/app"
    assert "wrapped_accessor" not in info

    for _ in range(2):  # lookup does not use the token
        looked = lookup(node, info["token"])["data"]
        assert looked == {
            "creation_ttl": 300,
            "creation_time": info["creation_time"],
            "creation_path": "secret/data/app",
        }

    rewrapped = client.adapter.post("/v1/sys/wrapping/rewrap", json={"token": info["token"]})
    new = rewrapped["wrap_info"]
    assert new["token"] != info["token"]
    assert new["ttl"] == 300 and new["creation_path"] == "secret/data/app"
    with pytest.raises(hvac.exceptions.InvalidRequest):
        lookup(node, info["token"])

    data = client.sys.unwrap(token=new["token"])["data"]
    assert data["data"] == {"user": "db", "n": 3}
    assert data["metadata"]["version"] == 1


def test_sys_wrapping_wrap(node, client):
    user = node.client(token=client.auth.token.create(policies=["default"])["auth"]["client_token"])
    info = user.sys.wrap(payload={"password": "hunter2"}, ttl=90)["wrap_info"]
    assert info["ttl"] == 90 and info["creation_path"] == "sys/wrapping/wrap"
    assert user.sys.unwrap(token=info["token"])["data"] == {"password": "hunter2"}
    # Without the header the endpoint refuses, as Vault does.
    r = requests.post(
        f"{node.addr}/v1/sys/wrapping/wrap",
        headers={"X-Vault-Token": user.token},
        json={"a": 1},
    )
    assert r.status_code == 400
    assert r.json() == {"errors": ["endpoint requires response wrapping to be used"]}


def test_policy_wrapping_ttl_bounds(node, client):
    t = node.client(token=client.auth.token.create(policies=["bounded"])["auth"]["client_token"])
    for ttl in ("30s", "2h"):
        with pytest.raises(hvac.exceptions.Forbidden):
            t.read("secret/data/bounded", wrap_ttl=ttl)
    with pytest.raises(hvac.exceptions.Forbidden):
        t.read("secret/data/bounded")
    info = t.read("secret/data/bounded", wrap_ttl="10m")["wrap_info"]
    assert info["ttl"] == 600
    assert t.sys.unwrap(token=info["token"])["data"]["data"] == {"k": "v"}


def test_wrapping_token_expires(node, client):
    info = client.sys.wrap(payload={"a": 1}, ttl=2)["wrap_info"]
    time.sleep(3)
    with pytest.raises(hvac.exceptions.InvalidRequest) as e:
        client.sys.unwrap(token=info["token"])
    assert INVALID in str(e.value)


def test_bad_wrap_ttl_header(node, client):
    for bad in ("soon", "-5", "10x"):
        r = requests.get(
            f"{node.addr}/v1/secret/data/app",
            headers={"X-Vault-Token": client.token, "X-Vault-Wrap-TTL": bad},
        )
        assert r.status_code == 400, bad
        assert r.json()["errors"][0].startswith("error parsing X-Vault-Wrap-TTL header")
    # Nothing was lost: the secret still reads normally.
    assert client.secrets.kv.v2.read_secret_version(path="app", raise_on_deleted_version=True)["data"]["data"]["user"] == "db"


def test_approle_secret_id_and_login_wrapped(node, client):
    client.sys.enable_auth_method("approle")
    client.auth.approle.create_or_update_approle("op", token_policies=["default"])
    role_id = client.auth.approle.read_role_id("op")["data"]["role_id"]
    info = client.auth.approle.generate_secret_id("op", wrap_ttl="2m")["wrap_info"]
    assert info["creation_path"] == "auth/approle/role/op/secret-id"
    secret = client.sys.unwrap(token=info["token"])["data"]
    assert secret["secret_id_accessor"] == info["wrapped_accessor"]

    # A login answers with a wrapped token: the login request had no token at all.
    login = node.client().adapter.post(
        "/v1/auth/approle/login",
        json={"role_id": role_id, "secret_id": secret["secret_id"]},
        wrap_ttl="1m",
    )["wrap_info"]
    assert login["creation_path"] == "auth/approle/login"
    auth = node.client(token=login["token"]).sys.unwrap()["auth"]
    assert auth["accessor"] == login["wrapped_accessor"]
    assert auth["policies"] == ["default"]
    assert node.client(token=auth["client_token"]).auth.token.lookup_self()["data"]["path"] == "auth/approle/login"
