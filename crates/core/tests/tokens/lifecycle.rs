//! Service tokens: creation rules, lookups, the parent/child tree, revocation, use
//! counts, expiry and renewal.

use arca_sdk::{Error, Operation};
use serde_json::json;

use crate::{call, create, data, is_dead, lookup_self, policy, setup};

const DEV: &str = "path \"secret/data/dev/*\" {\n  capabilities = [\"read\", \"create\", \"update\"]\n}\npath \"auth/token/create\" {\n  capabilities = [\"update\"]\n}\n";

#[tokio::test]
async fn create_and_lookup_in_vaults_shape() {
    let (core, root) = setup().await;
    let (t, auth) = create(
        &core,
        &root,
        "auth/token/create",
        json!({"policies": ["dev"], "ttl": "1h", "display_name": "my app", "meta": {"team": "a"}, "num_uses": 0}),
    )
    .await;
    assert!(t.starts_with("hvs.") && t.len() == 95, "{t}");
    assert_eq!(auth["policies"], json!(["default", "dev"]));
    assert_eq!(auth["token_policies"], json!(["default", "dev"]));
    assert_eq!(auth["lease_duration"], 3600);
    assert_eq!(auth["renewable"], true);
    assert_eq!(auth["orphan"], false);
    assert_eq!(auth["token_type"], "service");
    assert_eq!(auth["metadata"], json!({"team": "a"}));

    let d = lookup_self(&core, &t).await.unwrap();
    assert_eq!(d["id"], t);
    assert_eq!(d["display_name"], "token-my-app");
    assert_eq!(d["path"], "auth/token/create");
    assert_eq!(d["creation_ttl"], 3600);
    assert!(d["ttl"].as_u64().unwrap() >= 3599);
    assert!(d["expire_time"].is_string() && d["issue_time"].is_string());
    assert_eq!(d["meta"], json!({"team": "a"}));
    assert_eq!(d["type"], "service");
    assert_eq!(d["entity_id"], "");

    let by_token = data(
        &core,
        &root,
        Operation::Update,
        "auth/token/lookup",
        json!({"token": t}),
    )
    .await;
    assert_eq!(by_token["accessor"], auth["accessor"]);
    let by_accessor = data(
        &core,
        &root,
        Operation::Update,
        "auth/token/lookup-accessor",
        json!({"accessor": auth["accessor"]}),
    )
    .await;
    assert_eq!(
        by_accessor["id"], "",
        "lookup-accessor never shows the token"
    );
    assert_eq!(by_accessor["policies"], json!(["default", "dev"]));

    let root_info = lookup_self(&core, &root).await.unwrap();
    assert_eq!(root_info["policies"], json!(["root"]));
    assert_eq!(root_info["expire_time"], serde_json::Value::Null);
    assert_eq!(root_info["ttl"], 0);

    let err = call(
        &core,
        &root,
        Operation::Update,
        "auth/token/lookup",
        json!({"token": "hvs.nope"}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.to_string(), "bad token");
    let err = call(
        &core,
        &root,
        Operation::Update,
        "auth/token/lookup-accessor",
        json!({"accessor": "nope"}),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::bad_request("invalid accessor"));
}

#[tokio::test]
async fn child_tokens_follow_the_parents_rules() {
    let (core, root) = setup().await;
    policy(&core, &root, "dev", DEV).await;
    let (parent, _) = create(
        &core,
        &root,
        "auth/token/create",
        json!({"policies": ["dev"]}),
    )
    .await;

    // No policies: the parent's are inherited.
    let (_, inherited) = create(&core, &parent, "auth/token/create", json!({})).await;
    assert_eq!(inherited["policies"], json!(["default", "dev"]));
    // Policies outside the parent's set are refused; root cannot be asked for.
    for asked in [json!(["other"]), json!(["root"])] {
        let err = call(
            &core,
            &parent,
            Operation::Update,
            "auth/token/create",
            json!({"policies": asked}),
        )
        .await
        .unwrap_err();
        assert_eq!(
            err,
            Error::bad_request("child policies must be subset of parent")
        );
    }
    // Orphans, periodic tokens and custom ids need sudo.
    for (body, msg) in [
        (
            json!({"no_parent": true}),
            "root or sudo privileges required to create orphan token",
        ),
        (
            json!({"period": "1h"}),
            "root or sudo privileges required to create periodic token",
        ),
        (
            json!({"id": "custom"}),
            "root or sudo privileges required to specify token id",
        ),
    ] {
        let err = call(&core, &parent, Operation::Update, "auth/token/create", body)
            .await
            .unwrap_err();
        assert_eq!(err, Error::bad_request(msg));
    }
    // create-orphan is governed by its own ACL path: the dev policy has no access.
    let err = call(
        &core,
        &parent,
        Operation::Update,
        "auth/token/create-orphan",
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::PermissionDenied);

    // Root may pick ids, with Vault's restrictions.
    let (custom, _) = create(&core, &root, "auth/token/create", json!({"id": "my-token"})).await;
    assert_eq!(custom, "my-token");
    let err = call(
        &core,
        &root,
        Operation::Update,
        "auth/token/create",
        json!({"id": "my-token"}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err,
        Error::bad_request("cannot create a token with a duplicate ID")
    );
    let err = call(
        &core,
        &root,
        Operation::Update,
        "auth/token/create",
        json!({"id": "hvs.x"}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err,
        Error::bad_request("custom token ID cannot have the 'hvs.' prefix")
    );
    // no_default_policy drops default.
    let (_, a) = create(
        &core,
        &root,
        "auth/token/create",
        json!({"policies": ["dev"], "no_default_policy": true}),
    )
    .await;
    assert_eq!(a["policies"], json!(["dev"]));
    // A child of root without policies is a root token without expiry.
    let (_, r) = create(&core, &root, "auth/token/create", json!({})).await;
    assert_eq!(r["policies"], json!(["root"]));
    assert_eq!(r["lease_duration"], 0);
    assert_eq!(r["renewable"], false);
}

#[tokio::test]
async fn revoking_a_parent_revokes_the_tree_unless_orphaned() {
    let (core, root) = setup().await;
    policy(&core, &root, "dev", DEV).await;
    let (p, _) = create(
        &core,
        &root,
        "auth/token/create",
        json!({"policies": ["dev"]}),
    )
    .await;
    let (c1, _) = create(&core, &p, "auth/token/create", json!({})).await;
    let (g1, _) = create(&core, &c1, "auth/token/create", json!({})).await;
    let (c2, c2auth) = create(&core, &p, "auth/token/create", json!({})).await;
    let (g2, _) = create(&core, &c2, "auth/token/create", json!({})).await;

    // revoke-orphan keeps c2's child, now an orphan (needs sudo: root).
    call(
        &core,
        &root,
        Operation::Update,
        "auth/token/revoke-orphan",
        json!({"token": c2}),
    )
    .await
    .unwrap();
    assert!(is_dead(&core, &c2).await);
    assert_eq!(lookup_self(&core, &g2).await.unwrap()["orphan"], true);
    let err = call(
        &core,
        &p,
        Operation::Update,
        "auth/token/revoke-orphan",
        json!({"token": c1}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err,
        Error::PermissionDenied,
        "the dev policy does not reach revoke-orphan"
    );

    call(
        &core,
        &root,
        Operation::Update,
        "auth/token/revoke",
        json!({"token": p}),
    )
    .await
    .unwrap();
    for t in [&p, &c1, &g1] {
        assert!(is_dead(&core, t).await);
    }
    assert!(
        !is_dead(&core, &g2).await,
        "orphans outlive their old parent"
    );
    // The accessor of a revoked token is gone too.
    let resp = call(
        &core,
        &root,
        Operation::Update,
        "auth/token/revoke-accessor",
        json!({"accessor": c2auth["accessor"]}),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(resp.warnings, vec!["No token found with this accessor"]);

    // revoke-self and revoke-accessor.
    call(
        &core,
        &g2,
        Operation::Update,
        "auth/token/revoke-self",
        json!({}),
    )
    .await
    .unwrap();
    assert!(is_dead(&core, &g2).await);
    let (t, a) = create(
        &core,
        &root,
        "auth/token/create",
        json!({"policies": ["dev"]}),
    )
    .await;
    call(
        &core,
        &root,
        Operation::Update,
        "auth/token/revoke-accessor",
        json!({"accessor": a["accessor"]}),
    )
    .await
    .unwrap();
    assert!(is_dead(&core, &t).await);
    // Revoking an unknown token is not an error (204), as in Vault.
    assert!(
        call(
            &core,
            &root,
            Operation::Update,
            "auth/token/revoke",
            json!({"token": "hvs.gone"})
        )
        .await
        .unwrap()
        .is_none()
    );
}

#[tokio::test]
async fn use_limited_tokens_die_after_their_last_use() {
    let (core, root) = setup().await;
    policy(&core, &root, "dev", DEV).await;
    call(
        &core,
        &root,
        Operation::Update,
        "secret/data/dev/a",
        json!({"data": {"v": 1}}),
    )
    .await
    .unwrap();
    let (t, a) = create(
        &core,
        &root,
        "auth/token/create",
        json!({"policies": ["dev"], "num_uses": 3}),
    )
    .await;
    assert_eq!(a["num_uses"], 3);
    // Use 1 (lookup-self shows the count after this use).
    assert_eq!(lookup_self(&core, &t).await.unwrap()["num_uses"], 2);
    // A refused request does not use the token.
    let err = call(&core, &t, Operation::Read, "sys/mounts", json!({}))
        .await
        .unwrap_err();
    assert_eq!(err, Error::PermissionDenied);
    // Use 2: a failed request still counts, as in Vault.
    assert!(
        call(
            &core,
            &t,
            Operation::Update,
            "secret/data/dev/b",
            json!({"bad": 1})
        )
        .await
        .is_err()
    );
    // Use 3, the last one, succeeds; then the token is gone.
    let read = call(&core, &t, Operation::Read, "secret/data/dev/a", json!({}))
        .await
        .unwrap();
    assert!(read.is_some());
    assert!(is_dead(&core, &t).await);
    // Use-limited tokens cannot create children.
    let (t2, _) = create(
        &core,
        &root,
        "auth/token/create",
        json!({"policies": ["dev"], "num_uses": 5}),
    )
    .await;
    let err = call(
        &core,
        &t2,
        Operation::Update,
        "auth/token/create",
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err,
        Error::bad_request("restricted use token cannot generate child tokens")
    );
}

#[tokio::test]
async fn expired_tokens_are_refused_and_revoked_with_their_children() {
    let (core, root) = setup().await;
    policy(&core, &root, "dev", DEV).await;
    let (p, _) = create(
        &core,
        &root,
        "auth/token/create",
        json!({"policies": ["dev"], "ttl": 60}),
    )
    .await;
    let (c, _) = create(&core, &p, "auth/token/create", json!({"ttl": "2h"})).await;
    let (cubby_token, _) = create(&core, &p, "auth/token/create", json!({"ttl": "2h"})).await;
    call(
        &core,
        &cubby_token,
        Operation::Update,
        "cubbyhole/x",
        json!({"v": "secret"}),
    )
    .await
    .unwrap();
    core.advance_token_clock(59);
    assert!(!is_dead(&core, &p).await);
    core.advance_token_clock(1);
    let err = call(
        &core,
        &p,
        Operation::Read,
        "auth/token/lookup-self",
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::PermissionDenied);
    // Using the expired parent revoked it, and its children with it.
    assert!(is_dead(&core, &c).await);
    assert!(is_dead(&core, &cubby_token).await);
}

#[tokio::test]
async fn renewals_respect_max_ttls_and_periods() {
    let (core, root) = setup().await;
    let (t, _) = create(
        &core,
        &root,
        "auth/token/create",
        json!({"policies": ["dev"], "ttl": 60, "explicit_max_ttl": 100}),
    )
    .await;
    core.advance_token_clock(30);
    let resp = call(
        &core,
        &t,
        Operation::Update,
        "auth/token/renew-self",
        json!({}),
    )
    .await
    .unwrap()
    .unwrap();
    let auth = resp.auth.unwrap();
    assert_eq!(auth.lease_duration, 60);
    assert_eq!(auth.client_token, t);
    core.advance_token_clock(50);
    // 80s since issue: only 20s remain under the explicit max TTL.
    let resp = call(
        &core,
        &root,
        Operation::Update,
        "auth/token/renew",
        json!({"token": t, "increment": "1h"}),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(resp.auth.unwrap().lease_duration, 20);
    assert_eq!(resp.warnings.len(), 1);
    let d = lookup_self(&core, &t).await.unwrap();
    assert!(d["last_renewal_time"].is_i64());
    core.advance_token_clock(21);
    assert!(is_dead(&core, &t).await);

    // Periodic tokens renew to their period, indefinitely.
    let (p, a) = create(
        &core,
        &root,
        "auth/token/create",
        json!({"period": "10m", "ttl": 5}),
    )
    .await;
    assert_eq!(a["lease_duration"], 600);
    for _ in 0..3 {
        core.advance_token_clock(500);
        let resp = call(
            &core,
            &p,
            Operation::Update,
            "auth/token/renew-self",
            json!({"increment": 5}),
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(resp.auth.unwrap().lease_duration, 600);
    }
    // renew-accessor hides the token.
    let resp = call(
        &core,
        &root,
        Operation::Update,
        "auth/token/renew-accessor",
        json!({"accessor": a["accessor"]}),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(resp.auth.unwrap().client_token, "");

    // Root tokens without a TTL and non-renewable tokens cannot be renewed.
    let err = call(
        &core,
        &root,
        Operation::Update,
        "auth/token/renew-self",
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::bad_request("lease is not renewable"));
    let (nr, _) = create(
        &core,
        &root,
        "auth/token/create",
        json!({"policies": ["dev"], "renewable": false}),
    )
    .await;
    let err = call(
        &core,
        &nr,
        Operation::Update,
        "auth/token/renew-self",
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::bad_request("lease is not renewable"));
}

#[tokio::test]
async fn tune_of_the_token_mount_bounds_new_tokens() {
    let (core, root) = setup().await;
    call(
        &core,
        &root,
        Operation::Update,
        "sys/auth/token/tune",
        json!({"default_lease_ttl": "1m", "max_lease_ttl": "2m"}),
    )
    .await
    .unwrap();
    let tune = data(
        &core,
        &root,
        Operation::Read,
        "sys/auth/token/tune",
        json!({}),
    )
    .await;
    assert_eq!(tune["default_lease_ttl"], 60);
    assert_eq!(tune["max_lease_ttl"], 120);
    let (_, a) = create(
        &core,
        &root,
        "auth/token/create",
        json!({"policies": ["dev"]}),
    )
    .await;
    assert_eq!(a["lease_duration"], 60);
    let (_, a) = create(
        &core,
        &root,
        "auth/token/create",
        json!({"policies": ["dev"], "ttl": "1h"}),
    )
    .await;
    assert_eq!(a["lease_duration"], 120);
    let err = call(
        &core,
        &root,
        Operation::Update,
        "sys/auth/token/tune",
        json!({"token_type": "batch"}),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::BadRequest(m) if m.contains("cannot be set for 'token'")));
}

#[tokio::test]
async fn a_token_in_the_body_or_query_never_authenticates() {
    let (core, root) = setup().await;
    // Query parameters reach the core as data: "token" there is just a field.
    let err = core
        .handle(
            arca_core::CoreRequest::new(Operation::Read, "secret/data/x")
                .data(json!({"token": root})),
        )
        .await
        .unwrap_err();
    assert_eq!(err, Error::PermissionDenied);
}
