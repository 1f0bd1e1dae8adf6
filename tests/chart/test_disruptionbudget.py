"""templates/server-disruptionbudget.yaml"""

import pytest

from .chartlib import HA, find, render


@pytest.mark.parametrize("replicas,expected", [(1, 0), (2, 0), (3, 1), (4, 1), (5, 2), (7, 3)])
def test_max_unavailable_keeps_quorum(replicas, expected):
    pdb = find(render(*HA, f"server.ha.replicas={replicas}"), "PodDisruptionBudget", "vault")
    assert pdb["spec"]["maxUnavailable"] == expected


def test_selector_and_api_version():
    pdb = find(render(*HA), "PodDisruptionBudget", "vault")
    assert pdb["apiVersion"] == "policy/v1"
    assert pdb["spec"]["selector"]["matchLabels"] == {
        "app.kubernetes.io/name": "vault",
        "app.kubernetes.io/instance": "vault",
        "component": "server",
    }


def test_override_and_disable():
    pdb = find(render(*HA, "server.ha.disruptionBudget.maxUnavailable=0"), "PodDisruptionBudget", "vault")
    assert pdb["spec"]["maxUnavailable"] == 0
    assert find(render(*HA, "server.ha.disruptionBudget.enabled=false"), "PodDisruptionBudget") is None


def test_only_in_ha_mode():
    assert find(render(), "PodDisruptionBudget") is None
    assert find(render("server.dev.enabled=true"), "PodDisruptionBudget") is None
