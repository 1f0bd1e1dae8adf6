"""templates/server-serviceaccount.yaml, server-discovery-role.yaml,
server-clusterrolebinding.yaml"""

from .chartlib import HA, find, render


def test_service_account():
    sa = find(render(*HA), "ServiceAccount", "vault")
    assert sa["metadata"]["namespace"] == "default"
    assert find(render(*HA), "Secret") is None


def test_service_account_name_annotations_and_token_secret():
    objs = render(
        *HA,
        "server.serviceAccount.name=arca-sa",
        "server.serviceAccount.annotations.role=x",
        "server.serviceAccount.createSecret=true",
    )
    sa = find(objs, "ServiceAccount", "arca-sa")
    assert sa["metadata"]["annotations"] == {"role": "x"}
    secret = find(objs, "Secret", "arca-sa-token")
    assert secret["type"] == "kubernetes.io/service-account-token"
    assert secret["metadata"]["annotations"]["kubernetes.io/service-account.name"] == "arca-sa"
    sts = find(objs, "StatefulSet", "vault")
    assert sts["spec"]["template"]["spec"]["serviceAccountName"] == "arca-sa"


def test_service_account_not_created():
    objs = render(*HA, "server.serviceAccount.create=false")
    assert find(objs, "ServiceAccount") is None
    # No account to bind, so no binding either (unless a name is given).
    assert find(objs, "ClusterRoleBinding") is None
    crb = find(render(*HA, "server.serviceAccount.create=false", "server.serviceAccount.name=existing"), "ClusterRoleBinding")
    assert crb["subjects"][0]["name"] == "existing"


def test_discovery_role_lets_pods_label_themselves():
    objs = render(*HA, namespace="secrets")
    role = find(objs, "Role", "vault-discovery-role")
    assert role["metadata"]["namespace"] == "secrets"
    assert role["rules"] == [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "update", "patch"]}]
    rb = find(objs, "RoleBinding", "vault-discovery-rolebinding")
    assert rb["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "vault-discovery-role"}
    assert rb["subjects"] == [{"kind": "ServiceAccount", "name": "vault", "namespace": "secrets"}]


def test_discovery_role_only_in_ha_and_switchable():
    assert find(render(), "Role") is None
    assert find(render(*HA, "server.serviceAccount.serviceDiscovery.enabled=false"), "Role") is None
    assert find(render(*HA, "server.serviceAccount.serviceDiscovery.enabled=false"), "RoleBinding") is None


def test_auth_delegator_binding():
    crb = find(render(*HA, namespace="secrets"), "ClusterRoleBinding", "vault-server-binding")
    assert crb["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "system:auth-delegator",
    }
    assert crb["subjects"] == [{"kind": "ServiceAccount", "name": "vault", "namespace": "secrets"}]
    assert "namespace" not in crb["metadata"]
    assert find(render(*HA, "server.authDelegator.enabled=false"), "ClusterRoleBinding") is None


def test_external_mode_keeps_account_and_binding_for_token_review():
    objs = render("global.externalVaultAddr=https://vault.example.com")
    assert find(objs, "ServiceAccount", "vault") is not None
    assert find(objs, "ClusterRoleBinding", "vault-server-binding") is not None
    assert find(objs, "Role") is None


def test_global_namespace_override():
    objs = render(*HA, "global.namespace=other")
    for o in objs:
        if o["kind"] != "ClusterRoleBinding":
            assert o["metadata"]["namespace"] == "other", o["kind"]
