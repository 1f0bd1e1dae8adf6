use arca_sdk::{Error, Operation};
use serde_json::json;

use super::*;

#[tokio::test]
async fn every_encryption_type_round_trips() {
    let env = Env::new();
    for kind in [
        "aes128-gcm96",
        "aes256-gcm96",
        "chacha20-poly1305",
        "rsa-2048",
    ] {
        env.create_key(kind, json!({"type": kind})).await;
        let resp = env
            .write(
                &format!("encrypt/{kind}"),
                json!({"plaintext": b64(b"the quick brown fox")}),
            )
            .await;
        assert_eq!(resp["key_version"], json!(1));
        let ct = resp["ciphertext"].as_str().unwrap();
        assert!(ct.starts_with("vault:v1:"), "{kind}: {ct}");
        assert_eq!(
            env.decrypt(kind, ct, json!({})).await,
            b"the quick brown fox",
            "{kind}"
        );
        // Empty plaintext is allowed.
        let empty = env.encrypt(kind, b"", json!({})).await;
        assert_eq!(env.decrypt(kind, &empty, json!({})).await, b"");
    }
    for kind in ["ed25519", "ecdsa-p256", "hmac"] {
        env.create_key(kind, json!({"type": kind})).await;
        assert_eq!(
            env.write_err(&format!("encrypt/{kind}"), json!({"plaintext": b64(b"x")}))
                .await,
            format!("message encryption not supported for key type {kind}")
        );
        assert_eq!(
            env.write_err(
                &format!("decrypt/{kind}"),
                json!({"ciphertext": "vault:v1:AAAA"})
            )
            .await,
            format!("message decryption not supported for key type {kind}")
        );
    }
}

#[tokio::test]
async fn rotation_and_min_decryption_version() {
    let env = Env::new();
    env.create_key("k", json!({})).await;
    let v1 = env.encrypt("k", b"one", json!({})).await;
    let rotated = env.write("keys/k/rotate", json!({})).await;
    assert_eq!(rotated["latest_version"], json!(2));
    let v2 = env.encrypt("k", b"two", json!({})).await;
    assert!(v2.starts_with("vault:v2:"));
    assert_eq!(
        env.decrypt("k", &v1, json!({})).await,
        b"one",
        "old versions still decrypt"
    );
    // An explicit older version encrypts with that version.
    let old = env.encrypt("k", b"x", json!({"key_version": 1})).await;
    assert!(old.starts_with("vault:v1:"));

    env.write("keys/k/config", json!({"min_decryption_version": 2}))
        .await;
    assert_eq!(
        env.write_err("decrypt/k", json!({"ciphertext": v1})).await,
        "ciphertext or signature version is disallowed by policy (too old)"
    );
    assert_eq!(env.decrypt("k", &v2, json!({})).await, b"two");

    env.write("keys/k/config", json!({"min_encryption_version": 2}))
        .await;
    assert_eq!(
        env.write_err(
            "encrypt/k",
            json!({"plaintext": b64(b"x"), "key_version": 1})
        )
        .await,
        "requested version for encryption is less than the minimum encryption key version"
    );
    assert_eq!(
        env.write_err(
            "encrypt/k",
            json!({"plaintext": b64(b"x"), "key_version": 3})
        )
        .await,
        "requested version for encryption is higher than the latest key version"
    );
}

