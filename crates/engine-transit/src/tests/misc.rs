use arca_sdk::Operation;
use serde_json::json;

use super::*;

#[tokio::test]
async fn random_bytes_formats_and_limits() {
    let env = Env::new();
    let d = env.write("random", json!({})).await;
    assert_eq!(unb64(d["random_bytes"].as_str().unwrap()).len(), 32);
    let d = env.write("random/16", json!({"format": "hex"})).await;
    let hex_out = d["random_bytes"].as_str().unwrap();
    assert_eq!(hex::decode(hex_out).unwrap().len(), 16);
    let d = env.write("random", json!({"bytes": 64})).await;
    assert_eq!(unb64(d["random_bytes"].as_str().unwrap()).len(), 64);
    let d = env.write("random/platform/8", json!({})).await;
    assert_eq!(unb64(d["random_bytes"].as_str().unwrap()).len(), 8);
    let d = env.write("random/seal", json!({"bytes": 4})).await;
    assert_eq!(unb64(d["random_bytes"].as_str().unwrap()).len(), 4);
    assert_ne!(
        env.write("random", json!({})).await["random_bytes"],
        env.write("random", json!({})).await["random_bytes"]
    );
    assert_eq!(
        env.write_err("random", json!({"bytes": 0})).await,
        "\"bytes\" cannot be less than 1"
    );
    assert_eq!(
        env.write_err("random", json!({"bytes": 200000})).await,
        "\"bytes\" should be less than 131072"
    );
    assert_eq!(
        env.write_err("random", json!({"format": "raw"})).await,
        "unsupported encoding format \"raw\"; must be \"hex\" or \"base64\""
    );
    assert!(
        env.write_err("random/abc", json!({}))
            .await
            .starts_with("error parsing url-set byte count")
    );
}

#[tokio::test]
async fn hashes() {
    let env = Env::new();
    let input = b64(b"abc");
    let d = env.write("hash", json!({"input": input})).await;
    assert_eq!(
        d["sum"],
        json!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    let d = env
        .write("hash/sha2-512", json!({"input": input, "format": "base64"}))
        .await;
    assert_eq!(unb64(d["sum"].as_str().unwrap()).len(), 64);
    let d = env
        .write("hash", json!({"input": input, "algorithm": "sha2-224"}))
        .await;
    assert_eq!(d["sum"].as_str().unwrap().len(), 56);
    assert_eq!(
        env.write_err("hash/md5", json!({"input": input})).await,
        "unsupported algorithm md5"
    );
    assert_eq!(
        env.write_err("hash", json!({"input": input, "format": "raw"}))
            .await,
        "unsupported encoding format raw; must be \"hex\" or \"base64\""
    );
    assert_eq!(
        env.write_err("hash", json!({"input": "%%"})).await,
        "unable to decode input as base64: illegal base64 data at input byte 0"
    );
}

#[tokio::test]
async fn export_rules() {
    let env = Env::new();
    env.create_key("locked", json!({})).await;
    assert_eq!(env.read("export/encryption-key/missing").await, None);
    let err = env
        .call(Operation::Read, "export/encryption-key/locked", json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "private key material is not exportable");

    env.create_key("aes", json!({"exportable": true, "type": "aes128-gcm96"}))
        .await;
    env.write("keys/aes/rotate", json!({})).await;
    let all = env.read("export/encryption-key/aes").await.unwrap();
    assert_eq!(all["type"], json!("aes128-gcm96"));
    let keys = all["keys"].as_object().unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(unb64(keys["1"].as_str().unwrap()).len(), 16);
    let latest = env.read("export/encryption-key/aes/latest").await.unwrap();
    assert_eq!(
        latest["keys"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        vec!["2"]
    );
    let v1 = env.read("export/hmac-key/aes/v1").await.unwrap();
    assert_eq!(unb64(v1["keys"]["1"].as_str().unwrap()).len(), 32);
    let err = env
        .call(Operation::Read, "export/signing-key/aes", json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "signing not supported for the key");
    let err = env
        .call(Operation::Read, "export/encryption-key/aes/9", json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "version does not exist or cannot be found");
    let err = env
        .call(Operation::Read, "export/secret-key/aes", json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "invalid export type: secret-key");

    // The exported key really is the key: decrypt a transit ciphertext with it.
    let ct = env.encrypt("aes", b"plain", json!({})).await;
    let key = unb64(latest["keys"]["2"].as_str().unwrap());
    let raw = unb64(&ct["vault:v2:".len()..]);
    let plain = crate::aead::open(crate::KeyType::Aes128Gcm96, &key, &raw, b"").unwrap();
    assert_eq!(plain.as_slice(), b"plain");

    env.create_key("ec", json!({"exportable": true, "type": "ecdsa-p256"}))
        .await;
    let signing = env.read("export/signing-key/ec").await.unwrap();
    assert!(
        signing["keys"]["1"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN EC PRIVATE KEY-----")
    );
    env.create_key("ed", json!({"type": "ed25519"})).await;
    let public = env.read("export/public-key/ed").await.unwrap();
    assert_eq!(
        unb64(public["keys"]["1"].as_str().unwrap()).len(),
        32,
        "public keys need no exportable"
    );
    env.create_key("rsa", json!({"exportable": true, "type": "rsa-2048"}))
        .await;
    let rsa = env.read("export/encryption-key/rsa").await.unwrap();
    assert!(
        rsa["keys"]["1"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN RSA PRIVATE KEY-----")
    );
}

#[tokio::test]
async fn backup_and_restore() {
    let env = Env::new();
    env.create_key("k", json!({})).await;
    let err = env
        .call(Operation::Read, "backup/k", json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "exporting is disallowed on the policy");
    env.write(
        "keys/k/config",
        json!({"exportable": true, "allow_plaintext_backup": true}),
    )
    .await;
    let ct = env.encrypt("k", b"kept", json!({})).await;
    let backup = env.read("backup/k").await.unwrap()["backup"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        env.read("keys/k")
            .await
            .unwrap()
            .contains_key("backup_info")
    );

    assert_eq!(
        env.write_err("restore", json!({"backup": backup})).await,
        "key \"k\" already exists"
    );
    env.call(Operation::Update, "restore/copy", json!({"backup": backup}))
        .await
        .unwrap();
    assert_eq!(env.decrypt("copy", &ct, json!({})).await, b"kept");
    assert!(
        env.read("keys/copy")
            .await
            .unwrap()
            .contains_key("restore_info")
    );
    assert_eq!(
        env.write_err("restore", json!({"backup": b64(b"junk")}))
            .await,
        "failed to restore the key: invalid backup"
    );
}
