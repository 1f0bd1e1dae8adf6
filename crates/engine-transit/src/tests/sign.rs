use serde_json::json;

use super::*;

#[tokio::test]
async fn every_signing_type_signs_and_verifies() {
    let env = Env::new();
    let input = b64(b"message to sign");
    for kind in ["ed25519", "ecdsa-p256", "ecdsa-p384", "rsa-2048"] {
        env.create_key(kind, json!({"type": kind})).await;
        let s = env
            .write(&format!("sign/{kind}"), json!({"input": input}))
            .await;
        let sig = s["signature"].as_str().unwrap().to_string();
        assert!(sig.starts_with("vault:v1:"), "{kind}");
        assert_eq!(s["key_version"], json!(1));
        let v = env
            .write(
                &format!("verify/{kind}"),
                json!({"input": input, "signature": sig}),
            )
            .await;
        assert_eq!(v["valid"], json!(true), "{kind}");
        let v = env
            .write(
                &format!("verify/{kind}"),
                json!({"input": b64(b"tampered"), "signature": sig}),
            )
            .await;
        assert_eq!(v["valid"], json!(false), "{kind}");
    }
    for kind in ["aes256-gcm96", "hmac"] {
        env.create_key(kind, json!({"type": kind})).await;
        assert_eq!(
            env.write_err(&format!("sign/{kind}"), json!({"input": input}))
                .await,
            format!("key type {kind} does not support signing")
        );
        assert_eq!(
            env.write_err(
                &format!("verify/{kind}"),
                json!({"input": input, "signature": "vault:v1:AA=="})
            )
            .await,
            format!("key type {kind} does not support verification")
        );
    }
    assert_eq!(
        env.write_err("sign/none", json!({"input": input})).await,
        "encryption key not found"
    );
}

#[tokio::test]
async fn hash_algorithms_marshaling_and_rsa_schemes() {
    let env = Env::new();
    env.create_key("ec", json!({"type": "ecdsa-p256"})).await;
    env.create_key("rsa", json!({"type": "rsa-2048"})).await;
    let input = b64(b"data");
    for alg in ["sha2-224", "sha2-256", "sha2-384", "sha2-512"] {
        for key in ["ec", "rsa"] {
            // The algorithm as a URL segment and as a body field.
            let s = env
                .write(&format!("sign/{key}/{alg}"), json!({"input": input}))
                .await;
            let sig = s["signature"].as_str().unwrap();
            let v = env
                .write(
                    &format!("verify/{key}"),
                    json!({"input": input, "signature": sig, "hash_algorithm": alg}),
                )
                .await;
            assert_eq!(v["valid"], json!(true), "{key} {alg}");
            if alg != "sha2-256" {
                let v = env
                    .write(
                        &format!("verify/{key}"),
                        json!({"input": input, "signature": sig}),
                    )
                    .await;
                assert_eq!(
                    v["valid"],
                    json!(false),
                    "{key} {alg} checked with sha2-256"
                );
            }
        }
    }
    let jws = env
        .write(
            "sign/ec",
            json!({"input": input, "marshaling_algorithm": "jws"}),
        )
        .await;
    let sig = jws["signature"].as_str().unwrap();
    assert!(!sig.contains('=') && !sig.contains('+') && !sig.contains('/'));
    let v = env
        .write(
            "verify/ec",
            json!({"input": input, "signature": sig, "marshaling_algorithm": "jws"}),
        )
        .await;
    assert_eq!(v["valid"], json!(true));

    for scheme in ["pss", "pkcs1v15"] {
        let s = env
            .write(
                "sign/rsa",
                json!({"input": input, "signature_algorithm": scheme}),
            )
            .await;
        let sig = s["signature"].as_str().unwrap();
        let ok = env
            .write(
                "verify/rsa",
                json!({"input": input, "signature": sig, "signature_algorithm": scheme}),
            )
            .await;
        assert_eq!(ok["valid"], json!(true), "{scheme}");
        let other = if scheme == "pss" { "pkcs1v15" } else { "pss" };
        let bad = env
            .write(
                "verify/rsa",
                json!({"input": input, "signature": sig, "signature_algorithm": other}),
            )
            .await;
        assert_eq!(bad["valid"], json!(false), "{scheme} checked as {other}");
    }
    // Prehashed input: the client hashes, transit signs the digest.
    let digest = crate::hashing::HashAlgorithm::Sha2_256.digest(b"data");
    let s = env
        .write(
            "sign/rsa",
            json!({"input": b64(&digest), "prehashed": true}),
        )
        .await;
    let v = env
        .write(
            "verify/rsa",
            json!({"input": input, "signature": s["signature"]}),
        )
        .await;
    assert_eq!(v["valid"], json!(true));

    assert_eq!(
        env.write_err("sign/ec/sha3-999", json!({"input": input}))
            .await,
        "invalid hash algorithm \"sha3-999\""
    );
    assert_eq!(
        env.write_err(
            "sign/ec",
            json!({"input": input, "marshaling_algorithm": "pem"})
        )
        .await,
        "invalid marshaling type \"pem\""
    );
    assert_eq!(
        env.write_err(
            "verify/ec",
            json!({"input": input, "signature": "vault:v1:AAAA"})
        )
        .await,
        "supplied signature is invalid"
    );
    assert_eq!(
        env.write_err("verify/ec", json!({"input": input, "signature": "sig"}))
            .await,
        "invalid signature: no prefix"
    );
    assert_eq!(
        env.write_err("verify/ec", json!({"input": input})).await,
        "neither a 'signature' nor an 'hmac' were given to verify"
    );
    assert_eq!(
        env.write_err("sign/ec", json!({"input": "@@"})).await,
        "unable to decode input as base64: illegal base64 data at input byte 0"
    );
}

