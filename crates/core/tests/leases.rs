//! Leases end to end through the core over in-memory storage: token leases and secret
//! leases (kv with `leased_passthrough`), `sys/leases/*`, the TTL hierarchy, the
//! expiration worker (with the core's clock moved forward instead of sleeping), and
//! leases surviving a restart.

mod support;

use std::{sync::Arc, time::Duration};

use arca_core::Core;
use arca_sdk::{Error, Operation};
use arca_storage::MemoryPhysical;
use serde_json::{Value, json};
use support::{call, data, init_unsealed, new_core};

/// An unsealed core with a leased kv v1 mount at `leased/`: (core, root, unseal key).
async fn setup(physical: Arc<MemoryPhysical>) -> (Arc<Core>, String, Vec<u8>) {
    let core = new_core(physical);
    let (root, key) = init_unsealed(&core).await;
    call(
        &core,
        &root,
        Operation::Update,
        "sys/mounts/leased",
        json!({"type": "kv", "options": {"leased_passthrough": "true"}}),
    )
    .await
    .unwrap();
    wait_loaded(&core, 0).await;
    (core, root, key)
}

/// The token leases created through `auth/token/create`.
async fn token_leases(core: &Core, root: &str) -> Vec<String> {
    match call(
        core,
        root,
        Operation::List,
        "sys/leases/lookup/auth/token/create/",
        json!({}),
    )
    .await
    .unwrap()
    {
        Some(r) => serde_json::from_value(r.data.unwrap()["keys"].clone()).unwrap(),
        None => Vec::new(),
    }
}

/// Creates a token (as `parent`) and returns (token, lease id), the lease being the
/// one that appeared in the listing.
async fn token(core: &Core, root: &str, parent: &str, body: Value) -> (String, String) {
    let before = token_leases(core, root).await;
    let resp = call(core, parent, Operation::Update, "auth/token/create", body)
        .await
        .unwrap()
        .unwrap();
    let token = resp.auth.unwrap().client_token;
    let after = token_leases(core, root).await;
    let new: Vec<&String> = after.iter().filter(|k| !before.contains(k)).collect();
    assert_eq!(new.len(), 1, "one new lease: {after:?}");
    (token, format!("auth/token/create/{}", new[0]))
}

async fn lookup_lease(core: &Core, root: &str, id: &str) -> Result<Value, Error> {
    call(
        core,
        root,
        Operation::Update,
        "sys/leases/lookup",
        json!({ "lease_id": id }),
    )
    .await
    .map(|r| Value::Object(r.and_then(|r| r.data).unwrap_or_default()))
}

/// Reads a leased kv secret: (lease id, lease duration, warnings).
async fn read_leased(core: &Core, token: &str, path: &str) -> (String, u64, Vec<String>) {
    let resp = call(core, token, Operation::Read, path, json!({}))
        .await
        .unwrap()
        .unwrap();
    let lease = resp.lease.unwrap();
    (lease.lease_id, lease.lease_duration, resp.warnings)
}

/// Waits until the expiration worker has loaded at least `n` leases.
async fn wait_loaded(core: &Core, n: usize) {
    for _ in 0..100 {
        if core.expiration_started() && core.num_leases() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the expiration manager holds {} leases, want {n}",
        core.num_leases()
    );
}

#[tokio::test]
async fn token_leases_lookup_renew_and_revoke() {
    let (core, root, _) = setup(Arc::new(MemoryPhysical::default())).await;
    let (t, lease) = token(&core, &root, &root, json!({"ttl": "1h"})).await;
    let l = lookup_lease(&core, &root, &lease).await.unwrap();
    assert!(l["ttl"].as_i64().unwrap() > 3590, "{l}");
    assert_eq!(l["renewable"], true);
    assert!(l["expire_time"].is_string() && l["issue_time"].is_string());
    assert_eq!(l["last_renewal"], Value::Null);

    let err = call(
        &core,
        &root,
        Operation::Update,
        "sys/leases/renew",
        json!({ "lease_id": lease }),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err,
        Error::bad_request("tokens cannot be renewed through this endpoint")
    );
    // Renewing the token itself moves its lease.
    call(
        &core,
        &t,
        Operation::Update,
        "auth/token/renew-self",
        json!({"increment": "2h"}),
    )
    .await
    .unwrap();
    let l = lookup_lease(&core, &root, &lease).await.unwrap();
    assert!(l["last_renewal"].is_string());

    let err = lookup_lease(&core, &root, "auth/token/create/nope")
        .await
        .unwrap_err();
    assert_eq!(err, Error::bad_request("invalid lease"));
    let err = call(
        &core,
        &root,
        Operation::Update,
        "sys/leases/revoke",
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::bad_request("lease_id must be specified"));

    // Revoking the lease revokes the token; revoking again is not an error.
    for path in ["sys/leases/revoke", "sys/revoke"] {
        assert_eq!(
            call(
                &core,
                &root,
                Operation::Update,
                path,
                json!({ "lease_id": lease })
            )
            .await
            .unwrap(),
            None
        );
    }
    assert!(
        call(
            &core,
            &t,
            Operation::Read,
            "auth/token/lookup-self",
            json!({})
        )
        .await
        .is_err()
    );
    assert!(lookup_lease(&core, &root, &lease).await.is_err());
}

