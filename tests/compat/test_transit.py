"""The transit secrets engine through hvac: keys, encrypt/decrypt, rotation, rewrap,
data keys, sign/verify, HMAC, random bytes and hashes, and the 400s/403s of bad input."""
import base64

import hvac
import pytest

MOUNT = "transit"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(data: str) -> bytes:
    return base64.b64decode(data)


@pytest.fixture(scope="module")
def transit(unsealed):
    unsealed.sys.enable_secrets_engine("transit", path=MOUNT)
    return unsealed.secrets.transit


def test_create_read_list_keys(transit):
    transit.create_key(name="autounseal", mount_point=MOUNT)
    transit.create_key(name="chacha", key_type="chacha20-poly1305", mount_point=MOUNT)
    key = transit.read_key(name="autounseal", mount_point=MOUNT)["data"]
    assert key["type"] == "aes256-gcm96"
    assert key["latest_version"] == 1
    assert key["supports_encryption"] and not key["supports_signing"]
    assert set(key["keys"]) == {"1"}
    names = transit.list_keys(mount_point=MOUNT)["data"]["keys"]
    assert {"autounseal", "chacha"} <= set(names)


def test_encrypt_decrypt_round_trip(transit):
    for name in ["autounseal", "chacha"]:
        ct = transit.encrypt_data(name=name, plaintext=b64(b"the root key"), mount_point=MOUNT)["data"]
        assert ct["ciphertext"].startswith("vault:v1:")
        assert ct["key_version"] == 1
        pt = transit.decrypt_data(name=name, ciphertext=ct["ciphertext"], mount_point=MOUNT)["data"]
        assert unb64(pt["plaintext"]) == b"the root key"


def test_rotation_old_versions_and_rewrap(transit):
    old = transit.encrypt_data(name="autounseal", plaintext=b64(b"v1 data"), mount_point=MOUNT)["data"]["ciphertext"]
    transit.rotate_key(name="autounseal", mount_point=MOUNT)
    assert transit.read_key(name="autounseal", mount_point=MOUNT)["data"]["latest_version"] == 2
    new = transit.encrypt_data(name="autounseal", plaintext=b64(b"v2 data"), mount_point=MOUNT)["data"]["ciphertext"]
    assert new.startswith("vault:v2:")
    # Old ciphertexts still decrypt after a rotation.
    pt = transit.decrypt_data(name="autounseal", ciphertext=old, mount_point=MOUNT)["data"]["plaintext"]
    assert unb64(pt) == b"v1 data"
    rewrapped = transit.rewrap_data(name="autounseal", ciphertext=old, mount_point=MOUNT)["data"]
    assert rewrapped["ciphertext"].startswith("vault:v2:")
    pt = transit.decrypt_data(name="autounseal", ciphertext=rewrapped["ciphertext"], mount_point=MOUNT)["data"]
    assert unb64(pt["plaintext"]) == b"v1 data"


def test_min_decryption_version_refuses_old_ciphertext(transit):
    transit.create_key(name="strict", mount_point=MOUNT)
    old = transit.encrypt_data(name="strict", plaintext=b64(b"x"), mount_point=MOUNT)["data"]["ciphertext"]
    transit.rotate_key(name="strict", mount_point=MOUNT)
    transit.update_key_configuration(name="strict", min_decryption_version=2, mount_point=MOUNT)
    with pytest.raises(hvac.exceptions.InvalidRequest, match="disallowed by policy"):
        transit.decrypt_data(name="strict", ciphertext=old, mount_point=MOUNT)


def test_tampered_and_malformed_ciphertexts_are_400(transit):
    ct = transit.encrypt_data(name="chacha", plaintext=b64(b"secret"), mount_point=MOUNT)["data"]["ciphertext"]
    raw = bytearray(unb64(ct[len("vault:v1:"):]))
    raw[14] ^= 1
    with pytest.raises(hvac.exceptions.InvalidRequest, match="message authentication failed"):
        transit.decrypt_data(name="chacha", ciphertext="vault:v1:" + b64(bytes(raw)), mount_point=MOUNT)
    with pytest.raises(hvac.exceptions.InvalidRequest, match="no prefix"):
        transit.decrypt_data(name="chacha", ciphertext="garbage", mount_point=MOUNT)
    with pytest.raises(hvac.exceptions.InvalidRequest, match="encryption key not found"):
        transit.decrypt_data(name="no-such-key", ciphertext=ct, mount_point=MOUNT)


def test_batch_and_derived_and_convergent(transit):
    transit.create_key(name="conv", derived=True, convergent_encryption=True, mount_point=MOUNT)
    ctx = b64(b"tenant-a")
    batch = [{"plaintext": b64(b"same"), "context": ctx}, {"plaintext": b64(b"same"), "context": ctx}]
    results = transit.encrypt_data(name="conv", batch_input=batch, mount_point=MOUNT)["data"]["batch_results"]
    assert results[0]["ciphertext"] == results[1]["ciphertext"]
    back = transit.decrypt_data(
        name="conv",
        ciphertext=None,
        batch_input=[{"ciphertext": r["ciphertext"], "context": ctx} for r in results],
        mount_point=MOUNT,
    )["data"]["batch_results"]
    assert [unb64(r["plaintext"]) for r in back] == [b"same", b"same"]
    with pytest.raises(hvac.exceptions.InvalidRequest, match="context"):
        transit.encrypt_data(name="conv", plaintext=b64(b"x"), mount_point=MOUNT)


