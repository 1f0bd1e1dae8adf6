"""Bad input gets the right status and a clear message, the server stays up, and
nothing is lost."""
import requests


def url(node, path):
    return f"{node.addr}/v1/{path}"


def hdr(node, **extra):
    h = {"X-Vault-Token": node.root_token}
    h.update(extra)
    return h


def test_setup_secret(unsealed, node):
    unsealed.secrets.kv.v2.create_or_update_secret(path="keep/me", secret={"canary": "still-here"}, mount_point="secret")


def test_malformed_json(unsealed, node):
    r = requests.post(url(node, "secret/data/keep/me"), data="{not json", headers=hdr(node), timeout=5)
    assert r.status_code == 400
    assert "failed to parse JSON input" in r.json()["errors"][0]


def test_invalid_utf8(unsealed, node):
    r = requests.post(url(node, "secret/data/keep/me"), data=b'{"data":{"a":"\xff\xfe"}}', headers=hdr(node), timeout=5)
    assert r.status_code == 400


def test_dotdot_path(unsealed, node):
    r = requests.get(url(node, "secret/data/../../sys/mounts"), headers=hdr(node), timeout=5)
    # requests normalises "..": send it raw-encoded instead.
    r = requests.get(f"{node.addr}/v1/secret/data/%2E%2E/x", headers=hdr(node), timeout=5)
    assert r.status_code == 400


def test_unknown_mount(unsealed, node):
    r = requests.get(url(node, "nosuchmount/foo"), headers=hdr(node), timeout=5)
    assert r.status_code == 404
    assert "no handler for route" in r.json()["errors"][0]


def test_missing_and_bad_token(unsealed, node):
    assert requests.get(url(node, "secret/data/keep/me"), timeout=5).status_code == 403
    r = requests.get(url(node, "secret/data/keep/me"), headers={"X-Vault-Token": "hvs.nope"}, timeout=5)
    assert r.status_code == 403 and r.json() == {"errors": ["permission denied"]}


def test_cas_mismatch(unsealed, node):
    r = requests.post(url(node, "secret/data/keep/me"), json={"data": {"x": "y"}, "options": {"cas": 99}}, headers=hdr(node), timeout=5)
    assert r.status_code == 400
    assert "check-and-set" in r.json()["errors"][0]


def test_patch_needs_merge_patch_content_type(unsealed, node):
    r = requests.patch(url(node, "secret/data/keep/me"), json={"data": {"x": "y"}}, headers=hdr(node), timeout=5)
    assert r.status_code == 415


def test_body_over_limit(unsealed, node):
    big = b'{"data":{"a":"' + b"x" * (33 * 1024 * 1024) + b'"}}'
    try:
        r = requests.post(url(node, "secret/data/big"), data=big, headers=hdr(node), timeout=30)
        assert r.status_code == 413
    except requests.ConnectionError:
        # The server may close the connection after answering 413 mid-upload.
        pass


def test_unseal_bad_keys(unsealed, node):
    r = requests.put(url(node, "sys/unseal"), json={"key": "not-hex-or-base64!!"}, timeout=5)
    assert r.status_code == 400
    r = requests.put(url(node, "sys/unseal"), json={}, timeout=5)
    assert r.status_code == 400


def test_wrong_and_duplicate_unseal_keys(unsealed, node):
    client = node.client(node.root_token)
    client.sys.seal()
    # Wrong length.
    r = requests.put(url(node, "sys/unseal"), json={"key": "00ff"}, timeout=5)
    assert r.status_code == 400
    # Duplicate key in one attempt.
    assert requests.put(url(node, "sys/unseal"), json={"key": node.keys[0]}, timeout=5).json()["progress"] == 1
    r = requests.put(url(node, "sys/unseal"), json={"key": node.keys[0]}, timeout=5)
    assert r.status_code == 400
    requests.put(url(node, "sys/unseal"), json={"reset": True}, timeout=5)
    # A well-formed but wrong set of keys: threshold reached, unseal refused, still sealed.
    import secrets as pysecrets
    for _ in range(3):
        r = requests.put(url(node, "sys/unseal"), json={"key": pysecrets.token_hex(33)}, timeout=5)
    assert r.status_code == 400
    assert client.sys.is_sealed() is True
    client.sys.submit_unseal_keys(node.keys[:3])
    assert client.sys.is_sealed() is False


def test_unseal_when_unsealed_is_ok(unsealed, node):
    r = requests.put(url(node, "sys/unseal"), json={"key": node.keys[0]}, timeout=5)
    assert r.status_code == 200 and r.json()["sealed"] is False


def test_init_twice(unsealed, node):
    r = requests.put(url(node, "sys/init"), json={"secret_shares": 1, "secret_threshold": 1}, timeout=5)
    assert r.status_code == 400
    assert "already initialized" in r.json()["errors"][0]


def test_nothing_lost(unsealed, node):
    got = unsealed.secrets.kv.v2.read_secret_version(path="keep/me", mount_point="secret", raise_on_deleted_version=True)
    assert got["data"]["data"] == {"canary": "still-here"}
    assert node.proc.poll() is None
