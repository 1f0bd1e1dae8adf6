"""kv-v2 through hvac: put/get/patch/versions/delete/undelete/destroy of the seed's
`secret/database/secret` (username/password)."""
import hvac
import pytest
import requests

PATH = "database/secret"


def test_put_and_get(unsealed):
    kv = unsealed.secrets.kv.v2
    r = kv.create_or_update_secret(path=PATH, secret={"username": "myusername", "password": "mypassword"}, mount_point="secret")
    assert r["data"]["version"] == 1
    got = kv.read_secret_version(path=PATH, mount_point="secret", raise_on_deleted_version=True)
    assert got["data"]["data"] == {"username": "myusername", "password": "mypassword"}
    assert got["data"]["metadata"]["version"] == 1


def test_second_version_and_read_old(unsealed):
    kv = unsealed.secrets.kv.v2
    r = kv.create_or_update_secret(path=PATH, secret={"username": "myusername2", "password": "mypassword2"}, mount_point="secret")
    assert r["data"]["version"] == 2
    assert kv.read_secret_version(path=PATH, version=1, mount_point="secret", raise_on_deleted_version=True)["data"]["data"]["username"] == "myusername"
    assert kv.read_secret_version(path=PATH, mount_point="secret", raise_on_deleted_version=True)["data"]["data"]["username"] == "myusername2"


def test_patch(unsealed):
    kv = unsealed.secrets.kv.v2
    r = kv.patch(path=PATH, secret={"password": "patched"}, mount_point="secret")
    assert r["data"]["version"] == 3
    data = kv.read_secret_version(path=PATH, mount_point="secret", raise_on_deleted_version=True)["data"]["data"]
    assert data == {"username": "myusername2", "password": "patched"}


def test_metadata_lists_versions(unsealed):
    meta = unsealed.secrets.kv.v2.read_secret_metadata(path=PATH, mount_point="secret")["data"]
    assert meta["current_version"] == 3
    assert set(meta["versions"].keys()) == {"1", "2", "3"}
    keys = unsealed.secrets.kv.v2.list_secrets(path="database", mount_point="secret")["data"]["keys"]
    assert keys == ["secret"]


def test_delete_undelete_destroy(unsealed):
    kv = unsealed.secrets.kv.v2
    kv.delete_latest_version_of_secret(path=PATH, mount_point="secret")
    with pytest.raises(hvac.exceptions.InvalidPath):
        kv.read_secret_version(path=PATH, mount_point="secret", raise_on_deleted_version=True)
    kv.undelete_secret_versions(path=PATH, versions=[3], mount_point="secret")
    assert kv.read_secret_version(path=PATH, mount_point="secret", raise_on_deleted_version=True)["data"]["data"]["password"] == "patched"
    kv.destroy_secret_versions(path=PATH, versions=[1], mount_point="secret")
    meta = kv.read_secret_metadata(path=PATH, mount_point="secret")["data"]
    assert meta["versions"]["1"]["destroyed"] is True
    with pytest.raises(hvac.exceptions.InvalidPath):
        kv.read_secret_version(path=PATH, version=1, mount_point="secret", raise_on_deleted_version=True)


def test_cas(unsealed, node):
    kv = unsealed.secrets.kv.v2
    kv.create_or_update_secret(path="cas/key", secret={"v": "1"}, cas=0, mount_point="secret")
    with pytest.raises(hvac.exceptions.InvalidRequest) as e:
        kv.create_or_update_secret(path="cas/key", secret={"v": "2"}, cas=0, mount_point="secret")
    assert "check-and-set" in str(e.value)
    kv.create_or_update_secret(path="cas/key", secret={"v": "2"}, cas=1, mount_point="secret")


def test_metadata_delete(unsealed):
    kv = unsealed.secrets.kv.v2
    kv.create_or_update_secret(path="tmp/x", secret={"a": "b"}, mount_point="secret")
    kv.delete_metadata_and_all_versions(path="tmp/x", mount_point="secret")
    with pytest.raises(hvac.exceptions.InvalidPath):
        kv.read_secret_metadata(path="tmp/x", mount_point="secret")


def test_mount_shows_version(unsealed):
    mounts = unsealed.sys.list_mounted_secrets_engines()["data"]
    assert mounts["secret/"]["type"] == "kv"
    assert mounts["secret/"]["options"]["version"] == "2"
    ui = requests.get(f"{unsealed.url}/v1/sys/internal/ui/mounts/secret/database/secret",
                      headers={"X-Vault-Token": unsealed.token}, timeout=5).json()
    assert ui["data"]["path"] == "secret/" and ui["data"]["options"]["version"] == "2"
