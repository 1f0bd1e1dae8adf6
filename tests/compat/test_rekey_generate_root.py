"""Rekey (5/3 -> 7/4) and root token generation through hvac and the `vault` CLI."""
import base64
import os
import re
import subprocess

import pytest
import requests


def cli(node, *args, token=None, stdin=None):
    env = dict(os.environ, VAULT_ADDR=node.addr)
    env.pop("VAULT_TOKEN", None)
    if token:
        env["VAULT_TOKEN"] = token
    return subprocess.run(
        [os.environ.get("ARCA_BIN", "arca"), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_rekey_5_3_to_7_4_then_unseal_with_new_keys(node, unsealed):
    client = unsealed
    client.secrets.kv.v2.create_or_update_secret(path="rk", secret={"v": "before-rekey"}, mount_point="secret")
    assert client.sys.read_rekey_progress()["started"] is False

    status = client.sys.start_rekey(secret_shares=7, secret_threshold=4)
    assert status["started"] is True and status["t"] == 4 and status["n"] == 7 and status["required"] == 3
    nonce = status["nonce"]

    # A wrong key at the threshold changes nothing.
    foreign = base64.b64encode(os.urandom(33)).decode()
    client.sys.rekey(node.keys[0], nonce=nonce)
    client.sys.rekey(node.keys[1], nonce=nonce)
    r = requests.put(f"{node.addr}/v1/sys/rekey/update", json={"key": foreign, "nonce": nonce}, timeout=5)
    assert r.status_code == 400, r.text
    assert client.sys.read_rekey_progress()["progress"] == 0
    assert client.sys.read_seal_status()["n"] == 5

    # The CLI shows the same operation.
    out = cli(node, "operator", "rekey", "-status")
    assert out.returncode == 0, out.stderr
    assert "New Shares               7" in out.stdout and nonce in out.stdout

    result = client.sys.rekey_multi(node.keys[2:5], nonce=nonce)
    assert result["complete"] is True
    new_keys = result["keys"]
    assert len(new_keys) == 7 and len(result["keys_base64"]) == 7
    seal = client.sys.read_seal_status()
    assert seal["t"] == 4 and seal["n"] == 7

    client.sys.seal()
    status = client.sys.submit_unseal_keys(node.keys[:3])
    assert status["sealed"] is True
    client.sys.submit_unseal_key(reset=True)
    status = client.sys.submit_unseal_keys(new_keys[3:7])
    assert status["sealed"] is False
    secret = client.secrets.kv.v2.read_secret_version(path="rk", mount_point="secret", raise_on_deleted_version=True)
    assert secret["data"]["data"] == {"v": "before-rekey"}
    node.keys = new_keys


def test_rekey_cancel_and_backup(node, unsealed):
    client = unsealed
    client.sys.start_rekey(secret_shares=3, secret_threshold=2)
    assert client.sys.cancel_rekey().status_code == 204
    assert client.sys.read_rekey_progress()["started"] is False
    r = requests.get(f"{node.addr}/v1/sys/rekey/backup", headers={"X-Vault-Token": node.root_token}, timeout=5)
    assert r.status_code == 400 and r.json() == {"errors": ["no backed-up keys found"]}
    r = requests.put(f"{node.addr}/v1/sys/rekey-recovery-key/init", json={"secret_shares": 1, "secret_threshold": 1}, timeout=5)
    assert r.status_code == 400 and r.json() == {"errors": ["recovery rekeying not supported"]}


def test_generate_root_with_cli_otp_and_decode(node, unsealed):
    client = unsealed
    out = cli(node, "operator", "generate-root", "-generate-otp")
    assert out.returncode == 0, out.stderr
    otp = out.stdout.strip()
    assert len(otp) == 28

    status = client.sys.start_root_token_generation(otp=otp)
    assert status["started"] is True and status["required"] == 4 and status["otp_length"] == 28
    nonce = status["nonce"]
    out = cli(node, "operator", "generate-root", "-status")
    assert re.search(r"^Progress +0/4$", out.stdout, re.M), out.stdout

    for key in node.keys[:3]:
        status = client.sys.generate_root(key=key, nonce=nonce)
        assert status["complete"] is False
    # The last share through the CLI.
    out = cli(node, "operator", "generate-root", f"-nonce={nonce}", node.keys[3])
    assert out.returncode == 0, out.stderr
    encoded = [l.split()[-1] for l in out.stdout.splitlines() if l.startswith("Encoded Token")][0]

    out = cli(node, "operator", "generate-root", f"-decode={encoded}", f"-otp={otp}")
    assert out.returncode == 0, out.stderr
    token = out.stdout.strip()
    assert token.startswith("hvs.") and token != node.root_token
    new_client = node.client(token)
    assert new_client.lookup_token()["data"]["policies"] == ["root"]
    assert "secret/" in new_client.sys.list_mounted_secrets_engines()["data"]


def test_generate_root_server_otp_and_wrong_key(node, unsealed):
    client = unsealed
    status = client.sys.start_root_token_generation()
    otp = status["otp"]
    assert len(otp) == 28
    r = requests.put(f"{node.addr}/v1/sys/generate-root/attempt", json={}, timeout=5)
    assert r.status_code == 400 and r.json() == {"errors": ["root generation already in progress"]}
    nonce = status["nonce"]
    for key in node.keys[:3]:
        client.sys.generate_root(key=key, nonce=nonce)
    r = requests.put(f"{node.addr}/v1/sys/generate-root/update", json={"key": base64.b64encode(os.urandom(33)).decode(), "nonce": nonce}, timeout=5)
    assert r.status_code == 400, r.text
    progress = client.sys.read_root_generation_progress()
    assert progress["started"] is True and progress["progress"] == 0
    assert client.sys.cancel_root_generation().status_code == 204
    assert client.sys.read_root_generation_progress()["started"] is False
    out = cli(node, "operator", "generate-root", "-nonce=x", node.keys[0])
    assert out.returncode == 1 and "No root generation is in progress" in out.stderr


def test_cli_rekey_init_key_and_cancel(node, unsealed):
    out = cli(node, "operator", "rekey", "-init", "-key-shares=3", "-key-threshold=2")
    assert out.returncode == 0, out.stderr
    assert re.search(r"^New Shares +3$", out.stdout, re.M) and re.search(r"^New Threshold +2$", out.stdout, re.M), out.stdout
    # One key through the CLI (the nonce is read from the status).
    out = cli(node, "operator", "rekey", node.keys[0])
    assert out.returncode == 0, out.stderr
    assert re.search(r"^Rekey Progress +1/4$", out.stdout, re.M), out.stdout
    out = cli(node, "operator", "rekey", "-cancel")
    assert out.returncode == 0 and "Success! Canceled rekeying" in out.stdout
    out = cli(node, "operator", "rekey", node.keys[0])
    assert out.returncode == 1 and "No rekey is in progress" in out.stderr
    out = cli(node, "operator", "generate-root", "-decode=AAAA", "-otp=short")
    assert out.returncode == 1 and "Error decoding root token" in out.stderr