#[tokio::test]
async fn signature_versions_follow_rotation() {
    let env = Env::new();
    env.create_key("ed", json!({"type": "ed25519"})).await;
    let input = b64(b"m");
    let s1 = env.write("sign/ed", json!({"input": input})).await["signature"].clone();
    env.write("keys/ed/rotate", json!({})).await;
    let s2 = env.write("sign/ed", json!({"input": input})).await;
    assert_eq!(s2["key_version"], json!(2));
    assert!(s2["signature"].as_str().unwrap().starts_with("vault:v2:"));
    let v = env
        .write("verify/ed", json!({"input": input, "signature": s1}))
        .await;
    assert_eq!(v["valid"], json!(true));
    env.write("keys/ed/config", json!({"min_decryption_version": 2}))
        .await;
    assert_eq!(
        env.write_err("verify/ed", json!({"input": input, "signature": s1}))
            .await,
        "ciphertext or signature version is disallowed by policy (too old)"
    );
    let old = env
        .write("sign/ed", json!({"input": input, "key_version": 1}))
        .await;
    assert_eq!(old["key_version"], json!(1));
}

#[tokio::test]
async fn batch_sign_and_verify() {
    let env = Env::new();
    env.create_key("k", json!({"type": "ecdsa-p384"})).await;
    let r = env
        .write(
            "sign/k",
            json!({"batch_input": [{"input": b64(b"a"), "reference": "x"}, {"input": b64(b"b")}]}),
        )
        .await;
    let results = r["batch_results"].as_array().unwrap();
    assert_eq!(results[0]["reference"], json!("x"));
    let items: Vec<Value> = results
        .iter()
        .zip([b"a", b"b"])
        .map(|(r, m)| json!({"input": b64(m), "signature": r["signature"]}))
        .collect();
    let v = env.write("verify/k", json!({"batch_input": items})).await;
    for r in v["batch_results"].as_array().unwrap() {
        assert_eq!(r["valid"], json!(true));
    }
    let mixed = env
        .write_err(
            "verify/k",
            json!({"batch_input": [{"input": b64(b"a"), "signature": "vault:v1:x"}, {"input": b64(b"a"), "hmac": "vault:v1:x"}]}),
        )
        .await;
    assert_eq!(
        mixed,
        "elements of batch_input must all provide 'signature' or all provide 'hmac'"
    );
}

#[tokio::test]
async fn hmac_with_any_key_and_hmac_keys() {
    let env = Env::new();
    env.create_key("aes", json!({})).await;
    env.create_key("mac", json!({"type": "hmac", "key_size": 48}))
        .await;
    let input = b64(b"hello");
    for key in ["aes", "mac"] {
        let h = env
            .write(&format!("hmac/{key}"), json!({"input": input}))
            .await;
        let mac = h["hmac"].as_str().unwrap().to_string();
        assert!(mac.starts_with("vault:v1:"));
        assert_eq!(unb64(&mac["vault:v1:".len()..]).len(), 32);
        let v = env
            .write(
                &format!("verify/{key}"),
                json!({"input": input, "hmac": mac}),
            )
            .await;
        assert_eq!(v["valid"], json!(true), "{key}");
        let v = env
            .write(
                &format!("verify/{key}"),
                json!({"input": b64(b"other"), "hmac": mac}),
            )
            .await;
        assert_eq!(v["valid"], json!(false), "{key}");
        let h512 = env
            .write(&format!("hmac/{key}/sha2-512"), json!({"input": input}))
            .await;
        let mac512 = h512["hmac"].as_str().unwrap();
        assert_eq!(unb64(&mac512["vault:v1:".len()..]).len(), 64);
        let v = env
            .write(
                &format!("verify/{key}/sha2-512"),
                json!({"input": input, "hmac": mac512}),
            )
            .await;
        assert_eq!(v["valid"], json!(true));
    }
    // Keys and versions differ: their HMACs differ.
    let a = env.write("hmac/aes", json!({"input": input})).await["hmac"].clone();
    env.write("keys/aes/rotate", json!({})).await;
    let b = env.write("hmac/aes", json!({"input": input})).await["hmac"].clone();
    assert_ne!(a.as_str().unwrap()[9..], b.as_str().unwrap()[9..]);
    assert!(b.as_str().unwrap().starts_with("vault:v2:"));
    let v = env
        .write("verify/aes", json!({"input": input, "hmac": a}))
        .await;
    assert_eq!(v["valid"], json!(true));

    assert_eq!(
        env.write_err("hmac/aes", json!({})).await,
        "missing input for HMAC"
    );
    assert_eq!(
        env.write_err("hmac/aes/md5", json!({"input": input})).await,
        "unsupported algorithm \"md5\""
    );
    assert_eq!(
        env.write_err("hmac/aes", json!({"input": input, "key_version": 9}))
            .await,
        "key version does not exist; latest key version is 2"
    );
    assert_eq!(
        env.write_err("verify/aes", json!({"input": input, "hmac": "nope"}))
            .await,
        "invalid HMAC to verify: no prefix"
    );
    let r = env
        .write(
            "hmac/mac",
            json!({"batch_input": [{"input": input}, {"input": b64(b"x")}]}),
        )
        .await;
    assert_eq!(r["batch_results"].as_array().unwrap().len(), 2);
}
