"""templates/server-statefulset.yaml"""

from .chartlib import HA, container, env_of, find, render


def test_ha_statefulset_shape():
    sts = find(render(*HA), "StatefulSet", "vault")
    spec = sts["spec"]
    assert spec["replicas"] == 3
    assert spec["serviceName"] == "vault-internal"
    assert spec["podManagementPolicy"] == "Parallel"
    assert spec["updateStrategy"] == {"type": "OnDelete"}
    assert spec["selector"]["matchLabels"] == {
        "app.kubernetes.io/name": "vault",
        "app.kubernetes.io/instance": "vault",
        "component": "server",
    }
    labels = spec["template"]["metadata"]["labels"]
    for k, v in spec["selector"]["matchLabels"].items():
        assert labels[k] == v
    assert [t["metadata"]["name"] for t in spec["volumeClaimTemplates"]] == ["data"]


def test_replicas_follow_values():
    sts = find(render(*HA, "server.ha.replicas=5"), "StatefulSet", "vault")
    assert sts["spec"]["replicas"] == 5


def test_release_name_not_containing_vault_is_prefixed():
    objs = render(*HA, release="prod")
    sts = find(objs, "StatefulSet", "prod-vault")
    assert sts["spec"]["serviceName"] == "prod-vault-internal"


def test_fullname_override():
    sts = find(render(*HA, "fullnameOverride=secrets"), "StatefulSet", "secrets")
    assert sts["spec"]["serviceName"] == "secrets-internal"


def test_ports_8200_and_8201():
    ports = {p["name"]: p["containerPort"] for p in container(render(*HA))["ports"]}
    assert ports == {"http": 8200, "https-internal": 8201}
    tls = {p["name"]: p["containerPort"] for p in container(render(*HA, "global.tlsDisable=false"))["ports"]}
    assert tls == {"https": 8200, "https-internal": 8201}


