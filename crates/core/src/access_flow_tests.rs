//! Policies end to end through the core: policy endpoints, enforcement for non-root
//! tokens (created directly in storage, as the token API is not part of this layer's
//! tests), sudo on root-protected paths, and the capabilities endpoints.

use arca_sdk::{Error, Operation};
use serde_json::json;

use crate::{
    Core,
    test_support::{call, data, unsealed_core},
    token::{TokenEntry, TokenStore, now_unix, random_base62},
};

/// Stores a service token with `policies` and returns (token, accessor).
async fn token_with(core: &Core, policies: &[&str]) -> (String, String) {
    let token = format!("hvs.{}", random_base62(24));
    let tx = core.barrier.begin();
    let entry = TokenEntry {
        id_hash: TokenStore::hash(&tx, &token).await.unwrap(),
        accessor: random_base62(24),
        policies: policies.iter().map(|p| p.to_string()).collect(),
        parent_hash: String::new(),
        path: "auth/token/create".into(),
        display_name: "token".into(),
        creation_time: now_unix(),
        ttl: 3600,
        num_uses: 0,
        meta: Default::default(),
        ..Default::default()
    };
    TokenStore::store(&tx, &entry).await.unwrap();
    core.barrier.commit(&tx).await.unwrap();
    (token, entry.accessor)
}

async fn put_policy(core: &Core, root: &str, name: &str, policy: &str) {
    call(
        core,
        root,
        Operation::Update,
        &format!("sys/policies/acl/{name}"),
        json!({ "policy": policy }),
    )
    .await
    .unwrap();
}

const DB_POLICY: &str = "path \"secret/data/database/*\" {\n  capabilities = [\"read\"]\n}\n";

