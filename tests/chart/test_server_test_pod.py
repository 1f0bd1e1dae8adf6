"""templates/tests/server-test.yaml (`helm test`)"""

from .chartlib import HA, find, render


def helm_test_pod(objs):
    pod = find(objs, "Pod", "vault-server-test")
    assert pod is not None
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    return pod


def test_pod_runs_vault_status_against_the_service():
    pod = helm_test_pod(render(*HA, namespace="secrets"))
    c = pod["spec"]["containers"][0]
    assert pod["spec"]["restartPolicy"] == "Never"
    assert c["image"] == "arca:0.1.0"
    env = {e["name"]: e["value"] for e in c["env"]}
    assert env["VAULT_ADDR"] == "http://vault.secrets.svc:8200"
    script = c["command"][-1]
    assert "vault status" in script
    # 2 (sealed) counts as an answer: right after install every node is sealed.
    assert '"$code" -eq 2' in script


def test_pod_in_every_server_mode():
    for sets in [(), ("server.dev.enabled=true",), HA]:
        helm_test_pod(render(*sets))


def test_pod_checks_external_address():
    pod = helm_test_pod(render("global.externalVaultAddr=https://vault.example.com:8200"))
    env = {e["name"]: e["value"] for e in pod["spec"]["containers"][0]["env"]}
    assert env["VAULT_ADDR"] == "https://vault.example.com:8200"


def test_no_pod_without_anything_to_test():
    assert find(render("server.enabled=false"), "Pod") is None
