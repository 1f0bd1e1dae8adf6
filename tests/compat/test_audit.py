"""Audit devices with hvac: `sys/audit` enable/list/disable, the file device writing
HMAC'd JSON lines (never a plaintext secret or token), `sys/audit-hash` matching what the
log holds, `file_path=stdout` writing to the server's standard output, sudo protection
and the salt surviving a restart.
"""
import json
import os

import hvac
import pytest
import requests

SECRET = "audit-canary-p4ssw0rd"


def entries(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def test_file_device_logs_hmacs_and_audit_hash_matches(node, unsealed):
    log = os.path.join(node.tmp, "audit", "audit.log")
    unsealed.sys.enable_audit_device("file", options={"file_path": log}, description="compat")
    assert oct(os.stat(log).st_mode & 0o777) == "0o600"
    listed = unsealed.sys.list_enabled_audit_devices()
    assert listed["data"]["file/"] == {
        "type": "file",
        "description": "compat",
        "options": {"file_path": log},
        "local": False,
        "path": "file/",
    }
    # Older clients read the table at the top level, as for sys/mounts.
    assert listed["file/"]["type"] == "file"

    unsealed.secrets.kv.v2.create_or_update_secret(
        path="database/secret", secret={"username": "myusername", "password": SECRET}
    )
    read = unsealed.secrets.kv.v2.read_secret_version(path="database/secret", raise_on_deleted_version=True)
    assert read["data"]["data"]["password"] == SECRET

    with open(log) as f:
        text = f.read()
    assert SECRET not in text
    assert node.root_token not in text
    lines = entries(log)
    writes = [
        e for e in lines if e["request"]["path"] == "secret/data/database/secret"
        and e["request"]["operation"] in ("create", "update")
    ]
    req = next(e for e in writes if e["type"] == "request")
    resp = next(e for e in writes if e["type"] == "response")
    assert req["request"]["id"] == resp["request"]["id"]
    assert req["request"]["mount_type"] == "kv"
    assert req["request"]["namespace"] == {"id": "root"}
    assert req["request"]["remote_address"] == "127.0.0.1"
    assert req["auth"]["policies"] == ["root"]
    assert req["auth"]["client_token"].startswith("hmac-sha256:")
    assert req["request"]["client_token"] == req["auth"]["client_token"]
    logged = req["request"]["data"]["data"]["password"]
    assert logged.startswith("hmac-sha256:")

    hashed = unsealed.sys.calculate_hash(path="file", input_to_hash=SECRET)
    assert hashed["data"]["hash"] == logged
    token_hash = unsealed.sys.calculate_hash(path="file", input_to_hash=node.root_token)
    assert token_hash["data"]["hash"] == req["auth"]["client_token"]

    # The read's response entry carries the secret, hashed.
    read_resp = [
        e for e in entries(log) if e["type"] == "response"
        and e["request"]["path"] == "secret/data/database/secret"
        and e["request"]["operation"] == "read"
    ]
    assert read_resp[-1]["response"]["data"]["data"]["password"] == logged

    with pytest.raises(hvac.exceptions.InvalidRequest):
        unsealed.sys.calculate_hash(path="nope", input_to_hash="x")

    # Vault's audit metrics count the entries written.
    metrics = requests.get(
        f"{node.addr}/v1/sys/metrics?format=prometheus",
        headers={"X-Vault-Token": node.root_token},
    ).text
    counts = {
        line.split()[0]: float(line.split()[1])
        for line in metrics.splitlines()
        if line.startswith("vault_audit_log_")
    }
    assert counts["vault_audit_log_request_count"] >= 4, counts
    assert counts["vault_audit_log_response_count"] >= 4, counts
    assert counts["vault_audit_log_request_failure"] == 0, counts


def test_denied_requests_are_logged_with_their_error(node, unsealed):
    log = os.path.join(node.tmp, "audit", "audit.log")
    unsealed.sys.create_or_update_acl_policy(
        name="audit-reader", policy='path "sys/audit" { capabilities = ["read"] }'
    )
    token = unsealed.auth.token.create(policies=["audit-reader"])["auth"]["client_token"]
    limited = node.client(token)
    # sys/audit needs sudo on top of read.
    with pytest.raises(hvac.exceptions.Forbidden):
        limited.sys.list_enabled_audit_devices()
    with pytest.raises(hvac.exceptions.Forbidden):
        limited.sys.enable_audit_device("file", path="evil", options={"file_path": "discard"})
    denied = [
        e for e in entries(log)
        if e["request"]["path"] == "sys/audit" and e.get("error") == "permission denied"
    ]
    assert denied and denied[-1]["type"] == "request"
    assert denied[-1]["auth"]["policies"] == ["audit-reader", "default"]
    assert token not in open(log).read()


def test_stdout_device_and_bad_options(node, unsealed):
    unsealed.sys.enable_audit_device("file", path="stdout", options={"file_path": "stdout"})
    unsealed.secrets.kv.v2.create_or_update_secret(path="stdout-check", secret={"k": SECRET})
    out = node.read_log()
    lines = [l for l in out.splitlines() if l.startswith("{") and '"secret/data/stdout-check"' in l]
    assert lines, out[-2000:]
    assert SECRET not in out
    unsealed.sys.disable_audit_device("stdout")

    for options, message in [
        ({}, "file_path is required"),
        ({"file_path": "discard", "mode": "x"}, "mode"),
        ({"file_path": "discard", "format": "xml"}, "xml"),
    ]:
        with pytest.raises(hvac.exceptions.InvalidRequest, match=message):
            unsealed.sys.enable_audit_device("file", path="bad", options=options)
    with pytest.raises(hvac.exceptions.InvalidRequest, match="unknown backend type"):
        unsealed.sys.enable_audit_device("syslog")
    with pytest.raises(hvac.exceptions.InvalidRequest, match="path already in use"):
        unsealed.sys.enable_audit_device("file", options={"file_path": "discard"})
    assert set(unsealed.sys.list_enabled_audit_devices()["data"]) == {"file/"}


def test_salt_survives_restart_and_disable_stops_logging(node, unsealed):
    log = os.path.join(node.tmp, "audit", "audit.log")
    before = unsealed.sys.calculate_hash(path="file", input_to_hash=SECRET)["data"]["hash"]
    node.stop()
    node.start()
    unsealed.sys.submit_unseal_keys(node.keys[:3])
    after = unsealed.sys.calculate_hash(path="file", input_to_hash=SECRET)["data"]["hash"]
    assert after == before

    unsealed.sys.disable_audit_device("file")
    assert unsealed.sys.list_enabled_audit_devices()["data"] == {}
    size = os.path.getsize(log)
    unsealed.secrets.kv.v2.read_secret_version(path="database/secret", raise_on_deleted_version=True)
    assert os.path.getsize(log) == size
    # Disabling what is not enabled is not an error, as in Vault.
    unsealed.sys.disable_audit_device("file")
