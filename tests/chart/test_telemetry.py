"""templates/prometheus-servicemonitor.yaml, prometheus-prometheusrules.yaml"""

from .chartlib import HA, find, render

RULE = {"alert": "ArcaSealed", "expr": "vault_core_unsealed == 0", "for": "1m", "labels": {"severity": "critical"}}


def test_no_monitoring_objects_by_default():
    objs = render(*HA)
    assert find(objs, "ServiceMonitor") is None
    assert find(objs, "PrometheusRule") is None


def test_service_monitor_scrapes_every_pod_through_internal_service():
    sm = find(render(*HA, "serverTelemetry.serviceMonitor.enabled=true"), "ServiceMonitor", "vault")
    assert sm["apiVersion"] == "monitoring.coreos.com/v1"
    assert sm["metadata"]["labels"]["release"] == "prometheus"
    assert sm["spec"]["selector"]["matchLabels"] == {
        "app.kubernetes.io/name": "vault",
        "app.kubernetes.io/instance": "vault",
        "vault-internal": "true",
    }
    assert sm["spec"]["namespaceSelector"] == {"matchNames": ["default"]}
    (ep,) = sm["spec"]["endpoints"]
    assert ep["port"] == "http"
    assert ep["scheme"] == "http"
    assert ep["path"] == "/v1/sys/metrics"
    assert ep["params"] == {"format": ["prometheus"]}
    assert ep["interval"] == "30s" and ep["scrapeTimeout"] == "10s"


def test_service_monitor_selects_a_service_that_exists():
    objs = render(*HA, "serverTelemetry.serviceMonitor.enabled=true")
    want = find(objs, "ServiceMonitor")["spec"]["selector"]["matchLabels"]
    matching = [
        o["metadata"]["name"]
        for o in objs
        if o["kind"] == "Service" and all(o["metadata"]["labels"].get(k) == v for k, v in want.items())
    ]
    assert matching == ["vault-internal"]


def test_service_monitor_options():
    sm = find(
        render(
            *HA,
            "serverTelemetry.serviceMonitor.enabled=true",
            "serverTelemetry.serviceMonitor.selectors.team=sec",
            "serverTelemetry.serviceMonitor.interval=15s",
            "serverTelemetry.serviceMonitor.tlsConfig.insecureSkipVerify=true",
            "global.tlsDisable=false",
        ),
        "ServiceMonitor",
    )
    assert sm["metadata"]["labels"]["team"] == "sec"
    assert "release" not in sm["metadata"]["labels"]
    ep = sm["spec"]["endpoints"][0]
    assert ep["interval"] == "15s"
    assert ep["scheme"] == "https" and ep["port"] == "https"
    assert ep["tlsConfig"] == {"insecureSkipVerify": True}


def test_prometheus_rule_needs_rules():
    assert find(render(*HA, "serverTelemetry.prometheusRules.enabled=true"), "PrometheusRule") is None
    pr = find(
        render(*HA, "serverTelemetry.prometheusRules.enabled=true", values={"serverTelemetry.prometheusRules.rules": [RULE]}),
        "PrometheusRule",
        "vault",
    )
    assert pr["metadata"]["labels"]["release"] == "prometheus"
    assert pr["spec"]["groups"] == [{"name": "vault", "rules": [RULE]}]


def test_no_monitoring_for_external_server():
    objs = render("global.externalVaultAddr=https://vault.example.com", "serverTelemetry.serviceMonitor.enabled=true")
    assert find(objs, "ServiceMonitor") is None