def test_encrypt_creates_a_missing_key(transit):
    transit.encrypt_data(name="upserted", plaintext=b64(b"x"), mount_point=MOUNT)
    assert transit.read_key(name="upserted", mount_point=MOUNT)["data"]["type"] == "aes256-gcm96"


def test_data_keys(transit):
    plain = transit.generate_data_key(name="autounseal", key_type="plaintext", bits=256, mount_point=MOUNT)["data"]
    key = unb64(plain["plaintext"])
    assert len(key) == 32
    unwrapped = transit.decrypt_data(name="autounseal", ciphertext=plain["ciphertext"], mount_point=MOUNT)["data"]
    assert unb64(unwrapped["plaintext"]) == key
    wrapped = transit.generate_data_key(name="autounseal", key_type="wrapped", mount_point=MOUNT)["data"]
    assert "plaintext" not in wrapped


@pytest.mark.parametrize("key_type", ["ed25519", "ecdsa-p256", "ecdsa-p384", "rsa-2048"])
def test_sign_and_verify(transit, key_type):
    name = f"sig-{key_type}"
    transit.create_key(name=name, key_type=key_type, mount_point=MOUNT)
    data = b64(b"document")
    sig = transit.sign_data(name=name, hash_input=data, mount_point=MOUNT)["data"]["signature"]
    assert sig.startswith("vault:v1:")
    ok = transit.verify_signed_data(name=name, hash_input=data, signature=sig, mount_point=MOUNT)["data"]
    assert ok["valid"] is True
    bad = transit.verify_signed_data(name=name, hash_input=b64(b"forged"), signature=sig, mount_point=MOUNT)["data"]
    assert bad["valid"] is False
    public = transit.read_key(name=name, mount_point=MOUNT)["data"]["keys"]["1"]["public_key"]
    assert public


def test_rsa_pkcs1v15_and_sha512(transit):
    data = b64(b"document")
    sig = transit.sign_data(
        name="sig-rsa-2048", hash_input=data, hash_algorithm="sha2-512",
        signature_algorithm="pkcs1v15", mount_point=MOUNT,
    )["data"]["signature"]
    ok = transit.verify_signed_data(
        name="sig-rsa-2048", hash_input=data, signature=sig, hash_algorithm="sha2-512",
        signature_algorithm="pkcs1v15", mount_point=MOUNT,
    )["data"]
    assert ok["valid"] is True


def test_signing_with_an_encryption_key_is_400(transit):
    with pytest.raises(hvac.exceptions.InvalidRequest, match="does not support signing"):
        transit.sign_data(name="autounseal", hash_input=b64(b"x"), mount_point=MOUNT)


def test_hmac_random_hash(transit):
    mac = transit.generate_hmac(name="autounseal", hash_input=b64(b"msg"), mount_point=MOUNT)["data"]["hmac"]
    assert mac.startswith("vault:v2:")
    ok = transit.verify_signed_data(name="autounseal", hash_input=b64(b"msg"), hmac=mac, mount_point=MOUNT)["data"]
    assert ok["valid"] is True
    rnd = transit.generate_random_bytes(n_bytes=16, output_format="hex", mount_point=MOUNT)["data"]["random_bytes"]
    assert len(bytes.fromhex(rnd)) == 16
    digest = transit.hash_data(hash_input=b64(b"abc"), algorithm="sha2-256", mount_point=MOUNT)["data"]["sum"]
    assert digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_export_needs_exportable(transit):
    with pytest.raises(hvac.exceptions.InvalidRequest, match="not exportable"):
        transit.export_key(name="autounseal", key_type="encryption-key", mount_point=MOUNT)
    transit.create_key(name="exportable", exportable=True, mount_point=MOUNT)
    keys = transit.export_key(name="exportable", key_type="encryption-key", mount_point=MOUNT)["data"]["keys"]
    assert len(unb64(keys["1"])) == 32


def test_delete_needs_deletion_allowed(transit):
    transit.create_key(name="doomed", mount_point=MOUNT)
    with pytest.raises(hvac.exceptions.InvalidRequest, match="deletion is not allowed"):
        transit.delete_key(name="doomed", mount_point=MOUNT)
    transit.update_key_configuration(name="doomed", deletion_allowed=True, mount_point=MOUNT)
    transit.delete_key(name="doomed", mount_point=MOUNT)
    with pytest.raises(hvac.exceptions.InvalidPath):
        transit.read_key(name="doomed", mount_point=MOUNT)


def test_a_decrypt_only_token_cannot_encrypt(unsealed, node, transit):
    unsealed.sys.create_or_update_policy(
        name="transit-decrypt-only",
        policy='path "transit/decrypt/autounseal" { capabilities = ["update"] }',
    )
    token = unsealed.auth.token.create(policies=["transit-decrypt-only"])["auth"]["client_token"]
    limited = node.client(token).secrets.transit
    ct = transit.encrypt_data(name="autounseal", plaintext=b64(b"x"), mount_point=MOUNT)["data"]["ciphertext"]
    assert unb64(limited.decrypt_data(name="autounseal", ciphertext=ct, mount_point=MOUNT)["data"]["plaintext"]) == b"x"
    with pytest.raises(hvac.exceptions.Forbidden):
        limited.encrypt_data(name="autounseal", plaintext=b64(b"x"), mount_point=MOUNT)
