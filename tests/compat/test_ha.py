"""HA endpoints on one node via hvac: raft snapshot save/restore (and refusal of damaged
backups), step-down of a lone voter, sys/ha-status and the autopilot endpoints."""
import hvac
import pytest


def test_snapshot_round_trip(unsealed):
    client = unsealed
    client.secrets.kv.v2.create_or_update_secret(path="app", secret={"v": "one"})
    resp = client.sys.take_raft_snapshot()
    assert resp.status_code == 200
    backup = resp.content
    assert backup.startswith(b"ARCABAK1")

    client.secrets.kv.v2.create_or_update_secret(path="app", secret={"v": "two"})
    client.secrets.kv.v2.create_or_update_secret(path="extra", secret={"v": "x"})

    damaged = bytearray(backup)
    damaged[len(damaged) // 2] ^= 0x55
    for bad in (bytes(damaged), backup[:-7], b"not a snapshot"):
        with pytest.raises(hvac.exceptions.InvalidRequest):
            client.sys.restore_raft_snapshot(bad)
    assert client.secrets.kv.v2.read_secret_version(path="app", raise_on_deleted_version=True)["data"]["data"] == {"v": "two"}

    assert client.sys.restore_raft_snapshot(backup).status_code == 204
    read = client.secrets.kv.v2.read_secret_version(path="app", raise_on_deleted_version=True)
    assert read["data"]["data"] == {"v": "one"}
    assert read["data"]["metadata"]["version"] == 1
    with pytest.raises(hvac.exceptions.InvalidPath):
        client.secrets.kv.v2.read_secret_version(path="extra", raise_on_deleted_version=True)
    # The node goes on working, and a forced restore of the same backup works too.
    assert client.sys.force_restore_raft_snapshot(backup).status_code == 204
    client.secrets.kv.v2.create_or_update_secret(path="after", secret={"v": "ok"})


def test_lone_voter_stays_active_after_step_down(unsealed):
    client = unsealed
    assert client.sys.step_down().status_code == 204
    assert client.sys.read_leader_status()["is_self"] is True
    # Step-down needs a token with sudo.
    with pytest.raises(hvac.exceptions.Forbidden):
        hvac.Client(url=client.url).sys.step_down()


def test_ha_status_and_autopilot(unsealed):
    client = unsealed
    status = client.adapter.get("/v1/sys/ha-status")
    nodes = status["data"]["nodes"]
    assert len(nodes) == 1 and nodes[0]["active_node"] is True
    assert nodes[0]["last_echo"] is None
    assert status["nodes"] == nodes

    config = client.read("sys/storage/raft/autopilot/configuration")["data"]
    assert config == {
        "cleanup_dead_servers": False,
        "last_contact_threshold": "10s",
        "dead_server_last_contact_threshold": "24h0m0s",
        "max_trailing_logs": 1000,
        "min_quorum": 3,
        "server_stabilization_time": "10s",
        "disable_upgrade_migration": False,
    }
    client.write("sys/storage/raft/autopilot/configuration", server_stabilization_time=30, max_trailing_logs=50)
    config = client.read("sys/storage/raft/autopilot/configuration")["data"]
    assert config["server_stabilization_time"] == "30s" and config["max_trailing_logs"] == 50
    with pytest.raises(hvac.exceptions.InvalidRequest):
        client.write(
            "sys/storage/raft/autopilot/configuration",
            cleanup_dead_servers=True,
            dead_server_last_contact_threshold="10s",
        )

    state = client.read("sys/storage/raft/autopilot/state")["data"]
    assert state["healthy"] is True
    assert state["leader"] == "compat-node" and state["voters"] == ["compat-node"]
    server = state["servers"]["compat-node"]
    assert server["status"] == "leader" and server["last_contact"] == "0s"
