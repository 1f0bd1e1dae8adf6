"""templates/server-service.yaml, server-headless-service.yaml, server-ha-active-service.yaml,
server-ha-standby-service.yaml, ui-service.yaml"""

from .chartlib import HA, find, render

SELECTOR = {
    "app.kubernetes.io/name": "vault",
    "app.kubernetes.io/instance": "vault",
    "component": "server",
}


def ports(svc):
    return {p["name"]: (p["port"], p["targetPort"]) for p in svc["spec"]["ports"]}


def test_ha_renders_the_four_services():
    objs = render(*HA)
    names = {o["metadata"]["name"] for o in objs if o["kind"] == "Service"}
    assert names == {"vault", "vault-internal", "vault-active", "vault-standby"}


def test_main_service():
    svc = find(render(*HA), "Service", "vault")
    assert svc["spec"]["type"] == "ClusterIP"
    assert "clusterIP" not in svc["spec"]
    assert svc["spec"]["selector"] == SELECTOR
    assert ports(svc) == {"http": (8200, 8200), "https-internal": (8201, 8201)}
    assert svc["spec"]["publishNotReadyAddresses"] is True


def test_main_service_options():
    svc = find(
        render(
            *HA,
            "server.service.type=NodePort",
            "server.service.publishNotReadyAddresses=false",
            "server.service.instanceSelector.enabled=false",
            "server.service.annotations.team=sec",
        ),
        "Service",
        "vault",
    )
    assert svc["spec"]["type"] == "NodePort"
    assert svc["spec"]["publishNotReadyAddresses"] is False
    assert "app.kubernetes.io/instance" not in svc["spec"]["selector"]
    assert svc["metadata"]["annotations"] == {"team": "sec"}
    assert find(render(*HA, "server.service.enabled=false"), "Service", "vault") is None


def test_internal_service_is_headless_and_publishes_not_ready():
    svc = find(render(*HA), "Service", "vault-internal")
    assert svc["spec"]["clusterIP"] == "None"
    assert svc["spec"]["publishNotReadyAddresses"] is True
    assert svc["spec"]["selector"] == SELECTOR
    assert ports(svc) == {"http": (8200, 8200), "https-internal": (8201, 8201)}
    assert svc["metadata"]["labels"]["vault-internal"] == "true"


def test_internal_service_ignores_instance_selector_switch():
    # The StatefulSet's governing Service must select exactly its pods.
    svc = find(render(*HA, "server.service.instanceSelector.enabled=false"), "Service", "vault-internal")
    assert svc["spec"]["selector"] == SELECTOR


def test_internal_service_exists_in_every_server_mode():
    for sets in [(), ("server.dev.enabled=true",), HA]:
        assert find(render(*sets), "Service", "vault-internal") is not None, sets


def test_active_and_standby_select_the_registration_label():
    objs = render(*HA)
    active = find(objs, "Service", "vault-active")
    standby = find(objs, "Service", "vault-standby")
    assert active["spec"]["selector"] == {**SELECTOR, "vault-active": "true"}
    assert standby["spec"]["selector"] == {**SELECTOR, "vault-active": "false"}
    assert ports(active) == ports(standby) == {"http": (8200, 8200), "https-internal": (8201, 8201)}


def test_active_and_standby_only_in_ha_and_switchable():
    assert find(render(), "Service", "vault-active") is None
    assert find(render(), "Service", "vault-standby") is None
    objs = render(*HA, "server.service.active.enabled=false", "server.service.standby.enabled=false")
    assert find(objs, "Service", "vault-active") is None
    assert find(objs, "Service", "vault-standby") is None


def test_tls_renames_api_port():
    svc = find(render(*HA, "global.tlsDisable=false"), "Service", "vault-active")
    assert ports(svc) == {"https": (8200, 8200), "https-internal": (8201, 8201)}


def test_ui_service():
    assert find(render(*HA), "Service", "vault-ui") is None
    svc = find(render(*HA, "ui.enabled=true"), "Service", "vault-ui")
    assert svc["spec"]["type"] == "ClusterIP"
    assert svc["spec"]["selector"] == SELECTOR
    assert ports(svc) == {"http": (8200, 8200)}
    assert svc["spec"]["publishNotReadyAddresses"] is True


def test_ui_service_options():
    svc = find(
        render(
            *HA,
            "ui.enabled=true",
            "ui.serviceType=NodePort",
            "ui.serviceNodePort=30080",
            "ui.externalPort=80",
            "ui.activeVaultPodOnly=true",
        ),
        "Service",
        "vault-ui",
    )
    assert svc["spec"]["type"] == "NodePort"
    assert svc["spec"]["ports"][0] == {"name": "http", "port": 80, "targetPort": 8200, "nodePort": 30080}
    assert svc["spec"]["selector"]["vault-active"] == "true"


def test_ui_service_in_standalone_ignores_active_only():
    # Without HA there is no service registration, so no pod would ever match.
    svc = find(render("ui.enabled=true", "ui.activeVaultPodOnly=true"), "Service", "vault-ui")
    assert "vault-active" not in svc["spec"]["selector"]


def test_no_services_for_external_server():
    objs = render("global.externalVaultAddr=https://vault.example.com")
    assert [o for o in objs if o["kind"] == "Service"] == []
