"""The image `make image` builds behaves like Vault's: non-root by default, the /vault
directories, `vault` -> `arca`, tini as PID 1, the entrypoint's command dispatch, root
dropped to the vault user, SKIP_CHOWN honoured, and a dev server whose `vault status`
(the chart's readiness probe) works inside the container.

Run by scripts/drill.sh (so by `make test`) after the image is built; IMAGE selects it
(default arca:dev).
"""

import os
import subprocess
import time
import uuid

import pytest
import requests

IMAGE = os.environ.get("IMAGE", "arca:dev")


def docker(*args, check=True):
    proc = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120)
    if check:
        assert proc.returncode == 0, f"docker {' '.join(args)}:\n{proc.stdout}{proc.stderr}"
    return proc


def run(*args, user=None):
    """`docker run --rm IMAGE ARGS` (through the image's entrypoint); stdout."""
    extra = ["--user", user] if user else []
    return docker("run", "--rm", *extra, IMAGE, *args).stdout.strip()


@pytest.fixture
def server():
    """Starts containers (`docker run -d DOCKER_ARGS IMAGE`); removes them afterwards."""
    started = []

    def start(*docker_args, cmd=()):
        name = f"arca-image-test-{uuid.uuid4().hex[:8]}"
        docker("run", "-d", "--name", name, *docker_args, IMAGE, *cmd)
        started.append(name)
        return name

    yield start
    for name in started:
        docker("rm", "-f", name, check=False)


def wait_for(predicate, what, timeout_s=30):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def test_runs_as_the_vault_user_with_vaults_directories():
    assert run("id") == "uid=100(vault) gid=1000(vault) groups=1000(vault)"
    listing = run("stat", "-c", "%n %u:%g", "/vault/config", "/vault/data", "/vault/logs", "/home/vault")
    assert listing.splitlines() == [
        "/vault/config 100:1000",
        "/vault/data 100:1000",
        "/vault/logs 100:1000",
        "/home/vault 100:1000",
    ]


def test_vault_is_a_link_to_arca_and_commands_dispatch_to_it():
    assert run("readlink", "/usr/bin/vault") == "arca"
    version = run("vault", "version")
    assert "arca" in version
    # A bare arca command (not a program in the image) runs arca, as in Vault's image.
    assert run("version") == version
    assert run("arca", "version") == version


def test_dev_server_tini_pid_1_and_the_readiness_probe(server):
    name = server()
    ip = docker("inspect", "-f", "{{.NetworkSettings.IPAddress}}", name).stdout.strip()
    assert ip, "the container has no address on the default bridge"

    def healthy():
        try:
            return requests.get(f"http://{ip}:8200/v1/sys/health", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    wait_for(healthy, "the dev server to answer on 0.0.0.0:8200")
    assert "tini" in docker("exec", name, "cat", "/proc/1/cmdline").stdout
    # The chart's readiness probe, run where the kubelet runs it.
    probe = docker("exec", name, "vault", "status", "-tls-skip-verify", check=False)
    assert probe.returncode == 0, probe.stdout + probe.stderr
    assert "Sealed" in probe.stdout and "false" in probe.stdout
    ps = docker("exec", name, "ps", "-o", "user,args").stdout
    assert any(line.split()[0] == "vault" and "arca server -dev" in line for line in ps.splitlines()), ps


def test_started_as_root_chowns_the_vault_directories_and_drops_to_vault(server, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to make a root-owned mount")
    logs = tmp_path / "logs"
    logs.mkdir()
    os.chown(logs, 0, 0)
    name = server("--user", "0", "-v", f"{logs}:/vault/logs")
    wait_for(lambda: "arca server" in docker("exec", name, "ps", "-o", "user,args").stdout, "the server process")
    ps = docker("exec", name, "ps", "-o", "user,args").stdout
    server_lines = [line for line in ps.splitlines() if "arca server" in line]
    assert server_lines and all(line.split()[0] == "vault" for line in server_lines), ps
    assert os.stat(logs).st_uid == 100


def test_skip_chown_leaves_ownership_alone(server, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to make a root-owned mount")
    logs = tmp_path / "logs"
    logs.mkdir()
    os.chown(logs, 0, 0)
    name = server("--user", "0", "-e", "SKIP_CHOWN=true", "-v", f"{logs}:/vault/logs")
    wait_for(lambda: "arca server" in docker("exec", name, "ps", "-o", "user,args").stdout, "the server process")
    assert os.stat(logs).st_uid == 0