#[tokio::test]
async fn the_worker_revokes_expired_tokens_and_their_children() {
    let (core, root, _) = setup(Arc::new(MemoryPhysical::default())).await;
    let (parent, lease) = token(&core, &root, &root, json!({"ttl": "60s"})).await;
    let (child, _) = token(&core, &root, &parent, json!({"ttl": "30m"})).await;
    let (long, long_lease) = token(&core, &root, &root, json!({"ttl": "2h"})).await;
    wait_loaded(&core, 3).await;
    core.advance_token_clock(61);
    core.expire_due_now().await;
    // The records are gone without anyone using the tokens.
    assert!(lookup_lease(&core, &root, &lease).await.is_err());
    let keys = data(
        &core,
        &root,
        Operation::List,
        "sys/leases/lookup/auth/token/create/",
        json!({}),
    )
    .await;
    let keys: Vec<String> = serde_json::from_value(keys["keys"].clone()).unwrap();
    assert_eq!(keys.len(), 1, "only the 2h token's lease is left: {keys:?}");
    assert!(long_lease.ends_with(&keys[0]));
    for t in [&parent, &child] {
        assert!(
            call(
                &core,
                t,
                Operation::Read,
                "auth/token/lookup-self",
                json!({})
            )
            .await
            .is_err()
        );
    }
    assert!(
        call(
            &core,
            &long,
            Operation::Read,
            "auth/token/lookup-self",
            json!({})
        )
        .await
        .is_ok()
    );
    assert_eq!(core.num_leases(), 1);
}

#[tokio::test]
async fn secret_leases_follow_the_ttl_hierarchy_renew_and_revoke() {
    let (core, root, _) = setup(Arc::new(MemoryPhysical::default())).await;
    call(
        &core,
        &root,
        Operation::Update,
        "leased/db",
        json!({"ttl": "1h", "password": "pw"}),
    )
    .await
    .unwrap();
    let (id, ttl, _) = read_leased(&core, &root, "leased/db").await;
    assert!(
        id.starts_with("leased/db/") && id.len() == "leased/db/".len() + 24,
        "{id}"
    );
    assert_eq!(ttl, 3600);
    // The mount's max TTL caps the backend's TTL, with Vault's warning.
    call(
        &core,
        &root,
        Operation::Update,
        "sys/mounts/leased/tune",
        json!({"max_lease_ttl": "30m"}),
    )
    .await
    .unwrap();
    let (capped, ttl, warnings) = read_leased(&core, &root, "leased/db").await;
    assert_eq!(ttl, 1800);
    assert_eq!(warnings.len(), 1, "{warnings:?}");

    let resp = call(
        &core,
        &root,
        Operation::Update,
        "sys/leases/renew",
        json!({ "lease_id": id, "increment": 600 }),
    )
    .await
    .unwrap()
    .unwrap();
    let lease = resp.lease.unwrap();
    assert_eq!(
        (lease.lease_id.as_str(), lease.lease_duration),
        (id.as_str(), 600)
    );
    let l = lookup_lease(&core, &root, &id).await.unwrap();
    assert!(l["ttl"].as_i64().unwrap() <= 600);

    // A kv secret without its own TTL is not renewable.
    call(
        &core,
        &root,
        Operation::Update,
        "leased/plain",
        json!({"v": 1}),
    )
    .await
    .unwrap();
    let (plain, _, _) = read_leased(&core, &root, "leased/plain").await;
    let err = call(
        &core,
        &root,
        Operation::Update,
        "sys/renew",
        json!({ "lease_id": plain }),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::bad_request("lease is not renewable"));

    // revoke-prefix takes a whole mount's leases.
    let listed = data(
        &core,
        &root,
        Operation::List,
        "sys/leases/lookup/leased/",
        json!({}),
    )
    .await;
    assert_eq!(listed["keys"], json!(["db/", "plain/"]));
    call(
        &core,
        &root,
        Operation::Update,
        "sys/leases/revoke-prefix/leased/db",
        json!({}),
    )
    .await
    .unwrap();
    assert!(lookup_lease(&core, &root, &id).await.is_err());
    assert!(lookup_lease(&core, &root, &capped).await.is_err());
    assert!(lookup_lease(&core, &root, &plain).await.is_ok());
    call(
        &core,
        &root,
        Operation::Update,
        "sys/leases/revoke-force/leased",
        json!({}),
    )
    .await
    .unwrap();
    assert!(lookup_lease(&core, &root, &plain).await.is_err());
    assert!(
        call(
            &core,
            &root,
            Operation::List,
            "sys/leases/lookup/leased/",
            json!({})
        )
        .await
        .unwrap()
        .is_none()
    );
}

