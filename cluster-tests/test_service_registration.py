"""service_registration "kubernetes": every server labels its own pod through the
Kubernetes API, against the fake API server of fake_kube_api.py (HTTPS, bearer token,
the real pod GET and JSON-patch endpoints). There is no real API server on the test
machines; the client is the same `kube` client a pod uses, configured by a kubeconfig.

- a 3-node cluster: the labels at start (sealed, uninitialised), after init and unseal
  (one pod vault-active=true, two standbys false), sealing the active node (vault-sealed
  flips; the new leader's pod becomes active), a graceful stop and restart of a standby;
- the API server down at start: the node still initialises, unseals and serves, and the
  labels arrive once the API server is back;
- a wrong token (401) and an unknown pod (404): logged without the token, and retried.

Every wait is a bounded poll. $ARCA_BIN is the binary.
"""
import os
import tempfile
import time

import pytest

from arca_cluster import WAIT, Cluster, free_port, poll
from fake_kube_api import JSON_PATCH, FakeKubeApi

NAMESPACE = "arca"
VERSION = "1.15.6"  # arca_core::version::VAULT_COMPAT_VERSION
VAULT_LABELS = ("vault-active", "vault-sealed", "vault-initialized", "vault-perf-standby", "vault-version")


def vault_labels(api, pod):
    return {k: v for k, v in api.labels(NAMESPACE, pod).items() if k in VAULT_LABELS}


def expect(active, sealed, initialized):
    return {
        "vault-active": str(active).lower(),
        "vault-sealed": str(sealed).lower(),
        "vault-initialized": str(initialized).lower(),
        "vault-perf-standby": "false",
        "vault-version": VERSION,
    }


def wait_labels(api, pod, want, wait=WAIT):
    poll(f"{pod} labelled {want}", lambda: vault_labels(api, pod) == want, wait=wait)


def registered(cluster, api, kubeconfig, pods=None):
    """Gives every node a service_registration stanza naming its pod (the namespace from
    the stanza, the pod name from VAULT_K8S_POD_NAME, as the chart does) and the
    kubeconfig of the fake API server."""
    for n in cluster.nodes:
        n.extra_hcl = f'service_registration "kubernetes" {{\n  namespace = "{NAMESPACE}"\n}}\n'
        n.env = {"KUBECONFIG": kubeconfig, "VAULT_K8S_POD_NAME": (pods or {}).get(n.name, n.name)}
        n.write_config([cluster.nodes[0].addr] if n is not cluster.nodes[0] else [])


@pytest.fixture
def workdir():
    with tempfile.TemporaryDirectory(prefix="arca-k8s-") as d:
        yield d


@pytest.fixture
def api(workdir):
    server = FakeKubeApi(workdir, free_port())
    yield server
    server.down()


def test_three_node_cluster_labels_follow_seal_and_leadership(api, workdir, request):
    # node1 and node2's pods carry the StatefulSet's labels; node3's pod has no label map
    # at all (the first patch then adds the whole map).
    api.add_pod(NAMESPACE, "node1", {"app.kubernetes.io/name": "vault", "component": "server"})
    api.add_pod(NAMESPACE, "node2", {"app.kubernetes.io/name": "vault", "component": "server"})
    api.add_pod(NAMESPACE, "node3", None)
    api.up()
    kubeconfig = api.kubeconfig(os.path.join(workdir, "kubeconfig"), NAMESPACE)
    cluster = Cluster(3)
    registered(cluster, api, kubeconfig)
    failed = True
    try:
        for n in cluster.nodes:
            n.start()
        # At start: sealed and uninitialised; the pod's own labels are kept.
        for n in cluster.nodes:
            wait_labels(api, n.name, expect(active=False, sealed=True, initialized=False))
        assert api.labels(NAMESPACE, "node1")["component"] == "server"
        patches = api.patches()
        assert patches and all(ctype == JSON_PATCH and code == 200 for _, _, ctype, code in patches), patches

        cluster.form(start=False)
        leader = cluster.agreed_leader()
        for n in cluster.nodes:
            wait_labels(api, n.name, expect(active=n is leader, sealed=False, initialized=True))

        # Sealing the active node flips its vault-sealed and vault-active; the new
        # leader's pod becomes the one active pod.
        status, body = leader.put("sys/seal", {}, token=cluster.token)
        assert status == 204, body
        wait_labels(api, leader.name, expect(active=False, sealed=True, initialized=True))
        new_leader = cluster.leader(among=[n for n in cluster.nodes if n is not leader])
        wait_labels(api, new_leader.name, expect(active=True, sealed=False, initialized=True))
        actives = [n.name for n in cluster.nodes if vault_labels(api, n.name)["vault-active"] == "true"]
        assert actives == [new_leader.name]
        # Unsealed again, it rejoins as a standby.
        cluster.unseal(leader)
        wait_labels(api, leader.name, expect(active=False, sealed=False, initialized=True))

        # A graceful stop leaves the pod sealed and not active (Vault's shutdown); the
        # restarted server labels it again from its state at start, then on unseal.
        standby = next(n for n in cluster.nodes if n is not new_leader)
        standby.stop()
        assert vault_labels(api, standby.name) == expect(active=False, sealed=True, initialized=True)
        before = len(api.patches())
        standby.start()
        poll("the restarted node's first patch", lambda: len(api.patches()) > before)
        wait_labels(api, standby.name, expect(active=False, sealed=True, initialized=True))
        cluster.unseal(standby)
        wait_labels(api, standby.name, expect(active=False, sealed=False, initialized=True))
        wait_labels(api, new_leader.name, expect(active=True, sealed=False, initialized=True))
        failed = False
    finally:
        cluster.close(failed=failed or getattr(request.node, "failed", False))


