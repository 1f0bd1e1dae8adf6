//! Rekey and root generation through the core's request path (the same routes the HTTP
//! layer serves): new shares from a quorum of old ones, wrong keys changing nothing,
//! verification, and a root token recovered from unseal keys and an OTP.

use std::sync::Arc;

use arca_core::{Core, CoreOptions, CoreRequest, InitParams, SingleNode};
use arca_sdk::{Error, Operation};
use arca_storage::MemoryPhysical;
use base64::Engine;
use serde_json::{Value, json};

fn new_core() -> Arc<Core> {
    Core::new(CoreOptions {
        physical: Arc::new(MemoryPhysical::default()),
        cluster: Arc::new(SingleNode {
            api_addr: "http://127.0.0.1:8200".into(),
        }),
        factories: vec![Arc::new(arca_engine_kv::KvFactory)],
        cluster_name: "test".into(),
    })
    .unwrap()
}

fn b64(k: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(k)
}

async fn init_unsealed(core: &Core, shares: i64, threshold: i64) -> (String, Vec<String>) {
    let r = core
        .init(
            InitParams {
                secret_shares: shares,
                secret_threshold: threshold,
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    let keys: Vec<String> = r.keys.iter().map(|k| b64(k)).collect();
    unseal(core, &keys[..threshold as usize]).await;
    (r.root_token, keys)
}

async fn unseal(core: &Core, keys: &[String]) {
    for k in keys {
        raw(core, Operation::Update, "sys/unseal", json!({ "key": k }))
            .await
            .unwrap();
    }
}

/// Calls a route without a token and returns its raw JSON body (Null for 204).
async fn raw(core: &Core, op: Operation, path: &str, body: Value) -> Result<Value, Error> {
    let resp = core.handle(CoreRequest::new(op, path).data(body)).await?;
    Ok(match resp.and_then(|r| r.raw) {
        Some(raw) => serde_json::from_slice(&raw.body).unwrap(),
        None => Value::Null,
    })
}

async fn kv_read(core: &Core, token: &str) -> Result<Value, Error> {
    let resp = core
        .handle(CoreRequest::new(Operation::Read, "secret/data/app").token(token))
        .await?;
    Ok(resp
        .and_then(|r| r.data)
        .map(Value::Object)
        .unwrap_or_default())
}

async fn seed(core: &Core, token: &str) {
    for (op, path, body) in [
        (
            Operation::Update,
            "sys/mounts/secret",
            json!({"type": "kv-v2"}),
        ),
        (
            Operation::Update,
            "secret/data/app",
            json!({"data": {"password": "kept-through-rekey"}}),
        ),
    ] {
        core.handle(CoreRequest::new(op, path).token(token).data(body))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn rekey_5_of_3_to_7_of_4_then_unseal_with_the_new_keys() {
    let core = new_core();
    let (root, old) = init_unsealed(&core, 5, 3).await;
    seed(&core, &root).await;

    let idle = raw(&core, Operation::Read, "sys/rekey/init", json!({}))
        .await
        .unwrap();
    assert_eq!(idle["started"], false);
    assert_eq!(idle["required"], 3);

    let s = raw(
        &core,
        Operation::Update,
        "sys/rekey/init",
        json!({"secret_shares": 7, "secret_threshold": 4}),
    )
    .await
    .unwrap();
    assert_eq!(
        (s["started"].clone(), s["t"].clone(), s["n"].clone()),
        (json!(true), json!(4), json!(7))
    );
    let nonce = s["nonce"].as_str().unwrap().to_string();
    assert_eq!(nonce.len(), 36);
    // A second init while one runs is refused.
    let err = raw(
        &core,
        Operation::Update,
        "sys/rekey/init",
        json!({"secret_shares": 3, "secret_threshold": 2}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.to_string(), "rekey already in progress");
    // A wrong nonce is refused without progress.
    let err = raw(
        &core,
        Operation::Update,
        "sys/rekey/update",
        json!({"key": old[0], "nonce": "nope"}),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().starts_with("incorrect nonce supplied"),
        "{err}"
    );

    let mut last = Value::Null;
    for (i, k) in old[1..4].iter().enumerate() {
        last = raw(
            &core,
            Operation::Update,
            "sys/rekey/update",
            json!({"key": k, "nonce": nonce}),
        )
        .await
        .unwrap();
        if i < 2 {
            assert_eq!(last["progress"], i + 1);
            assert!(last.get("keys").is_none());
        }
    }
    assert_eq!(last["complete"], true);
    let new: Vec<String> = last["keys_base64"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(new.len(), 7);
    assert_eq!(last["keys"].as_array().unwrap().len(), 7);
    let status = raw(&core, Operation::Read, "sys/seal-status", json!({}))
        .await
        .unwrap();
    assert_eq!(
        (status["t"].clone(), status["n"].clone()),
        (json!(4), json!(7))
    );
    let idle = raw(&core, Operation::Read, "sys/rekey/init", json!({}))
        .await
        .unwrap();
    assert_eq!(
        (idle["started"].clone(), idle["required"].clone()),
        (json!(false), json!(4))
    );

    // Old keys no longer unseal; four new ones do and the data is intact.
    core.seal().await;
    unseal(&core, &old[..3]).await;
    assert!(core.is_sealed());
    raw(
        &core,
        Operation::Update,
        "sys/unseal",
        json!({"reset": true}),
    )
    .await
    .unwrap();
    unseal(&core, &new[2..5]).await;
    assert!(
        core.is_sealed(),
        "three of the new keys are below the threshold"
    );
    unseal(&core, &new[6..7]).await;
    assert!(!core.is_sealed());
    let data = kv_read(&core, &root).await.unwrap();
    assert_eq!(data["data"]["password"], "kept-through-rekey");
}

#[tokio::test]
async fn rekey_with_a_wrong_key_changes_nothing() {
    let core = new_core();
    let (root, old) = init_unsealed(&core, 5, 3).await;
    seed(&core, &root).await;
    let foreign = {
        let other = new_core();
        let (_, keys) = init_unsealed(&other, 5, 3).await;
        keys
    };
    let s = raw(
        &core,
        Operation::Update,
        "sys/rekey/init",
        json!({"secret_shares": 3, "secret_threshold": 2}),
    )
    .await
    .unwrap();
    let nonce = s["nonce"].as_str().unwrap().to_string();
    for k in [&old[0], &old[1]] {
        raw(
            &core,
            Operation::Update,
            "sys/rekey/update",
            json!({"key": k, "nonce": nonce}),
        )
        .await
        .unwrap();
    }
    let err = raw(
        &core,
        Operation::Update,
        "sys/rekey/update",
        json!({"key": foreign[4], "nonce": nonce}),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::BadRequest(_)), "{err:?}");
    assert!(err.to_string().contains("failed to read root key"), "{err}");
    // Duplicate and malformed keys are refused too.
    let err = raw(
        &core,
        Operation::Update,
        "sys/rekey/update",
        json!({"key": old[0], "nonce": nonce}),
    )
    .await
    .map(|_| ())
    .and(
        raw(
            &core,
            Operation::Update,
            "sys/rekey/update",
            json!({"key": old[0], "nonce": nonce}),
        )
        .await
        .map(|_| ()),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "given key has already been provided during this generation operation"
    );
    let err = raw(
        &core,
        Operation::Update,
        "sys/rekey/update",
        json!({"nonce": nonce}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "'key' must be specified in request body as JSON"
    );
    raw(&core, Operation::Delete, "sys/rekey/init", json!({}))
        .await
        .unwrap();

    // Nothing changed: the configuration and the old keys are as before.
    let status = raw(&core, Operation::Read, "sys/seal-status", json!({}))
        .await
        .unwrap();
    assert_eq!(
        (status["t"].clone(), status["n"].clone()),
        (json!(3), json!(5))
    );
    core.seal().await;
    unseal(&core, &old[2..5]).await;
    assert!(!core.is_sealed());
    assert_eq!(
        kv_read(&core, &root).await.unwrap()["data"]["password"],
        "kept-through-rekey"
    );
}

#[tokio::test]
async fn rekey_bad_input_and_backup_follow_vault() {
    let core = new_core();
    let (root, _) = init_unsealed(&core, 3, 2).await;
    let cases = [
        (
            json!({"secret_shares": 3, "secret_threshold": 5}),
            "invalid rekey seal configuration: threshold cannot be larger than shares",
        ),
        (
            json!({"secret_shares": 0, "secret_threshold": 0}),
            "invalid rekey seal configuration: shares must be at least one",
        ),
        (
            json!({"secret_shares": 3, "secret_threshold": 2, "backup": true}),
            "cannot request a backup of the new keys without providing PGP keys for encryption",
        ),
    ];
    for (body, msg) in cases {
        let err = raw(&core, Operation::Update, "sys/rekey/init", body)
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), msg);
    }
    let err = raw(
        &core,
        Operation::Update,
        "sys/rekey/update",
        json!({"key": "AAAA", "nonce": "x"}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.to_string(), "no barrier rekey in progress");
    let err = raw(
        &core,
        Operation::Read,
        "sys/rekey-recovery-key/init",
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.to_string(), "recovery rekeying not supported");
    let err = core
        .handle(CoreRequest::new(Operation::Read, "sys/rekey/backup").token(&root))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "no backed-up keys found");
    // Sealed: the routes answer 503.
    core.seal().await;
    let err = raw(&core, Operation::Read, "sys/rekey/init", json!({}))
        .await
        .unwrap_err();
    assert_eq!(err, Error::Sealed);
}

#[tokio::test]
async fn rekey_with_verification_needs_the_new_shares() {
    let core = new_core();
    let (_, old) = init_unsealed(&core, 3, 2).await;
    let s = raw(
        &core,
        Operation::Update,
        "sys/rekey/init",
        json!({"secret_shares": 4, "secret_threshold": 3, "require_verification": true}),
    )
    .await
    .unwrap();
    assert_eq!(s["verification_required"], true);
    let nonce = s["nonce"].as_str().unwrap().to_string();
    let mut done = Value::Null;
    for k in &old[..2] {
        done = raw(
            &core,
            Operation::Update,
            "sys/rekey/update",
            json!({"key": k, "nonce": nonce}),
        )
        .await
        .unwrap();
    }
    assert_eq!(done["complete"], true);
    let vnonce = done["verification_nonce"].as_str().unwrap().to_string();
    let new: Vec<String> = done["keys_base64"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    // Not in effect yet: the seal configuration is unchanged.
    let st = raw(&core, Operation::Read, "sys/seal-status", json!({}))
        .await
        .unwrap();
    assert_eq!(st["n"], 3);
    let v = raw(&core, Operation::Read, "sys/rekey/verify", json!({}))
        .await
        .unwrap();
    assert_eq!(
        (v["nonce"].as_str().unwrap(), v["t"].clone()),
        (vnonce.as_str(), json!(3))
    );
    // Old keys do not verify.
    let mut err = None;
    for k in &old[..3] {
        if let Err(e) = raw(
            &core,
            Operation::Update,
            "sys/rekey/verify",
            json!({"key": k, "nonce": vnonce}),
        )
        .await
        {
            err = Some(e);
        }
    }
    assert!(err.is_some());
    let mut last = Value::Null;
    for k in &new[1..4] {
        last = raw(
            &core,
            Operation::Update,
            "sys/rekey/verify",
            json!({"key": k, "nonce": vnonce}),
        )
        .await
        .unwrap();
    }
    assert_eq!(last, json!({"nonce": vnonce, "complete": true}));
    let st = raw(&core, Operation::Read, "sys/seal-status", json!({}))
        .await
        .unwrap();
    assert_eq!((st["t"].clone(), st["n"].clone()), (json!(3), json!(4)));
    core.seal().await;
    unseal(&core, &new[..3]).await;
    assert!(!core.is_sealed());
}

fn decode(encoded: &str, otp: &str) -> String {
    arca_seal::decode_root_token(encoded, otp)
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn generate_root_from_three_keys_gives_a_working_root_token() {
    let core = new_core();
    let (root, keys) = init_unsealed(&core, 5, 3).await;
    seed(&core, &root).await;

    let idle = raw(
        &core,
        Operation::Read,
        "sys/generate-root/attempt",
        json!({}),
    )
    .await
    .unwrap();
    assert_eq!(idle["started"], false);
    assert_eq!(idle["otp_length"], 28);
    assert_eq!(idle["required"], 3);

    let err = raw(
        &core,
        Operation::Update,
        "sys/generate-root/attempt",
        json!({"otp": "short"}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.to_string(), "OTP string is wrong length");

    // Server-made OTP.
    let s = raw(
        &core,
        Operation::Update,
        "sys/generate-root/attempt",
        json!({}),
    )
    .await
    .unwrap();
    let otp = s["otp"].as_str().unwrap().to_string();
    assert_eq!(otp.len(), 28);
    let nonce = s["nonce"].as_str().unwrap().to_string();
    assert_eq!(s["started"], true);
    let again = raw(
        &core,
        Operation::Read,
        "sys/generate-root/attempt",
        json!({}),
    )
    .await
    .unwrap();
    assert_eq!(again["otp"], "", "the OTP is shown only once");
    let err = raw(
        &core,
        Operation::Update,
        "sys/generate-root/attempt",
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.to_string(), "root generation already in progress");

    let mut last = Value::Null;
    for k in &keys[2..5] {
        last = raw(
            &core,
            Operation::Update,
            "sys/generate-root/update",
            json!({"key": k, "nonce": nonce}),
        )
        .await
        .unwrap();
    }
    assert_eq!(last["complete"], true);
    assert_eq!(last["progress"], 3);
    let encoded = last["encoded_token"].as_str().unwrap();
    assert_eq!(last["encoded_root_token"], encoded);
    let token = decode(encoded, &otp);
    assert!(token.starts_with("hvs."), "{token}");
    assert_ne!(token, root);
    assert_eq!(
        kv_read(&core, &token).await.unwrap()["data"]["password"],
        "kept-through-rekey"
    );
    let lookup = core
        .handle(CoreRequest::new(Operation::Read, "auth/token/lookup-self").token(&token))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lookup.data.unwrap()["policies"], json!(["root"]));
    // The attempt is over.
    let idle = raw(
        &core,
        Operation::Read,
        "sys/generate-root/attempt",
        json!({}),
    )
    .await
    .unwrap();
    assert_eq!(idle["started"], false);
}

#[tokio::test]
async fn generate_root_with_wrong_keys_makes_no_token_and_cancel_works() {
    let core = new_core();
    let (_, keys) = init_unsealed(&core, 3, 2).await;
    let (_, foreign) = init_unsealed(&new_core(), 3, 2).await;
    let otp = arca_seal::generate_otp(28).to_string();
    let s = raw(
        &core,
        Operation::Update,
        "sys/generate-root/attempt",
        json!({"otp": otp}),
    )
    .await
    .unwrap();
    assert_eq!(s["otp"], "", "a caller-given OTP is not echoed");
    let nonce = s["nonce"].as_str().unwrap().to_string();
    raw(
        &core,
        Operation::Update,
        "sys/generate-root/update",
        json!({"key": keys[0], "nonce": nonce}),
    )
    .await
    .unwrap();
    let err = raw(
        &core,
        Operation::Update,
        "sys/generate-root/update",
        json!({"key": foreign[1], "nonce": nonce}),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::BadRequest(_)), "{err:?}");
    let st = raw(
        &core,
        Operation::Read,
        "sys/generate-root/attempt",
        json!({}),
    )
    .await
    .unwrap();
    assert_eq!(
        (st["started"].clone(), st["progress"].clone()),
        (json!(true), json!(0))
    );
    assert_eq!(
        raw(
            &core,
            Operation::Delete,
            "sys/generate-root/attempt",
            json!({})
        )
        .await
        .unwrap(),
        Value::Null
    );
    let err = raw(
        &core,
        Operation::Update,
        "sys/generate-root/update",
        json!({"key": keys[0], "nonce": nonce}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.to_string(), "no root generation in progress");
}
