"""templates/server-config-configmap.yaml (and the default configs in values.yaml)"""

import json
import re

from .chartlib import HA, config_text, find, render


def retry_join_addrs(text):
    return re.findall(r'retry_join \{\s*leader_api_addr = "([^"]+)"\s*\}', text)


def test_ha_config_joins_every_pod_through_internal_service():
    text = config_text(render(*HA))
    assert retry_join_addrs(text) == [
        "http://vault-0.vault-internal:8200",
        "http://vault-1.vault-internal:8200",
        "http://vault-2.vault-internal:8200",
    ]
    assert 'storage "raft" {' in text
    assert 'path = "/vault/data"' in text
    assert 'service_registration "kubernetes" {}' in text
    assert 'address = "[::]:8200"' in text and 'cluster_address = "[::]:8201"' in text


def test_retry_join_follows_replicas_release_and_tls():
    text = config_text(render(*HA, "server.ha.replicas=5", "global.tlsDisable=false"))
    assert retry_join_addrs(text) == [f"https://vault-{i}.vault-internal:8200" for i in range(5)]
    text = config_text(render(*HA, release="prod"), name="prod-vault-config")
    assert retry_join_addrs(text)[0] == "http://prod-vault-0.prod-vault-internal:8200"


def test_node_id_and_cluster_addr_come_from_the_environment_not_the_file():
    text = config_text(render(*HA))
    assert "node_id" not in text
    assert "cluster_addr" not in text.replace("cluster_address", "")


def test_no_whitespace_only_lines_from_empty_helpers():
    text = config_text(render(*HA))
    assert not any(line.strip() == "" and line != "" for line in text.split("\n"))
    assert "telemetry" not in text


def test_standalone_config_is_single_raft_node():
    text = config_text(render())
    assert 'storage "raft"' in text
    assert "retry_join" not in text
    assert "service_registration" not in text


def test_custom_config_replaces_default_and_is_templated():
    custom = 'storage "raft" {\n  path = "/vault/data"\n}\n# release {{ .Release.Name }}\n'
    text = config_text(render(*HA, values={"server.ha.raft.config": custom}))
    assert text == 'storage "raft" {\n  path = "/vault/data"\n}\n# release vault'


def test_map_config_is_written_as_json():
    cfg = {"storage": {"raft": {"path": "/vault/data"}}, "listener": [{"tcp": {"address": "[::]:8200"}}]}
    text = config_text(render(values={"server.standalone.config": cfg}))
    assert json.loads(text) == cfg


def test_service_monitor_turns_on_telemetry_in_default_config():
    text = config_text(render(*HA, "serverTelemetry.serviceMonitor.enabled=true"))
    assert re.search(r"telemetry \{\s*unauthenticated_metrics_access = true\s*\}", text)
    assert re.search(r'telemetry \{\s*prometheus_retention_time = "30s"\s*disable_hostname = true\s*\}', text)


def test_metrics_authorization_keeps_metrics_authenticated():
    text = config_text(
        render(
            *HA,
            "serverTelemetry.serviceMonitor.enabled=true",
            "serverTelemetry.serviceMonitor.authorization.credentials.name=metrics",
        )
    )
    assert "unauthenticated_metrics_access" not in text
    assert "prometheus_retention_time" in text


def test_checksum_annotation_on_configmap():
    cm = find(render(*HA, "server.includeConfigAnnotation=true"), "ConfigMap", "vault-config")
    assert re.fullmatch(r"[0-9a-f]{64}", cm["metadata"]["annotations"]["vaultproject.io/config-checksum"])


def test_no_configmap_in_dev_or_external_mode():
    assert find(render("server.dev.enabled=true"), "ConfigMap") is None
    assert find(render("global.externalVaultAddr=https://vault.example.com"), "ConfigMap") is None