#[tokio::test]
async fn bad_ciphertexts_are_400_with_vault_texts() {
    let env = Env::new();
    env.create_key("k", json!({})).await;
    let ct = env.encrypt("k", b"secret", json!({})).await;
    let body = ct.strip_prefix("vault:v1:").unwrap();
    let mut raw = unb64(body);
    raw[15] ^= 0x01;
    let tampered = format!("vault:v1:{}", b64(&raw));
    for (ciphertext, want) in [
        (format!("v1:{body}"), "invalid ciphertext: no prefix"),
        (
            "vault:v1".to_string(),
            "invalid ciphertext: wrong number of fields",
        ),
        (
            format!("vault:vx:{body}"),
            "invalid ciphertext: version number could not be decoded",
        ),
        (
            format!("vault:v7:{body}"),
            "invalid ciphertext: version is too new",
        ),
        (
            "vault:v1:%%%".to_string(),
            "invalid ciphertext: could not decode base64",
        ),
        (tampered, "cipher: message authentication failed"),
    ] {
        assert_eq!(
            env.write_err("decrypt/k", json!({"ciphertext": ciphertext}))
                .await,
            want
        );
    }
    assert_eq!(
        env.write_err("decrypt/k", json!({})).await,
        "missing ciphertext to decrypt"
    );
    assert_eq!(
        env.write_err("encrypt/k", json!({})).await,
        "missing plaintext to encrypt"
    );
    assert_eq!(
        env.write_err("encrypt/k", json!({"plaintext": "not base64!"}))
            .await,
        "illegal base64 data at input byte 3"
    );
    assert_eq!(
        env.write_err("decrypt/nokey", json!({"ciphertext": ct}))
            .await,
        "encryption key not found"
    );
    // Another key of the same type cannot decrypt it.
    env.create_key("other", json!({})).await;
    assert_eq!(
        env.write_err("decrypt/other", json!({"ciphertext": ct}))
            .await,
        "cipher: message authentication failed"
    );
}

#[tokio::test]
async fn encrypt_to_a_missing_key_creates_it_only_on_create() {
    let env = Env::new();
    assert_eq!(
        env.write_err("encrypt/auto", json!({"plaintext": b64(b"x")}))
            .await,
        "encryption key not found"
    );
    // The core turns the write into a Create when the existence check says so.
    let req = Request::new(
        Operation::Update,
        "encrypt/auto",
        env.storage.clone() as Arc<dyn Storage>,
    );
    assert_eq!(env.backend.exists(&req).await.unwrap(), Some(false));
    let r = env
        .call(
            Operation::Create,
            "encrypt/auto",
            json!({"plaintext": b64(b"x"), "type": "chacha20-poly1305"}),
        )
        .await
        .unwrap()
        .unwrap();
    let ct = r.data.unwrap()["ciphertext"].as_str().unwrap().to_string();
    assert_eq!(
        env.read("keys/auto").await.unwrap()["type"],
        json!("chacha20-poly1305")
    );
    assert_eq!(env.decrypt("auto", &ct, json!({})).await, b"x");
    assert_eq!(env.backend.exists(&req).await.unwrap(), Some(true));
    let again = env
        .call(
            Operation::Create,
            "encrypt/auto",
            json!({"plaintext": b64(b"x")}),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.warnings.len(), 1);
    let err = env
        .call(
            Operation::Create,
            "encrypt/sig",
            json!({"plaintext": b64(b"x"), "type": "ecdsa-p256"}),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::BadRequest("key type ecdsa-p256 not supported for this operation".into())
    );
    // A context on creation makes a derived key.
    env.call(
        Operation::Create,
        "encrypt/der",
        json!({"plaintext": b64(b"x"), "context": b64(b"c")}),
    )
    .await
    .unwrap();
    assert_eq!(env.read("keys/der").await.unwrap()["derived"], json!(true));
}