#[tokio::test]
async fn revoking_a_token_revokes_its_secret_leases() {
    let (core, root, _) = setup(Arc::new(MemoryPhysical::default())).await;
    call(
        &core,
        &root,
        Operation::Update,
        "leased/db",
        json!({"ttl": "1h", "password": "pw"}),
    )
    .await
    .unwrap();
    let (t, _) = token(&core, &root, &root, json!({"ttl": "1h"})).await;
    let (by_token, _, _) = read_leased(&core, &t, "leased/db").await;
    let (by_root, _, _) = read_leased(&core, &root, "leased/db").await;
    call(
        &core,
        &t,
        Operation::Update,
        "auth/token/revoke-self",
        json!({}),
    )
    .await
    .unwrap();
    core.expire_due_now().await;
    assert!(lookup_lease(&core, &root, &by_token).await.is_err());
    assert!(lookup_lease(&core, &root, &by_root).await.is_ok());
}

#[tokio::test]
async fn leases_survive_a_restart_and_expire_after_it() {
    let physical = Arc::new(MemoryPhysical::default());
    let (core, root, key) = setup(physical.clone()).await;
    call(
        &core,
        &root,
        Operation::Update,
        "leased/db",
        json!({"ttl": "60s"}),
    )
    .await
    .unwrap();
    let (secret, _, _) = read_leased(&core, &root, "leased/db").await;
    let (t, token_lease) = token(&core, &root, &root, json!({"ttl": "90s"})).await;
    core.seal().await;
    drop(core);

    let core = new_core(physical);
    core.unseal(&key).await.unwrap();
    wait_loaded(&core, 2).await;
    assert!(lookup_lease(&core, &root, &secret).await.is_ok());
    core.advance_token_clock(61);
    core.expire_due_now().await;
    assert!(lookup_lease(&core, &root, &secret).await.is_err());
    assert!(lookup_lease(&core, &root, &token_lease).await.is_ok());
    core.advance_token_clock(30);
    core.expire_due_now().await;
    assert!(lookup_lease(&core, &root, &token_lease).await.is_err());
    assert!(
        call(
            &core,
            &t,
            Operation::Read,
            "auth/token/lookup-self",
            json!({})
        )
        .await
        .is_err()
    );
    assert_eq!(core.num_leases(), 0);
}

#[tokio::test]
async fn disabling_a_mount_revokes_its_leases() {
    let (core, root, _) = setup(Arc::new(MemoryPhysical::default())).await;
    call(
        &core,
        &root,
        Operation::Update,
        "leased/db",
        json!({"ttl": "1h"}),
    )
    .await
    .unwrap();
    let (id, _, _) = read_leased(&core, &root, "leased/db").await;
    assert!(lookup_lease(&core, &root, &id).await.is_ok());
    call(
        &core,
        &root,
        Operation::Delete,
        "sys/mounts/leased",
        json!({}),
    )
    .await
    .unwrap();
    assert_eq!(
        lookup_lease(&core, &root, &id).await.unwrap_err(),
        Error::bad_request("invalid lease")
    );
    assert_eq!(core.num_leases(), 0);
}