def test_api_server_down_at_start_then_back(api, workdir, request):
    api.add_pod(NAMESPACE, "node1", {"app": "vault"})
    kubeconfig = api.kubeconfig(os.path.join(workdir, "kubeconfig"), NAMESPACE)
    cluster = Cluster(1)
    registered(cluster, api, kubeconfig)
    failed = True
    try:
        # No API server: the node starts, initialises, unseals and serves all the same.
        cluster.form()
        node = cluster.nodes[0]
        assert cluster.write(node, "k", "v")[0] in (200, 204)
        assert cluster.read(node, "k") == (200, "v")
        poll("a logged retry", lambda: "could not update the pod's labels; will retry" in node.log_tail(200))
        time.sleep(2)  # a longer outage: several retries fail (not a timing assertion)
        assert vault_labels(api, "node1") == {}
        # The API server comes back: the current state is written, in full.
        api.up()
        wait_labels(api, "node1", expect(active=True, sealed=False, initialized=True))
        assert api.labels(NAMESPACE, "node1")["app"] == "vault"
        poll("the recovery logged", lambda: "pod labels are up to date again" in node.log_tail(200))
        # kube's own per-request error log is off: failures are reported once, throttled.
        assert "kube_client" not in node.log_tail(500)
        failed = False
    finally:
        cluster.close(failed=failed or getattr(request.node, "failed", False))


def test_wrong_token_and_unknown_pod_are_logged_and_retried(api, workdir, request):
    api.add_pod(NAMESPACE, "node1", {"app": "vault"})
    api.up()
    bad_token = "not-the-service-account-token-9f2c"
    cluster = Cluster(2)
    # node1 has a token the API server refuses; node2 names a pod that does not exist.
    registered(cluster, api, api.kubeconfig(os.path.join(workdir, "bad"), NAMESPACE, token=bad_token),
               pods={"node2": "no-such-pod"})
    cluster.nodes[1].env["KUBECONFIG"] = api.kubeconfig(os.path.join(workdir, "good"), NAMESPACE)
    failed = True
    try:
        for n in cluster.nodes:
            n.start()
        node1, node2 = cluster.nodes
        poll("node1 to log the 401", lambda: "401" in node1.log_tail(200))
        poll("node2 to log the missing pod", lambda: "pod arca/no-such-pod not found" in node2.log_tail(200))
        # Retried, not given up: more than one refused request each.
        poll("retries of the 401", lambda: sum(1 for r in api.requests if r[3] == 401) >= 2)
        poll("retries of the 404", lambda: sum(1 for r in api.requests if r[3] == 404) >= 2)
        assert bad_token not in node1.log_tail(500)
        assert vault_labels(api, "node1") == {}
        # The servers serve regardless.
        assert node1.get("sys/seal-status")[0] == 200 and node2.get("sys/seal-status")[0] == 200
        # Once the API server accepts the token (say, after its RBAC was fixed), the
        # retries go through.
        api.token = bad_token
        wait_labels(api, "node1", expect(active=False, sealed=True, initialized=False))
        failed = False
    finally:
        cluster.close(failed=failed or getattr(request.node, "failed", False))
