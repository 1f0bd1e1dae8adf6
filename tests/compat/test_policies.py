"""ACL policies over the HTTP API with hvac: `sys/policies/acl`, the legacy
`sys/policy`, the capabilities endpoints, bad input, and persistence across a restart.

Only the root token exists until the token API lands, so enforcement for other tokens
is covered by the core's Rust tests (crates/core/src/access_flow_tests.rs).
"""
import json

import hvac
import pytest

DB_POLICY = 'path "secret/data/database/*" {\n  capabilities = ["read"]\n}\n'


def test_acl_policy_create_read_list_delete(unsealed):
    sys = unsealed.sys
    sys.create_or_update_acl_policy(name="db-policy", policy=DB_POLICY)
    assert sys.read_acl_policy("db-policy")["data"] == {"name": "db-policy", "policy": DB_POLICY}
    keys = sys.list_acl_policies()["data"]["keys"]
    assert {"db-policy", "default", "root"} <= set(keys)
    assert keys == sorted(k for k in keys if k != "root") + ["root"]

    sys.delete_acl_policy("db-policy")
    with pytest.raises(hvac.exceptions.InvalidPath):
        sys.read_acl_policy("db-policy")
    assert "db-policy" not in sys.list_acl_policies()["data"]["keys"]
    # Deleting a policy that does not exist is not an error, as in Vault.
    sys.delete_acl_policy("db-policy")


def test_legacy_policy_endpoints_and_json_policies(unsealed):
    sys = unsealed.sys
    document = {"path": {"secret/metadata/*": {"capabilities": ["list"]}}}
    # hvac sends a dict as a JSON document; names are case-insensitive.
    sys.create_or_update_policy(name="Legacy-JSON", policy=document)
    listed = sys.list_policies()["data"]
    assert "legacy-json" in listed["policies"]
    assert listed["keys"] == listed["policies"]
    read = sys.read_policy("LEGACY-json")["data"]
    assert read["name"] == "legacy-json"
    assert json.loads(read["rules"]) == document
    sys.delete_policy("legacy-json")
    assert "legacy-json" not in sys.list_policies()["data"]["policies"]


def test_builtin_policies_are_protected(unsealed):
    sys = unsealed.sys
    default = sys.read_acl_policy("default")["data"]["policy"]
    assert 'path "auth/token/lookup-self"' in default
    assert 'path "cubbyhole/*"' in default
    assert sys.read_policy("root")["data"] == {"name": "root", "rules": ""}
    with pytest.raises(hvac.exceptions.InvalidRequest, match="cannot delete default policy"):
        sys.delete_acl_policy("default")
    with pytest.raises(hvac.exceptions.InvalidRequest, match='cannot delete "root" policy'):
        sys.delete_policy("root")
    with pytest.raises(hvac.exceptions.InvalidRequest, match='cannot update "root" policy'):
        sys.create_or_update_acl_policy(name="root", policy=DB_POLICY)
    # The default policy may be edited.
    sys.create_or_update_acl_policy(name="default", policy=default + "\n# edited\n")
    assert sys.read_acl_policy("default")["data"]["policy"].endswith("# edited\n")
    sys.create_or_update_acl_policy(name="default", policy=default)


@pytest.mark.parametrize(
    "text, message",
    [
        ('path "a" {\n  capabilities = ["read"\n}\n', "line"),
        ('path "secret/*" {\n  capabilities = ["reed"]\n}\n', 'invalid capability "reed"'),
        ('path "secret/*/x" {\n  capabilities = ["read"]\n}\n', '"secret/*/x"'),
        ('path "a" {\n  capabilities = ["read"]\n  colour = "red"\n}\n', 'invalid key "colour" on line 3'),
    ],
)
def test_malformed_policies_are_refused_with_a_clear_message(unsealed, text, message):
    with pytest.raises(hvac.exceptions.InvalidRequest) as e:
        unsealed.sys.create_or_update_acl_policy(name="bad", policy=text)
    assert message in str(e.value)
    with pytest.raises(hvac.exceptions.InvalidPath):
        unsealed.sys.read_acl_policy("bad")


def test_capabilities_endpoints(unsealed, node):
    r = unsealed.sys.get_capabilities(paths=["secret/data/database/x"])
    assert r["data"]["capabilities"] == ["root"]
    assert r["data"]["secret/data/database/x"] == ["root"]
    r = unsealed.sys.get_capabilities(paths=["a", "b"], token=node.root_token)
    assert r["data"]["a"] == ["root"] and r["data"]["b"] == ["root"]
    assert "capabilities" not in r["data"]
    with pytest.raises(hvac.exceptions.InvalidRequest, match="invalid token"):
        unsealed.sys.get_capabilities(paths=["a"], token="hvs.not-a-token")
    with pytest.raises(hvac.exceptions.InvalidRequest, match="invalid accessor"):
        unsealed.sys.get_capabilities(paths=["a"], accessor="not-an-accessor")


def test_policies_survive_a_restart(unsealed, node):
    unsealed.sys.create_or_update_acl_policy(name="durable", policy=DB_POLICY)
    node.stop()
    node.start()
    client = node.client(node.root_token)
    client.sys.submit_unseal_keys(node.keys[:3])
    assert client.sys.read_acl_policy("durable")["data"]["policy"] == DB_POLICY