def test_raft_environment():
    env = env_of(container(render(*HA)))
    assert env["VAULT_RAFT_NODE_ID"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert env["HOSTNAME"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert env["VAULT_CLUSTER_ADDR"] == "https://$(HOSTNAME).vault-internal:8201"
    assert env["VAULT_API_ADDR"] == "http://$(POD_IP):8200"
    assert env["VAULT_ADDR"] == "http://127.0.0.1:8200"
    assert env["VAULT_K8S_POD_NAME"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert env["VAULT_K8S_NAMESPACE"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
    assert env["SKIP_CHOWN"] == "true" and env["SKIP_SETCAP"] == "true"


def test_hostname_defined_before_cluster_addr_uses_it():
    # Kubernetes expands $(VAR) only for variables defined earlier in the list.
    names = [e["name"] for e in container(render(*HA))["env"]]
    assert names.index("HOSTNAME") < names.index("VAULT_CLUSTER_ADDR")
    assert names.index("POD_IP") < names.index("VAULT_API_ADDR")


def test_set_node_id_false_leaves_node_id_to_config():
    env = env_of(container(render(*HA, "server.ha.raft.setNodeId=false")))
    assert "VAULT_RAFT_NODE_ID" not in env


def test_api_and_cluster_addr_overrides():
    env = env_of(
        container(
            render(
                *HA,
                "server.ha.apiAddr=https://vault.example.com:8200",
                "server.ha.clusterAddr=https://$(HOSTNAME).example:8201",
            )
        )
    )
    assert env["VAULT_API_ADDR"] == "https://vault.example.com:8200"
    assert env["VAULT_CLUSTER_ADDR"] == "https://$(HOSTNAME).example:8201"


def test_tls_changes_schemes():
    objs = render(*HA, "global.tlsDisable=false")
    c = container(objs)
    env = env_of(c)
    assert env["VAULT_ADDR"] == "https://127.0.0.1:8200"
    assert env["VAULT_API_ADDR"] == "https://$(POD_IP):8200"
    assert c["livenessProbe"]["httpGet"]["scheme"] == "HTTPS"


def test_server_args_and_config_mount():
    c = container(render(*HA))
    assert c["args"] == ["vault", "server", "-config=/vault/config/extraconfig-from-values.hcl"]
    assert "command" not in c  # the image's entrypoint runs the args
    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
    assert mounts["data"] == "/vault/data"
    assert mounts["config"] == "/vault/config"
    assert "audit" not in mounts


def test_extra_args_are_appended():
    c = container(render(*HA, "server.extraArgs=-log-level=debug  -log-format=json"))
    assert c["args"][-2:] == ["-log-level=debug", "-log-format=json"]


def test_readiness_probe_runs_vault_status():
    probe = container(render(*HA))["readinessProbe"]
    assert probe["exec"]["command"] == ["vault", "status", "-tls-skip-verify"]
    assert probe["periodSeconds"] == 5 and probe["failureThreshold"] == 2


def test_readiness_probe_http_path_and_off():
    probe = container(render(*HA, "server.readinessProbe.path=/v1/sys/health?standbyok=true"))["readinessProbe"]
    assert probe["httpGet"]["path"] == "/v1/sys/health?standbyok=true"
    assert "exec" not in probe
    assert "readinessProbe" not in container(render(*HA, "server.readinessProbe.enabled=false"))


def test_liveness_probe_tolerates_sealed_and_uninitialised():
    probe = container(render(*HA))["livenessProbe"]
    assert probe["httpGet"] == {
        "path": "/v1/sys/health?standbyok=true&sealedcode=204&uninitcode=204",
        "port": 8200,
        "scheme": "HTTP",
    }
    assert "livenessProbe" not in container(render(*HA, "server.livenessProbe.enabled=false"))


def test_liveness_exec_command():
    probe = container(
        render(*HA, values={"server.livenessProbe.execCommand": ["vault", "status"]})
    )["livenessProbe"]
    assert probe["exec"]["command"] == ["vault", "status"]
    assert "httpGet" not in probe


def test_audit_storage_adds_claim_and_mount():
    objs = render(*HA, "server.auditStorage.enabled=true", "server.auditStorage.storageClass=fast")
    sts = find(objs, "StatefulSet", "vault")
    claims = {t["metadata"]["name"]: t["spec"] for t in sts["spec"]["volumeClaimTemplates"]}
    assert set(claims) == {"data", "audit"}
    assert claims["audit"]["storageClassName"] == "fast"
    assert "storageClassName" not in claims["data"]
    mounts = {m["name"]: m["mountPath"] for m in container(objs)["volumeMounts"]}
    assert mounts["audit"] == "/vault/audit"


def test_data_storage_size_and_disabled():
    sts = find(render(*HA, "server.dataStorage.size=1Gi"), "StatefulSet", "vault")
    assert sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "1Gi"
    sts = find(render(*HA, "server.dataStorage.enabled=false"), "StatefulSet", "vault")
    assert "volumeClaimTemplates" not in sts["spec"]
    vols = {v["name"]: v for v in sts["spec"]["template"]["spec"]["volumes"]}
    assert vols["data"] == {"name": "data", "emptyDir": {}}


def test_extra_environment_and_secret_vars():
    c = container(
        render(
            *HA,
            values={
                "server.extraEnvironmentVars": {"GOOGLE_REGION": "global", "PORT": 5},
                "server.extraSecretEnvironmentVars": [
                    {"envName": "AWS_SECRET_ACCESS_KEY", "secretName": "aws", "secretKey": "key"}
                ],
            },
        )
    )
    env = env_of(c)
    assert env["GOOGLE_REGION"] == "global"
    assert env["PORT"] == "5"
    assert env["AWS_SECRET_ACCESS_KEY"] == {"secretKeyRef": {"name": "aws", "key": "key"}}


def test_resources_image_and_security_context():
    objs = render(
        *HA,
        "server.image.repository=registry.local/arca",
        "server.image.tag=1.2.3",
        "server.resources.requests.cpu=250m",
    )
    c = container(objs)
    assert c["image"] == "registry.local/arca:1.2.3"
    assert c["resources"] == {"requests": {"cpu": "250m"}}
    assert c["securityContext"]["allowPrivilegeEscalation"] is False
    pod = find(objs, "StatefulSet", "vault")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["serviceAccountName"] == "vault"
    assert container(render(*HA))["image"] == "arca:0.1.0"  # appVersion by default


def test_anti_affinity_by_default_and_removable():
    pod = find(render(*HA), "StatefulSet", "vault")["spec"]["template"]["spec"]
    term = pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert term["labelSelector"]["matchLabels"]["app.kubernetes.io/instance"] == "vault"
    assert term["topologyKey"] == "kubernetes.io/hostname"
    pod = find(render(*HA, "server.affinity="), "StatefulSet", "vault")["spec"]["template"]["spec"]
    assert "affinity" not in pod


def test_config_checksum_annotation_changes_with_config():
    def checksum(*sets):
        sts = find(render(*HA, "server.includeConfigAnnotation=true", *sets), "StatefulSet", "vault")
        return sts["spec"]["template"]["metadata"]["annotations"]["vaultproject.io/config-checksum"]

    assert checksum() != checksum("server.ha.replicas=5")
    sts = find(render(*HA), "StatefulSet", "vault")
    assert "annotations" not in sts["spec"]["template"]["metadata"]


def test_pre_stop_sleep():
    c = container(render(*HA))
    assert c["lifecycle"]["preStop"]["exec"]["command"] == ["/bin/sh", "-c", "sleep 5"]
    assert "lifecycle" not in container(render(*HA, "server.preStopSleepSeconds=0"))


def test_standalone_is_one_raft_node():
    objs = render()
    sts = find(objs, "StatefulSet", "vault")
    assert sts["spec"]["replicas"] == 1
    assert sts["spec"]["serviceName"] == "vault-internal"
    env = env_of(container(objs))
    assert env["VAULT_RAFT_NODE_ID"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert env["VAULT_CLUSTER_ADDR"] == "https://$(HOSTNAME).vault-internal:8201"


def test_dev_mode_runs_dev_server_without_storage():
    objs = render("server.dev.enabled=true", "server.dev.devRootToken=letmein")
    sts = find(objs, "StatefulSet", "vault")
    assert sts["spec"]["replicas"] == 1
    assert "volumeClaimTemplates" not in sts["spec"]
    c = container(objs)
    assert c["args"] == ["vault", "server", "-dev"]
    env = env_of(c)
    assert env["VAULT_DEV_ROOT_TOKEN_ID"] == "letmein"
    assert env["VAULT_DEV_LISTEN_ADDRESS"] == "[::]:8200"
    assert "VAULT_RAFT_NODE_ID" not in env and "VAULT_CLUSTER_ADDR" not in env
    assert "data" not in {m["name"] for m in c["volumeMounts"]}


def test_no_statefulset_when_external_or_disabled():
    assert find(render("global.externalVaultAddr=https://vault.example.com"), "StatefulSet") is None
    assert find(render("server.enabled=false"), "StatefulSet") is None