#[tokio::test]
async fn batch_encrypt_decrypt_with_partial_failures() {
    let env = Env::new();
    env.create_key("k", json!({})).await;
    let r = env
        .write(
            "encrypt/k",
            json!({"batch_input": [
                {"plaintext": b64(b"a"), "reference": "first"},
                {"plaintext": b64(b"b")},
            ]}),
        )
        .await;
    let results = r["batch_results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["reference"], json!("first"));
    assert_eq!(results[1]["key_version"], json!(1));
    let cts: Vec<String> = results
        .iter()
        .map(|x| x["ciphertext"].as_str().unwrap().to_string())
        .collect();

    let r = env
        .write_resp(
            "decrypt/k",
            json!({"batch_input": [
                {"ciphertext": cts[0], "reference": "r0"},
                {"ciphertext": "garbage"},
                {"ciphertext": cts[1]},
            ]}),
        )
        .await;
    assert_eq!(r.status, Some(400), "a failed item makes the batch a 400");
    let results = r.data.unwrap()["batch_results"].as_array().unwrap().clone();
    assert_eq!(unb64(results[0]["plaintext"].as_str().unwrap()), b"a");
    assert_eq!(results[0]["reference"], json!("r0"));
    assert_eq!(results[1]["error"], json!("invalid ciphertext: no prefix"));
    assert_eq!(unb64(results[2]["plaintext"].as_str().unwrap()), b"b");

    let r = env
        .write_resp(
            "decrypt/k",
            json!({"partial_failure_response_code": 207, "batch_input": [{"ciphertext": cts[0]}, {"ciphertext": ""}]}),
        )
        .await;
    assert_eq!(r.status, Some(207));
    assert_eq!(
        env.write_err("encrypt/k", json!({"batch_input": []})).await,
        "missing batch input to process"
    );
    assert_eq!(
        env.write_err("encrypt/k", json!({"batch_input": [{"plaintext": b64(b"a"), "context": b64(b"c")}, {"plaintext": b64(b"b")}]}))
            .await,
        "context should be set either in all the request blocks or in none"
    );
}

#[tokio::test]
async fn derived_keys_need_context() {
    let env = Env::new();
    env.create_key("d", json!({"derived": true})).await;
    let err = env
        .write_err("encrypt/d", json!({"plaintext": b64(b"x")}))
        .await;
    assert!(
        err.starts_with("missing 'context' for key derivation"),
        "{err}"
    );
    let ctx = json!({"context": b64(b"user-1")});
    let ct = env.encrypt("d", b"x", ctx.clone()).await;
    assert_eq!(env.decrypt("d", &ct, ctx).await, b"x");
    assert_eq!(
        env.write_err(
            "decrypt/d",
            json!({"ciphertext": ct, "context": b64(b"user-2")})
        )
        .await,
        "cipher: message authentication failed"
    );
    assert!(
        env.write_err("decrypt/d", json!({"ciphertext": ct}))
            .await
            .starts_with("missing 'context'")
    );
}

#[tokio::test]
async fn convergent_encryption_is_deterministic() {
    let env = Env::new();
    let d = env
        .create_key("c", json!({"derived": true, "convergent_encryption": true}))
        .await;
    assert_eq!(d["convergent_encryption"], json!(true));
    assert_eq!(d["convergent_encryption_version"], json!(3));
    let ctx = json!({"context": b64(b"ctx")});
    let a = env.encrypt("c", b"same", ctx.clone()).await;
    let b = env.encrypt("c", b"same", ctx.clone()).await;
    assert_eq!(a, b);
    assert_ne!(a, env.encrypt("c", b"different", ctx.clone()).await);
    assert_ne!(
        a,
        env.encrypt("c", b"same", json!({"context": b64(b"ctx2")}))
            .await
    );
    assert_eq!(env.decrypt("c", &a, ctx.clone()).await, b"same");
    // Non-convergent keys never repeat.
    env.create_key("r", json!({})).await;
    assert_ne!(
        env.encrypt("r", b"same", json!({})).await,
        env.encrypt("r", b"same", json!({})).await
    );
}

#[tokio::test]
async fn rewrap_moves_to_the_latest_version() {
    let env = Env::new();
    env.create_key("k", json!({"derived": true})).await;
    let ctx = json!({"context": b64(b"c")});
    let v1 = env.encrypt("k", b"payload", ctx.clone()).await;
    env.write("keys/k/rotate", json!({})).await;
    env.write("keys/k/rotate", json!({})).await;
    let r = env
        .write("rewrap/k", json!({"ciphertext": v1, "context": b64(b"c")}))
        .await;
    assert_eq!(r["key_version"], json!(3));
    let v3 = r["ciphertext"].as_str().unwrap();
    assert!(v3.starts_with("vault:v3:"));
    assert_eq!(env.decrypt("k", v3, ctx.clone()).await, b"payload");
    let r = env
        .write(
            "rewrap/k",
            json!({"batch_input": [{"ciphertext": v1, "context": b64(b"c"), "key_version": 2}]}),
        )
        .await;
    assert!(
        r["batch_results"][0]["ciphertext"]
            .as_str()
            .unwrap()
            .starts_with("vault:v2:")
    );
    assert_eq!(
        env.write_err(
            "rewrap/k",
            json!({"ciphertext": "nope", "context": b64(b"c")})
        )
        .await,
        "invalid ciphertext: no prefix"
    );
}

#[tokio::test]
async fn datakeys() {
    let env = Env::new();
    env.create_key("k", json!({})).await;
    for bits in [128, 256, 512] {
        let d = env
            .write("datakey/plaintext/k", json!({"bits": bits}))
            .await;
        let key = unb64(d["plaintext"].as_str().unwrap());
        assert_eq!(key.len() * 8, bits);
        let unwrapped = env
            .decrypt("k", d["ciphertext"].as_str().unwrap(), json!({}))
            .await;
        assert_eq!(unwrapped, key);
    }
    let wrapped = env.write("datakey/wrapped/k", json!({})).await;
    assert!(wrapped.get("plaintext").is_none());
    assert_eq!(
        env.decrypt("k", wrapped["ciphertext"].as_str().unwrap(), json!({}))
            .await
            .len(),
        32
    );
    assert_eq!(
        env.write_err("datakey/plaintext/k", json!({"bits": 100}))
            .await,
        "invalid bits value"
    );
    assert_eq!(
        env.write_err("datakey/other/k", json!({})).await,
        "Invalid path"
    );
    assert_eq!(
        env.write_err("datakey/wrapped/none", json!({})).await,
        "encryption key not found"
    );
}

#[tokio::test]
async fn auto_rotation_happens_on_use_when_due() {
    let env = Env::new();
    env.create_key("k", json!({"auto_rotate_period": "1h"}))
        .await;
    env.encrypt("k", b"x", json!({})).await;
    assert_eq!(
        env.read("keys/k").await.unwrap()["latest_version"],
        json!(1),
        "not due yet"
    );
    // Pretend version 1 was made two hours ago.
    edit_stored(&env, "k", |doc| {
        let t = time::OffsetDateTime::now_utc() - time::Duration::hours(2);
        doc["keys"]["1"]["time"] = json!(
            t.format(&time::format_description::well_known::Rfc3339)
                .unwrap()
        );
    })
    .await;
    let ct = env.encrypt("k", b"x", json!({})).await;
    assert!(ct.starts_with("vault:v2:"), "rotated before use: {ct}");
    assert_eq!(
        env.read("keys/k").await.unwrap()["latest_version"],
        json!(2)
    );
}

#[tokio::test]
async fn user_nonce_for_plain_keys_must_be_12_bytes() {
    let env = Env::new();
    env.create_key("k", json!({})).await;
    assert_eq!(
        env.write_err(
            "encrypt/k",
            json!({"plaintext": b64(b"x"), "nonce": b64(b"short")})
        )
        .await,
        "base64-decoded nonce must be 12 bytes long but given 5 bytes"
    );
    let ct = env
        .encrypt("k", b"x", json!({"nonce": b64(&[7u8; 12])}))
        .await;
    assert_eq!(env.decrypt("k", &ct, json!({})).await, b"x");
}

#[tokio::test]
async fn associated_data_is_authenticated() {
    let env = Env::new();
    env.create_key("k", json!({})).await;
    let ad = json!({"associated_data": b64(b"row-17")});
    let ct = env.encrypt("k", b"v", ad.clone()).await;
    assert_eq!(env.decrypt("k", &ct, ad).await, b"v");
    assert_eq!(
        env.write_err(
            "decrypt/k",
            json!({"ciphertext": ct, "associated_data": b64(b"row-18")})
        )
        .await,
        "cipher: message authentication failed"
    );
    assert_eq!(
        env.write_err("decrypt/k", json!({"ciphertext": ct})).await,
        "cipher: message authentication failed"
    );
    env.create_key("rsa", json!({"type": "rsa-2048"})).await;
    assert_eq!(
        env.write_err(
            "encrypt/rsa",
            json!({"plaintext": b64(b"x"), "associated_data": b64(b"a")})
        )
        .await,
        "associated_data provided for non-AEAD cipher suite rsa-2048"
    );
}
