"""The chart as a whole: `helm lint` in every mode, which objects each mode renders, and
the values that are refused (values.schema.json and the template's own checks)."""

import pytest

from .chartlib import CHART, HA, MODES, helm, kinds_and_names, render, render_error


@pytest.mark.parametrize("mode", sorted(MODES))
def test_helm_lint_strict(mode):
    args = ["lint", "--strict", str(CHART)]
    for s in MODES[mode]:
        args += ["--set", s]
    proc = helm(*args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 chart(s) failed" in proc.stdout


def test_lint_fails_on_schema_violation():
    proc = helm("lint", str(CHART), "--set", "server.ha.replicas=three")
    assert proc.returncode != 0


def test_ha_objects():
    assert kinds_and_names(render(*HA)) == {
        ("StatefulSet", "vault"),
        ("Service", "vault"),
        ("Service", "vault-internal"),
        ("Service", "vault-active"),
        ("Service", "vault-standby"),
        ("ConfigMap", "vault-config"),
        ("PodDisruptionBudget", "vault"),
        ("ServiceAccount", "vault"),
        ("Role", "vault-discovery-role"),
        ("RoleBinding", "vault-discovery-rolebinding"),
        ("ClusterRoleBinding", "vault-server-binding"),
        ("Pod", "vault-server-test"),
    }


def test_ha_enabled_alone_is_raft():
    # raft is the only storage, so `--set server.ha.enabled=true` alone is the same cluster.
    assert render("server.ha.enabled=true") == render(*HA)


def test_standalone_objects():
    assert kinds_and_names(render()) == {
        ("StatefulSet", "vault"),
        ("Service", "vault"),
        ("Service", "vault-internal"),
        ("ConfigMap", "vault-config"),
        ("ServiceAccount", "vault"),
        ("ClusterRoleBinding", "vault-server-binding"),
        ("Pod", "vault-server-test"),
    }


def test_dev_objects():
    assert kinds_and_names(render("server.dev.enabled=true")) == {
        ("StatefulSet", "vault"),
        ("Service", "vault"),
        ("Service", "vault-internal"),
        ("ServiceAccount", "vault"),
        ("ClusterRoleBinding", "vault-server-binding"),
        ("Pod", "vault-server-test"),
    }


def test_dev_wins_over_ha():
    objs = render("server.dev.enabled=true", *HA)
    assert ("PodDisruptionBudget", "vault") not in kinds_and_names(objs)


def test_external_objects():
    assert kinds_and_names(render("global.externalVaultAddr=https://vault.example.com")) == {
        ("ServiceAccount", "vault"),
        ("ClusterRoleBinding", "vault-server-binding"),
        ("Pod", "vault-server-test"),
    }


def test_everything_off():
    assert render("global.enabled=false") == []
    # A server is enabled but no mode chosen: nothing to run, nothing to bind.
    assert render("server.standalone.enabled=false") == []


def test_labels_on_every_object():
    for o in render(*HA, "ui.enabled=true"):
        labels = o["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == "vault", o["kind"]
        assert labels["app.kubernetes.io/instance"] == "vault", o["kind"]
        assert labels["app.kubernetes.io/managed-by"] == "Helm", o["kind"]
        assert labels["helm.sh/chart"] == "arca-0.1.0", o["kind"]


@pytest.mark.parametrize(
    "sets,values,message",
    [
        (("server.ha.replicas=three",), None, "/server/ha/replicas"),
        ((), {"server.ha.replicas": 0}, "/server/ha/replicas"),
        (("server.image.pullPolicy=Sometimes",), None, "/server/image/pullPolicy"),
        (("server.updateStrategyType=Recreate",), None, "/server/updateStrategyType"),
        (("server.logLevel=loud",), None, "/server/logLevel"),
        (("server.ingress.enabled=true",), None, "ingress"),
        (("serverTelemetry.serviceMonitor.enabeld=true",), None, "enabeld"),
        (("global.externalVaultAddr=vault:8200",), None, "/global/externalVaultAddr"),
        ((), {"server.dataStorage.mountPath": "data"}, "/server/dataStorage/mountPath"),
        ((), {"server.ha.disruptionBudget.maxUnavailable": -1}, "maxUnavailable"),
        ((), {"server.extraSecretEnvironmentVars": [{"envName": "X"}]}, "extraSecretEnvironmentVars"),
    ],
)
def test_schema_rejects(sets, values, message):
    assert message in render_error(*sets, values=values)


def test_schema_accepts_vault_helm_style_values():
    objs = render(
        *HA,
        "server.ha.replicas=5",
        "server.logLevel=debug",
        "server.standalone.enabled=-",
        values={
            "server.extraEnvironmentVars": {"GOOGLE_REGION": "global"},
            "server.ha.disruptionBudget.maxUnavailable": None,
            "server.dataStorage.storageClass": "fast",
            "server.affinity": None,
        },
    )
    assert ("StatefulSet", "vault") in kinds_and_names(objs)


def test_ha_without_raft_is_refused_with_a_reason():
    err = render_error("server.ha.enabled=true", "server.ha.raft.enabled=false")
    assert "integrated raft storage" in err


@pytest.mark.parametrize("addon", ["injector", "csi"])
def test_addons_are_refused_until_they_exist(addon):
    assert "add-ons issue" in render_error(f"{addon}.enabled=true")


def test_notes_render_per_mode():
    for sets, text in [
        (HA, "3 raft nodes (vault-0..2)"),
        ((), "one node (vault-0)"),
        (("server.dev.enabled=true",), "DEV mode"),
        (("global.externalVaultAddr=https://vault.example.com",), "https://vault.example.com"),
    ]:
        args = ["install", "vault", str(CHART), "--dry-run=client", "--namespace", "default"]
        for s in sets:
            args += ["--set", s]
        proc = helm(*args)
        assert proc.returncode == 0, proc.stderr
        assert text in proc.stdout, sets