async fn with_secrets(core: &Core, root: &str) {
    call(
        core,
        root,
        Operation::Update,
        "sys/mounts/secret",
        json!({"type": "kv-v2"}),
    )
    .await
    .unwrap();
    for path in ["secret/data/database/secret", "secret/data/other"] {
        call(
            core,
            root,
            Operation::Update,
            path,
            json!({"data": {"password": "pw"}}),
        )
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn db_policy_token_reads_database_secrets_only() {
    let (core, root) = unsealed_core().await;
    with_secrets(&core, &root).await;
    put_policy(&core, &root, "db-policy", DB_POLICY).await;
    let (token, _) = token_with(&core, &["db-policy", "default"]).await;

    let got = data(
        &core,
        &token,
        Operation::Read,
        "secret/data/database/secret",
        json!({}),
    )
    .await;
    assert_eq!(got["data"]["password"], "pw");
    for (op, path) in [
        (Operation::Update, "secret/data/database/secret"),
        (Operation::Update, "secret/data/database/new"),
        (Operation::Delete, "secret/data/database/secret"),
        (Operation::Read, "secret/data/other"),
        (Operation::List, "secret/metadata"),
        (Operation::Read, "sys/mounts"),
        (Operation::Read, "sys/policies/acl/db-policy"),
    ] {
        let err = call(&core, &token, op, path, json!({"data": {"x": "y"}}))
            .await
            .unwrap_err();
        assert_eq!(err, Error::PermissionDenied, "{op:?} {path}");
    }
    // The default policy's self-service paths work.
    let caps = data(
        &core,
        &token,
        Operation::Update,
        "sys/capabilities-self",
        json!({"paths": ["secret/data/database/x"]}),
    )
    .await;
    assert_eq!(caps["capabilities"], json!(["read"]));
    assert_eq!(caps["secret/data/database/x"], json!(["read"]));
    call(
        &core,
        &token,
        Operation::Update,
        "cubbyhole/note",
        json!({"a": "b"}),
    )
    .await
    .unwrap();

    // A token without the policy gets nothing.
    let (plain, _) = token_with(&core, &["default"]).await;
    let err = call(
        &core,
        &plain,
        Operation::Read,
        "secret/data/database/secret",
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::PermissionDenied);
}

#[tokio::test]
async fn policy_changes_apply_at_once_and_create_differs_from_update() {
    let (core, root) = unsealed_core().await;
    with_secrets(&core, &root).await;
    put_policy(
        &core,
        &root,
        "writer",
        "path \"secret/data/*\" {\n  capabilities = [\"update\"]\n}\n",
    )
    .await;
    let (token, _) = token_with(&core, &["writer"]).await;
    // An existing key is an update; a new key is a create, which is not granted.
    call(
        &core,
        &token,
        Operation::Update,
        "secret/data/other",
        json!({"data": {"a": "1"}}),
    )
    .await
    .unwrap();
    let err = call(
        &core,
        &token,
        Operation::Update,
        "secret/data/brand-new",
        json!({"data": {"a": "1"}}),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::PermissionDenied);

    put_policy(
        &core,
        &root,
        "writer",
        "path \"secret/data/*\" {\n  capabilities = [\"create\", \"update\"]\n}\n",
    )
    .await;
    call(
        &core,
        &token,
        Operation::Update,
        "secret/data/brand-new",
        json!({"data": {"a": "1"}}),
    )
    .await
    .unwrap();

    // Deleting the policy revokes access immediately.
    call(
        &core,
        &root,
        Operation::Delete,
        "sys/policies/acl/writer",
        json!({}),
    )
    .await
    .unwrap();
    let err = call(
        &core,
        &token,
        Operation::Update,
        "secret/data/other",
        json!({"data": {"a": "2"}}),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::PermissionDenied);
}

#[tokio::test]
async fn deny_in_any_policy_wins_on_the_same_path() {
    let (core, root) = unsealed_core().await;
    with_secrets(&core, &root).await;
    put_policy(
        &core,
        &root,
        "all",
        "path \"secret/*\" {\n  capabilities = [\"read\", \"list\"]\n}\n",
    )
    .await;
    put_policy(
        &core,
        &root,
        "no",
        "path \"secret/*\" {\n  capabilities = [\"deny\"]\n}\n",
    )
    .await;
    put_policy(
        &core,
        &root,
        "narrow",
        "path \"secret/data/other\" {\n  capabilities = [\"deny\"]\n}\n",
    )
    .await;
    let (both, _) = token_with(&core, &["all", "no"]).await;
    let err = call(
        &core,
        &both,
        Operation::Read,
        "secret/data/database/secret",
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::PermissionDenied);
    let (narrow, _) = token_with(&core, &["all", "narrow"]).await;
    call(
        &core,
        &narrow,
        Operation::Read,
        "secret/data/database/secret",
        json!({}),
    )
    .await
    .unwrap();
    let err = call(
        &core,
        &narrow,
        Operation::Read,
        "secret/data/other",
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::PermissionDenied);
}

#[tokio::test]
async fn root_protected_paths_need_sudo() {
    let (core, root) = unsealed_core().await;
    put_policy(
        &core,
        &root,
        "ops",
        "path \"sys/rotate\" {\n  capabilities = [\"update\"]\n}\npath \"sys/mounts/*\" {\n  capabilities = [\"create\", \"update\", \"read\"]\n}\n",
    )
    .await;
    put_policy(
        &core,
        &root,
        "ops-sudo",
        "path \"sys/rotate\" {\n  capabilities = [\"update\", \"sudo\"]\n}\n",
    )
    .await;
    let (ops, _) = token_with(&core, &["ops"]).await;
    let err = call(&core, &ops, Operation::Update, "sys/rotate", json!({}))
        .await
        .unwrap_err();
    assert_eq!(err, Error::PermissionDenied);
    // Mounting is not root-protected in Vault.
    call(
        &core,
        &ops,
        Operation::Update,
        "sys/mounts/kv2",
        json!({"type": "kv"}),
    )
    .await
    .unwrap();
    let (sudo, _) = token_with(&core, &["ops-sudo"]).await;
    call(&core, &sudo, Operation::Update, "sys/rotate", json!({}))
        .await
        .unwrap();
    // Sealing needs sudo too; without it the node stays unsealed.
    let err = call(&core, &ops, Operation::Update, "sys/seal", json!({}))
        .await
        .unwrap_err();
    assert_eq!(err, Error::PermissionDenied);
    assert!(!core.is_sealed());
}

#[tokio::test]
async fn policy_endpoints_match_vault_shapes() {
    let (core, root) = unsealed_core().await;
    let keys = data(&core, &root, Operation::List, "sys/policies/acl", json!({})).await;
    assert_eq!(keys["keys"], json!(["default", "root"]));
    put_policy(&core, &root, "DB-Policy", DB_POLICY).await;

    let legacy = data(&core, &root, Operation::Read, "sys/policy", json!({})).await;
    assert_eq!(legacy["keys"], json!(["db-policy", "default", "root"]));
    assert_eq!(legacy["policies"], legacy["keys"]);

    let read = data(
        &core,
        &root,
        Operation::Read,
        "sys/policies/acl/db-policy",
        json!({}),
    )
    .await;
    assert_eq!(read, json!({"name": "db-policy", "policy": DB_POLICY}));
    let read = data(
        &core,
        &root,
        Operation::Read,
        "sys/policy/DB-POLICY",
        json!({}),
    )
    .await;
    assert_eq!(read, json!({"name": "db-policy", "rules": DB_POLICY}));
    let read = data(&core, &root, Operation::Read, "sys/policy/root", json!({})).await;
    assert_eq!(read, json!({"name": "root", "rules": ""}));
    let default = data(
        &core,
        &root,
        Operation::Read,
        "sys/policies/acl/default",
        json!({}),
    )
    .await;
    assert!(
        default["policy"]
            .as_str()
            .unwrap()
            .contains("auth/token/lookup-self")
    );
    assert!(
        call(
            &core,
            &root,
            Operation::Read,
            "sys/policies/acl/nope",
            json!({})
        )
        .await
        .unwrap()
        .is_none()
    );

    // Legacy write with `rules` warns; base64 documents are accepted.
    let resp = call(
        &core,
        &root,
        Operation::Update,
        "sys/policy/legacy",
        json!({"rules": DB_POLICY}),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(resp.warnings.len(), 1);
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(DB_POLICY);
    put_policy(&core, &root, "b64", &b64).await;
    let read = data(
        &core,
        &root,
        Operation::Read,
        "sys/policies/acl/b64",
        json!({}),
    )
    .await;
    assert_eq!(read["policy"], DB_POLICY);

    // Bad input is a 400 naming the problem.
    let err = call(
        &core,
        &root,
        Operation::Update,
        "sys/policies/acl/bad",
        json!({"policy": "path \"a\" {\n  capabilities = [\"reed\"]\n}\n"}),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::BadRequest(m) if m.contains("invalid capability \"reed\"")),
        "{err:?}"
    );
    let err = call(
        &core,
        &root,
        Operation::Update,
        "sys/policies/acl/bad",
        json!({"policy": "path \"a\" {\n  capabilities = [\n"}),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::BadRequest(m) if m.contains("line")),
        "{err:?}"
    );
    let err = call(
        &core,
        &root,
        Operation::Update,
        "sys/policies/acl/bad",
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err,
        Error::bad_request("'policy' parameter not supplied or empty")
    );
    for (name, message) in [
        ("root", "cannot delete \"root\" policy"),
        ("default", "cannot delete default policy"),
    ] {
        let err = call(
            &core,
            &root,
            Operation::Delete,
            &format!("sys/policies/acl/{name}"),
            json!({}),
        )
        .await
        .unwrap_err();
        assert_eq!(err, Error::bad_request(message));
    }
    let err = call(
        &core,
        &root,
        Operation::Update,
        "sys/policies/acl/root",
        json!({"policy": DB_POLICY}),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::bad_request("cannot update \"root\" policy"));

    call(
        &core,
        &root,
        Operation::Delete,
        "sys/policy/db-policy",
        json!({}),
    )
    .await
    .unwrap();
    let keys = data(&core, &root, Operation::List, "sys/policies/acl", json!({})).await;
    assert_eq!(keys["keys"], json!(["b64", "default", "legacy", "root"]));
}

#[tokio::test]
async fn capabilities_endpoints() {
    let (core, root) = unsealed_core().await;
    put_policy(&core, &root, "db-policy", DB_POLICY).await;
    let (token, accessor) = token_with(&core, &["db-policy", "default"]).await;
    let paths = json!(["secret/data/database/a", "secret/data/other", "cubbyhole/x"]);

    let by_token = data(
        &core,
        &root,
        Operation::Update,
        "sys/capabilities",
        json!({"token": token, "paths": paths}),
    )
    .await;
    assert_eq!(by_token["secret/data/database/a"], json!(["read"]));
    assert_eq!(by_token["secret/data/other"], json!(["deny"]));
    assert_eq!(
        by_token["cubbyhole/x"],
        json!(["create", "delete", "list", "read", "update"])
    );
    assert!(by_token.get("capabilities").is_none());

    let by_accessor = data(
        &core,
        &root,
        Operation::Update,
        "sys/capabilities-accessor",
        json!({"accessor": accessor, "paths": paths}),
    )
    .await;
    assert_eq!(by_accessor, by_token);

    let root_caps = data(
        &core,
        &root,
        Operation::Update,
        "sys/capabilities-self",
        json!({"path": "anything"}),
    )
    .await;
    assert_eq!(root_caps["capabilities"], json!(["root"]));

    let err = call(
        &core,
        &root,
        Operation::Update,
        "sys/capabilities",
        json!({"token": "hvs.nope", "paths": ["a"]}),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::bad_request("invalid token"));
    let err = call(
        &core,
        &root,
        Operation::Update,
        "sys/capabilities-accessor",
        json!({"accessor": "nope", "paths": ["a"]}),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::bad_request("invalid accessor"));
    let err = call(
        &core,
        &root,
        Operation::Update,
        "sys/capabilities-self",
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::bad_request("paths must be supplied"));
    // Only the default policy's capabilities-self is open to ordinary tokens.
    let err = call(
        &core,
        &token,
        Operation::Update,
        "sys/capabilities",
        json!({"token": root, "paths": ["a"]}),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::PermissionDenied);
}

#[tokio::test]
async fn cached_policies_cost_little_per_request() {
    // Measured, not asserted: repeated checks reuse the parsed policy.
    let (core, root) = unsealed_core().await;
    with_secrets(&core, &root).await;
    put_policy(&core, &root, "db-policy", DB_POLICY).await;
    let (token, _) = token_with(&core, &["db-policy", "default"]).await;
    let start = std::time::Instant::now();
    for _ in 0..100 {
        call(
            &core,
            &token,
            Operation::Read,
            "secret/data/database/secret",
            json!({}),
        )
        .await
        .unwrap();
    }
    eprintln!(
        "read with a two-policy token: {:?} per request",
        start.elapsed() / 100
    );
    let start = std::time::Instant::now();
    for _ in 0..100 {
        call(
            &core,
            &root,
            Operation::Read,
            "secret/data/database/secret",
            json!({}),
        )
        .await
        .unwrap();
    }
    eprintln!(
        "read with the root token: {:?} per request",
        start.elapsed() / 100
    );
}

#[tokio::test]
async fn capabilities_self_answers_for_batch_tokens() {
    // Batch tokens live only in the token itself, never in storage: the caller's
    // capabilities must come from the entry the request was authenticated with.
    let (core, root) = unsealed_core().await;
    put_policy(&core, &root, "db-policy", DB_POLICY).await;
    let created = call(
        &core,
        &root,
        Operation::Update,
        "auth/token/create",
        json!({"type": "batch", "policies": ["db-policy"]}),
    )
    .await
    .unwrap()
    .unwrap();
    let batch = created.auth.unwrap().client_token;
    assert!(batch.starts_with("hvb."), "{batch}");
    let caps = data(
        &core,
        &batch,
        Operation::Update,
        "sys/capabilities-self",
        json!({"paths": ["secret/data/database/x", "secret/data/other"]}),
    )
    .await;
    assert_eq!(caps["secret/data/database/x"], json!(["read"]));
    assert_eq!(caps["secret/data/other"], json!(["deny"]));
}
