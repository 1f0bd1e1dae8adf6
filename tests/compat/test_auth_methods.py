"""AppRole and userpass auth methods over the HTTP API with hvac: enabling them with
`sys/auth`, managing roles, secret IDs and users, logging in (without a token), the
seed's AppRole `k8s-vault-op`, and the failure texts Vault clients match on.
"""
import concurrent.futures

import hvac
import pytest
import requests

OP_POLICY = 'path "secret/data/k8s/*" {\n  capabilities = ["read"]\n}\n'


@pytest.fixture(scope="module")
def methods(unsealed):
    unsealed.sys.enable_auth_method("approle")
    unsealed.sys.enable_auth_method("userpass")
    unsealed.sys.create_or_update_acl_policy(name="vault-op", policy=OP_POLICY)
    return unsealed


def test_enabled_methods_are_listed(methods):
    listed = methods.sys.list_auth_methods()
    data = listed.get("data", listed)
    assert data["approle/"]["type"] == "approle"
    assert data["userpass/"]["type"] == "userpass"
    assert data["token/"]["type"] == "token"


def test_approle_seed_flow(methods, node):
    approle = methods.auth.approle
    approle.create_or_update_approle(
        "k8s-vault-op", token_policies=["vault-op"], token_ttl="1h", secret_id_ttl="24h"
    )
    role = approle.read_role("k8s-vault-op")["data"]
    assert role["token_policies"] == ["vault-op"]
    assert role["token_ttl"] == 3600
    assert role["secret_id_ttl"] == 86400
    assert role["bind_secret_id"] is True
    assert "k8s-vault-op" in approle.list_roles()["data"]["keys"]

    role_id = approle.read_role_id("k8s-vault-op")["data"]["role_id"]
    secret = approle.generate_secret_id("k8s-vault-op", metadata={"cluster": "prod"})["data"]
    assert secret["secret_id_ttl"] == 86400

    client = node.client()  # no token: login paths are unauthenticated
    auth = client.auth.approle.login(role_id=role_id, secret_id=secret["secret_id"])["auth"]
    assert auth["policies"] == ["default", "vault-op"]
    assert auth["token_policies"] == ["default", "vault-op"]
    assert auth["metadata"] == {"role_name": "k8s-vault-op", "cluster": "prod"}
    assert auth["lease_duration"] == 3600
    assert auth["renewable"] is True
    assert client.token == auth["client_token"]

    me = client.auth.token.lookup_self()["data"]
    assert me["policies"] == ["default", "vault-op"]
    assert me["meta"] == {"role_name": "k8s-vault-op", "cluster": "prod"}
    # The token is confined by the role's policy.
    methods.secrets.kv.v2.create_or_update_secret(path="k8s/app", secret={"k": "v"})
    read = client.secrets.kv.v2.read_secret_version(path="k8s/app", raise_on_deleted_version=True)
    assert read["data"]["data"] == {"k": "v"}
    with pytest.raises(hvac.exceptions.Forbidden):
        client.secrets.kv.v2.create_or_update_secret(path="k8s/app", secret={"k": "x"})


def test_secret_id_without_body_and_management(methods, node):
    approle = methods.auth.approle
    approle.create_or_update_approle("worker", token_policies=["vault-op"])
    # `vault write -f auth/approle/role/worker/secret-id` sends no body at all.
    resp = requests.post(
        f"{node.addr}/v1/auth/approle/role/worker/secret-id",
        headers={"X-Vault-Token": node.root_token},
    )
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    secret_id, accessor = data["secret_id"], data["secret_id_accessor"]

    assert approle.list_secret_id_accessors("worker")["data"]["keys"] == [accessor]
    info = approle.read_secret_id("worker", secret_id)["data"]
    assert info["secret_id_accessor"] == accessor
    assert info["secret_id_num_uses"] == 0
    assert approle.read_secret_id_accessor("worker", accessor)["data"] == info

    approle.destroy_secret_id_accessor("worker", accessor)
    role_id = approle.read_role_id("worker")["data"]["role_id"]
    with pytest.raises(hvac.exceptions.InvalidRequest, match="invalid role or secret ID"):
        node.client().auth.approle.login(role_id=role_id, secret_id=secret_id)

    custom = approle.create_custom_secret_id("worker", secret_id="pushed-secret")["data"]
    assert custom["secret_id"] == "pushed-secret"
    node.client().auth.approle.login(role_id=role_id, secret_id="pushed-secret")
    approle.destroy_secret_id("worker", "pushed-secret")
    approle.delete_role("worker")
    with pytest.raises(hvac.exceptions.InvalidPath):
        approle.read_role("worker")


