use arca_sdk::{Error, Operation};
use serde_json::json;

use super::*;
use crate::KeyType;

#[tokio::test]
async fn create_read_list_delete() {
    let env = Env::new();
    let created = env.create_key("k1", json!({})).await;
    assert_eq!(created["type"], json!("aes256-gcm96"));
    assert_eq!(created["latest_version"], json!(1));
    env.create_key("k2", json!({"type": "chacha20-poly1305"}))
        .await;

    let list = env
        .call(Operation::List, "keys", json!({}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(list.data.unwrap()["keys"], json!(["k1", "k2"]));
    assert_eq!(env.storage.keys(), vec!["policy/k1", "policy/k2"]);

    let k1 = env.read("keys/k1").await.unwrap();
    for (field, want) in [
        ("name", json!("k1")),
        ("derived", json!(false)),
        ("deletion_allowed", json!(false)),
        ("exportable", json!(false)),
        ("min_decryption_version", json!(1)),
        ("min_encryption_version", json!(0)),
        ("supports_encryption", json!(true)),
        ("supports_decryption", json!(true)),
        ("supports_signing", json!(false)),
        ("supports_derivation", json!(true)),
        ("auto_rotate_period", json!(0)),
    ] {
        assert_eq!(k1[field], want, "{field}");
    }
    assert!(
        k1["keys"]["1"].is_i64(),
        "symmetric keys show creation time"
    );
    assert_eq!(env.read("keys/missing").await, None);

    // Deletion needs deletion_allowed.
    let err = env
        .call(Operation::Delete, "keys/k1", json!({}))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::BadRequest("error deleting policy k1: deletion is not allowed for this key".into())
    );
    env.write("keys/k1/config", json!({"deletion_allowed": true}))
        .await;
    assert_eq!(
        env.call(Operation::Delete, "keys/k1", json!({}))
            .await
            .unwrap(),
        None
    );
    assert_eq!(env.read("keys/k1").await, None);
    assert!(
        env.call(Operation::Delete, "keys/k1", json!({}))
            .await
            .is_err()
    );

    env.write("keys/k2/config", json!({"deletion_allowed": true}))
        .await;
    env.call(Operation::Delete, "keys/k2", json!({}))
        .await
        .unwrap();
    assert_eq!(
        env.call(Operation::List, "keys/", json!({})).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn create_is_idempotent_and_validates() {
    let env = Env::new();
    env.create_key("k", json!({"type": "aes128-gcm96"})).await;
    let again = env.write_resp("keys/k", json!({"type": "ed25519"})).await;
    assert_eq!(again.warnings, vec!["key k already existed"]);
    assert_eq!(again.data.unwrap()["type"], json!("aes128-gcm96"));

    assert_eq!(
        env.write_err("keys/x", json!({"type": "aes-gcm"})).await,
        "unknown key type aes-gcm"
    );
    assert_eq!(
        env.write_err("keys/x", json!({"convergent_encryption": true}))
            .await,
        "convergent encryption requires derivation to be enabled"
    );
    assert_eq!(
        env.write_err("keys/x", json!({"type": "rsa-2048", "derived": true}))
            .await,
        "key derivation and convergent encryption not supported for keys of type rsa-2048"
    );
    assert_eq!(
        env.write_err("keys/x", json!({"auto_rotate_period": "10m"}))
            .await,
        "auto rotate period must be 0 to disable or at least an hour"
    );
    assert_eq!(
        env.write_err("keys/x", json!({"type": "hmac", "key_size": 16}))
            .await,
        "invalid key_size 16"
    );
    assert!(
        env.read("keys/x").await.is_none(),
        "nothing stored on failure"
    );
}

#[tokio::test]
async fn asymmetric_reads_show_public_keys() {
    let env = Env::new();
    for (kind, name) in [
        ("ed25519", "ed25519"),
        ("ecdsa-p256", "P-256"),
        ("ecdsa-p384", "P-384"),
        ("rsa-2048", "rsa-2048"),
    ] {
        env.create_key(kind, json!({"type": kind})).await;
        let d = env.read(&format!("keys/{kind}")).await.unwrap();
        let v1 = &d["keys"]["1"];
        assert_eq!(v1["name"], json!(name));
        let pk = v1["public_key"].as_str().unwrap();
        if kind == "ed25519" {
            assert_eq!(unb64(pk).len(), 32);
        } else {
            assert!(
                pk.starts_with("-----BEGIN PUBLIC KEY-----\n"),
                "{kind}: {pk}"
            );
        }
        assert!(v1["creation_time"].as_str().unwrap().contains('T'));
        assert_eq!(d["supports_signing"], json!(true));
    }
    let hmac = env
        .create_key("h", json!({"type": "hmac", "key_size": 64}))
        .await;
    assert_eq!(hmac["key_size"], json!(64));
    assert!(
        hmac.get("keys").is_none(),
        "Vault shows no keys map for hmac keys"
    );
}

#[tokio::test]
async fn derived_ed25519_read_with_context() {
    let env = Env::new();
    env.create_key("d", json!({"type": "ed25519", "derived": true}))
        .await;
    let plain = env.read("keys/d").await.unwrap();
    assert_eq!(plain["keys"]["1"]["public_key"], json!(""));
    assert_eq!(plain["kdf"], json!("hkdf_sha256"));
    let ctx = b64(b"tenant-1");
    let r = env
        .call(Operation::Read, "keys/d", json!({"context": ctx}))
        .await
        .unwrap()
        .unwrap()
        .data
        .unwrap();
    let pk = r["keys"]["1"]["public_key"].as_str().unwrap().to_string();
    // Signing with the same context reports the same public key.
    let s = env
        .write("sign/d", json!({"input": b64(b"m"), "context": ctx}))
        .await;
    assert_eq!(s["public_key"], json!(pk));
}

#[tokio::test]
async fn config_rules() {
    let env = Env::new();
    env.create_key("k", json!({})).await;
    for _ in 0..3 {
        env.write("keys/k/rotate", json!({})).await;
    }
    assert_eq!(
        env.read("keys/k").await.unwrap()["latest_version"],
        json!(4)
    );
    assert_eq!(
        env.write_err("keys/k/config", json!({"min_decryption_version": 9}))
            .await,
        "cannot set min decryption version of 9, latest key version is 4"
    );
    assert_eq!(
        env.write_err(
            "keys/k/config",
            json!({"min_decryption_version": 3, "min_encryption_version": 2})
        )
        .await,
        "cannot set min encryption/decryption values; min encryption version of 2 must be greater than or equal to min decryption version of 3"
    );
    let d = env
        .write(
            "keys/k/config",
            json!({"min_decryption_version": 3, "min_encryption_version": 4}),
        )
        .await;
    assert_eq!(d["min_decryption_version"], json!(3));
    assert_eq!(
        d["keys"].as_object().unwrap().len(),
        2,
        "versions 3 and 4 shown"
    );
    let r = env
        .write_resp("keys/k/config", json!({"min_decryption_version": 0}))
        .await;
    assert_eq!(r.warnings.len(), 1);
    assert_eq!(r.data.unwrap()["min_decryption_version"], json!(1));

    env.write("keys/k/config", json!({"exportable": true}))
        .await;
    let d = env
        .write("keys/k/config", json!({"exportable": false}))
        .await;
    assert_eq!(d["exportable"], json!(true), "export cannot be turned off");
    let d = env
        .write("keys/k/config", json!({"auto_rotate_period": "24h"}))
        .await;
    assert_eq!(d["auto_rotate_period"], json!(86400));
    assert_eq!(
        env.write_err("keys/k/config", json!({"auto_rotate_period": 5}))
            .await,
        "auto rotate period must be 0 to disable or at least an hour"
    );
    assert_eq!(
        env.write_err("keys/nope/config", json!({"deletion_allowed": true}))
            .await,
        "no existing key named nope could be found"
    );
    assert_eq!(
        env.write_err("keys/nope/rotate", json!({})).await,
        "key not found"
    );
}

#[tokio::test]
async fn trim_forgets_old_versions() {
    let env = Env::new();
    env.create_key("k", json!({})).await;
    let ct1 = env.encrypt("k", b"old", json!({})).await;
    env.write("keys/k/rotate", json!({})).await;
    env.write("keys/k/rotate", json!({})).await;
    assert_eq!(
        env.write_err("keys/k/trim", json!({"min_available_version": 2}))
            .await,
        "minimum available version cannot be set when minimum encryption version is not set"
    );
    env.write(
        "keys/k/config",
        json!({"min_decryption_version": 2, "min_encryption_version": 3}),
    )
    .await;
    assert_eq!(
        env.write_err("keys/k/trim", json!({"min_available_version": 3}))
            .await,
        "minimum available version cannot be greater than minimum decryption version"
    );
    let d = env
        .write("keys/k/trim", json!({"min_available_version": 2}))
        .await;
    assert_eq!(d["min_available_version"], json!(2));
    assert_eq!(
        env.write_err("keys/k/trim", json!({"min_available_version": 1}))
            .await,
        "minimum available version cannot be decremented"
    );
    // Lowering min_decryption_version below the trimmed versions is refused.
    assert_eq!(
        env.write_err("keys/k/config", json!({"min_decryption_version": 1}))
            .await,
        "min decryption version should not be less then min available version"
    );
    let err = env.write_err("decrypt/k", json!({"ciphertext": ct1})).await;
    assert_eq!(
        err,
        "ciphertext or signature version is disallowed by policy (too old)"
    );
    let doc: Value =
        serde_json::from_slice(&env.storage.get("policy/k").await.unwrap().unwrap()).unwrap();
    assert!(
        doc["keys"].get("1").is_none(),
        "version 1 is gone from storage"
    );
}

#[test]
fn every_key_type_is_creatable_by_name() {
    for t in KeyType::ALL {
        assert!(KeyType::parse(t.as_str()).is_some());
    }
}

#[tokio::test]
async fn key_material_never_appears_in_debug_or_errors() {
    let env = Env::new();
    env.create_key("k", json!({"exportable": true})).await;
    let exported = env.read("export/encryption-key/k").await.unwrap();
    let key_b64 = exported["keys"]["1"].as_str().unwrap().to_string();
    let p = crate::policy::Policy::load(env.storage.as_ref(), "k")
        .await
        .unwrap()
        .unwrap();
    let shown = format!("{p:?}");
    assert!(!shown.contains(&key_b64));
    let err = env
        .write_err(
            "decrypt/k",
            json!({"ciphertext": "vault:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}),
        )
        .await;
    assert!(!err.contains(&key_b64));
}
