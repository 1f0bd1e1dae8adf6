"""Every object the chart renders, in every mode, is valid for a current Kubernetes
(kubernetes-validate's OpenAPI schemas, strict: unknown fields are errors)."""

import kubernetes_validate
import pytest

from .chartlib import MODES, render

KUBERNETES = "1.35.0"
# Prometheus Operator CRDs: no schema ships with Kubernetes itself.
CRD_KINDS = {"ServiceMonitor", "PrometheusRule"}

EXTRA = {
    "everything-else": (
        "server.ha.enabled=true",
        "server.serviceAccount.createSecret=true",
        "serverTelemetry.prometheusRules.enabled=true",
        "server.readinessProbe.path=/v1/sys/health?standbyok=true",
        "server.extraArgs=-log-level=debug",
        "server.resources.limits.memory=256Mi",
        "ui.enabled=true",
        "ui.serviceType=NodePort",
        "ui.serviceNodePort=30080",
        "global.imagePullSecrets[0]=regcred",
        "server.dataStorage.enabled=false",
    ),
}


@pytest.mark.parametrize("mode", sorted({**MODES, **EXTRA}))
def test_objects_validate(mode):
    sets = {**MODES, **EXTRA}[mode]
    values = {"serverTelemetry.prometheusRules.rules": [{"alert": "A", "expr": "up == 0"}]}
    objs = render(*sets, values=values)
    assert objs
    checked = 0
    for o in objs:
        if o["kind"] in CRD_KINDS:
            continue
        try:
            kubernetes_validate.validate(o, KUBERNETES, strict=True)
        except kubernetes_validate.ValidationError as e:
            pytest.fail(f"{o['kind']}/{o['metadata']['name']}: {e.message} at {list(e.path)}")
        checked += 1
    assert checked > 0


def test_validator_catches_a_broken_object():
    # The check above can fail: a misspelt field in a rendered StatefulSet is caught.
    sts = next(o for o in render("server.ha.enabled=true") if o["kind"] == "StatefulSet")
    sts["spec"]["serviceNmae"] = sts["spec"].pop("serviceName")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(sts, KUBERNETES, strict=True)
