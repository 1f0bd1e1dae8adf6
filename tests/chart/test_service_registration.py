"""Service registration end to end in the chart: the pieces the server needs to label its
pod (stanza, pod name and namespace, a service account allowed to get and patch pods)
and the Services that select on those labels, checked against the label names the
server writes (crates/service-registration/src/labels.rs)."""

import re

from .chartlib import HA, ROOT, config_text, container, env_of, find, render

LABELS_RS = ROOT / "crates" / "service-registration" / "src" / "labels.rs"


def server_label(const):
    """The label name behind a constant of labels.rs (e.g. LABEL_ACTIVE)."""
    m = re.search(rf'pub const {const}: &str = "([^"]+)";', LABELS_RS.read_text())
    assert m, f"{const} not found in {LABELS_RS}"
    return m.group(1)


def test_server_writes_the_labels_vault_writes():
    assert [server_label(c) for c in ("LABEL_ACTIVE", "LABEL_SEALED", "LABEL_INITIALIZED",
                                      "LABEL_PERF_STANDBY", "LABEL_VERSION")] == [
        "vault-active", "vault-sealed", "vault-initialized", "vault-perf-standby", "vault-version"]


def test_ha_pods_can_label_themselves():
    objs = render(*HA, namespace="secrets")
    assert 'service_registration "kubernetes" {}' in config_text(objs)
    env = env_of(container(objs))
    assert env["VAULT_K8S_POD_NAME"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert env["VAULT_K8S_NAMESPACE"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
    pod_spec = find(objs, "StatefulSet", "vault")["spec"]["template"]["spec"]
    # The service account token is mounted (the client's in-cluster credentials).
    assert pod_spec.get("automountServiceAccountToken", True) is True
    account = pod_spec["serviceAccountName"]
    role = find(objs, "Role", "vault-discovery-role")
    (rule,) = role["rules"]
    assert rule["apiGroups"] == [""] and rule["resources"] == ["pods"]
    assert {"get", "patch"} <= set(rule["verbs"])
    binding = find(objs, "RoleBinding", "vault-discovery-rolebinding")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": account, "namespace": "secrets"}]
    assert role["metadata"]["namespace"] == binding["metadata"]["namespace"] == "secrets"


def test_active_and_standby_services_select_the_server_label():
    objs = render(*HA, "ui.enabled=true", "ui.activeVaultPodOnly=true")
    active = server_label("LABEL_ACTIVE")
    assert find(objs, "Service", "vault-active")["spec"]["selector"][active] == "true"
    assert find(objs, "Service", "vault-standby")["spec"]["selector"][active] == "false"
    assert find(objs, "Service", "vault-ui")["spec"]["selector"][active] == "true"
    # The main and internal Services reach every pod, labelled or not.
    for name in ("vault", "vault-internal"):
        assert active not in find(objs, "Service", name)["spec"]["selector"]


def test_no_registration_outside_ha():
    # Standalone: one node, nothing to select between. Dev mode has no config file.
    assert "service_registration" not in config_text(render())
    for sets in ((), ("server.dev.enabled=true",)):
        objs = render(*sets)
        assert find(objs, "Role") is None
        assert find(objs, "Service", "vault-active") is None
