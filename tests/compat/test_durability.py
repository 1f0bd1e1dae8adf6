"""Durability and confidentiality against a real process: 1,000 secrets survive
`kill -9` and restart; a canary value never appears in plaintext on disk or in logs."""
import os
import concurrent.futures as cf

import requests

CANARY = "canary-7f3a9c1e5b-plaintext-must-not-leak"
N = 1000


def put(node, i):
    s = requests.Session()
    # Secret i gets (i % 3) + 1 versions so versions are checked too.
    for v in range((i % 3) + 1):
        r = s.post(
            f"{node.addr}/v1/secret/data/dur/{i}",
            json={"data": {"value": f"{CANARY}-{i}-v{v + 1}"}},
            headers={"X-Vault-Token": node.root_token},
            timeout=30,
        )
        r.raise_for_status()


def test_write_kill_restart_read(unsealed, node):
    with cf.ThreadPoolExecutor(max_workers=8) as ex:
        list(ex.map(lambda i: put(node, i), range(N)))

    before = requests.get(f"{node.addr}/v1/sys/health", timeout=5).json()

    node.stop(kill=True)  # SIGKILL: no clean shutdown
    node.start()
    client = node.client(node.root_token)
    assert client.sys.is_sealed() is True
    client.sys.submit_unseal_keys(node.keys[:3])

    after = requests.get(f"{node.addr}/v1/sys/health", timeout=5).json()
    assert (after["cluster_id"], after["cluster_name"]) == (before["cluster_id"], before["cluster_name"])

    s = requests.Session()
    for i in range(N):
        r = s.get(f"{node.addr}/v1/secret/data/dur/{i}", headers={"X-Vault-Token": node.root_token}, timeout=30)
        assert r.status_code == 200, (i, r.status_code, r.text)
        body = r.json()["data"]
        versions = (i % 3) + 1
        assert body["metadata"]["version"] == versions
        assert body["data"]["value"] == f"{CANARY}-{i}-v{versions}"


def test_canary_never_in_plaintext(unsealed, node):
    needle = CANARY.encode()
    hits = []
    for root, _dirs, files in os.walk(node.data):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                if needle in f.read():
                    hits.append(os.path.join(root, name))
    assert hits == [], f"plaintext canary found in {hits}"
    assert CANARY not in node.read_log()
    # The root token must not be logged either.
    assert node.root_token not in node.read_log()