def test_secret_id_over_its_use_count(methods, node):
    approle = methods.auth.approle
    approle.create_or_update_approle("once", token_policies=["vault-op"], secret_id_num_uses=1)
    role_id = approle.read_role_id("once")["data"]["role_id"]
    secret_id = approle.generate_secret_id("once")["data"]["secret_id"]
    node.client().auth.approle.login(role_id=role_id, secret_id=secret_id)
    with pytest.raises(hvac.exceptions.InvalidRequest, match="invalid role or secret ID"):
        node.client().auth.approle.login(role_id=role_id, secret_id=secret_id)


def test_approle_bad_input(methods, node):
    approle = methods.auth.approle
    client = node.client()
    with pytest.raises(hvac.exceptions.InvalidRequest, match="invalid role or secret ID"):
        client.auth.approle.login(role_id="no-such-role-id", secret_id="x")
    with pytest.raises(hvac.exceptions.InvalidRequest, match="at least one constraint"):
        approle.create_or_update_approle("loose", bind_secret_id=False)
    with pytest.raises(hvac.exceptions.InvalidRequest, match="invalid 'token_type' value"):
        methods.adapter.post("/v1/auth/approle/role/bad", json={"token_type": "weird"})
    with pytest.raises(hvac.exceptions.InvalidPath, match="does not exist"):
        approle.generate_secret_id("missing")


def test_userpass_users_and_login(methods, node):
    userpass = methods.auth.userpass
    userpass.create_or_update_user("Bob", password="s3cret-pw", policies=["vault-op"], token_ttl="30m")
    user = userpass.read_user("bob")["data"]
    assert user["token_policies"] == ["vault-op"]
    assert user["token_ttl"] == 1800
    assert "password" not in user
    assert "bob" in userpass.list_user()["data"]["keys"]

    client = node.client()
    auth = client.auth.userpass.login(username="bob", password="s3cret-pw")["auth"]
    assert auth["policies"] == ["default", "vault-op"]
    assert auth["metadata"] == {"username": "bob"}
    assert auth["lease_duration"] == 1800
    assert client.auth.token.lookup_self()["data"]["display_name"] == "userpass-bob"

    for name, password in [("bob", "wrong"), ("nobody", "s3cret-pw")]:
        with pytest.raises(hvac.exceptions.InvalidRequest, match="invalid username or password"):
            node.client().auth.userpass.login(username=name, password=password)

    userpass.update_password_on_user("bob", password="new-pw")
    with pytest.raises(hvac.exceptions.InvalidRequest):
        node.client().auth.userpass.login(username="bob", password="s3cret-pw")
    node.client().auth.userpass.login(username="bob", password="new-pw")

    userpass.delete_user("bob")
    with pytest.raises(hvac.exceptions.InvalidRequest, match="invalid username or password"):
        node.client().auth.userpass.login(username="bob", password="new-pw")


def test_failed_login_flood_keeps_the_server_responsive(methods, node):
    methods.auth.userpass.create_or_update_user("flood", password="right", policies=["vault-op"])

    def fail(i):
        try:
            node.client().auth.userpass.login(username="flood" if i % 2 else "ghost", password="wrong")
        except hvac.exceptions.InvalidRequest as e:
            return str(e)
        return "logged in?!"

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        results = pool.map(fail, range(100))
        # While password hashing is saturated, other requests are still served.
        for _ in range(5):
            health = requests.get(f"{node.addr}/v1/sys/health", timeout=10)
            assert health.status_code == 200
            assert "vault-op" in methods.sys.read_acl_policy("vault-op")["data"]["name"]
        assert all("invalid username or password" in r for r in results)
    node.client().auth.userpass.login(username="flood", password="right")
