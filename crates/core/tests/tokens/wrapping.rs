//! Response wrapping: `X-Vault-Wrap-TTL` on any request, the single-use wrapping token,
//! `sys/wrapping/{wrap,unwrap,lookup,rewrap}`, policy wrapping-TTL bounds and expiry.

use arca_core::{Core, CoreRequest};
use arca_sdk::{Error, Operation, Response, WrapInfo};
use serde_json::{Value, json};

use crate::{call, create, is_dead, lookup_self, policy, setup};

const INVALID: &str = "wrapping token is not valid or does not exist";

/// Runs `op` on `path` with `X-Vault-Wrap-TTL: ttl`.
async fn wrapped_call(
    core: &Core,
    token: &str,
    op: Operation,
    path: &str,
    body: Value,
    ttl: &str,
) -> Result<Option<Response>, Error> {
    let mut req = CoreRequest::new(op, path).token(token).data(body);
    req.headers
        .insert("x-vault-wrap-ttl".to_string(), ttl.to_string());
    core.handle(req).await
}

/// A request that must come back wrapped; returns its `wrap_info`.
async fn wrap_info(
    core: &Core,
    token: &str,
    op: Operation,
    path: &str,
    body: Value,
    ttl: &str,
) -> WrapInfo {
    let resp = wrapped_call(core, token, op, path, body, ttl)
        .await
        .unwrap()
        .unwrap();
    assert!(resp.data.is_none() && resp.auth.is_none(), "{resp:?}");
    resp.wrap_info.unwrap()
}

/// `sys/wrapping/unwrap` with the wrapping token as client token (`body` empty) or in
/// the body; returns the unwrapped envelope.
async fn unwrap(core: &Core, client: &str, body: Value) -> Result<Value, Error> {
    let resp = call(core, client, Operation::Update, "sys/wrapping/unwrap", body).await?;
    let raw = resp.unwrap().raw.unwrap();
    assert_eq!(raw.status, 200);
    assert_eq!(raw.content_type, "application/json");
    Ok(serde_json::from_slice(&raw.body).unwrap())
}

fn invalid(e: Error) -> bool {
    e == Error::bad_request(INVALID)
}

#[tokio::test]
async fn a_wrapped_token_unwraps_once() {
    let (core, root) = setup().await;
    let info = wrap_info(
        &core,
        &root,
        Operation::Update,
        "auth/token/create",
        json!({"policies": ["default"], "period": "24h", "no_parent": true}),
        "120",
    )
    .await;
    assert!(info.token.starts_with("hvs."));
    assert_eq!(info.ttl, 120);
    assert_eq!(info.creation_path, "auth/token/create");
    assert!(info.creation_time.ends_with('Z'), "{}", info.creation_time);
    assert!(!info.accessor.is_empty() && !info.wrapped_accessor.is_empty());

    // The wrapping token itself: single use, response-wrapping only, 120 s, orphan.
    let looked = call(
        &core,
        &root,
        Operation::Update,
        "auth/token/lookup",
        json!({"token": info.token}),
    )
    .await
    .unwrap()
    .unwrap()
    .data
    .unwrap();
    assert_eq!(looked["policies"], json!(["response-wrapping"]));
    assert_eq!(looked["num_uses"], 1);
    assert_eq!(looked["creation_ttl"], 120);
    assert_eq!(looked["orphan"], true);
    assert_eq!(looked["path"], "auth/token/create");

    // It may not do anything but unwrap.
    assert_eq!(
        call(
            &core,
            &info.token,
            Operation::Read,
            "secret/data/x",
            json!({})
        )
        .await
        .unwrap_err(),
        Error::PermissionDenied
    );

    let body = unwrap(&core, &info.token, json!({})).await.unwrap();
    let auth = &body["auth"];
    assert_eq!(auth["accessor"], json!(info.wrapped_accessor));
    assert_eq!(auth["policies"], json!(["default"]));
    assert_eq!(auth["orphan"], true);
    assert_eq!(auth["lease_duration"], 86400);
    assert!(body["data"].is_null() && body["wrap_info"].is_null());
    let unwrapped = auth["client_token"].as_str().unwrap();
    assert_eq!(
        lookup_self(&core, unwrapped).await.unwrap()["period"],
        86400
    );

    // The second unwrap fails, with the token as client token or in the body.
    assert!(invalid(
        unwrap(&core, &info.token, json!({})).await.unwrap_err()
    ));
    assert!(invalid(
        unwrap(&core, &root, json!({"token": info.token}))
            .await
            .unwrap_err()
    ));
    assert!(is_dead(&core, &info.token).await);
}

#[tokio::test]
async fn third_party_unwrap_lookup_and_rewrap() {
    let (core, root) = setup().await;
    let (user, _) = create(
        &core,
        &root,
        "auth/token/create",
        json!({"policies": ["default"]}),
    )
    .await;
    // The default policy allows wrap, lookup and unwrap.
    let info = wrap_info(
        &core,
        &user,
        Operation::Update,
        "sys/wrapping/wrap",
        json!({"password": "hunter2", "n": 3}),
        "5m",
    )
    .await;
    assert_eq!(info.ttl, 300);
    assert_eq!(info.creation_path, "sys/wrapping/wrap");
    assert!(info.wrapped_accessor.is_empty());

    // Lookup needs no token and does not use the wrapping token.
    for _ in 0..2 {
        let d = call(
            &core,
            "",
            Operation::Update,
            "sys/wrapping/lookup",
            json!({"token": info.token}),
        )
        .await
        .unwrap()
        .unwrap()
        .data
        .unwrap();
        assert_eq!(d["creation_ttl"], 300);
        assert_eq!(d["creation_path"], "sys/wrapping/wrap");
        assert_eq!(d["creation_time"], json!(info.creation_time));
    }

    // ... nor when the wrapping token is the client token.
    let d = call(
        &core,
        &info.token,
        Operation::Update,
        "sys/wrapping/lookup",
        json!({}),
    )
    .await
    .unwrap()
    .unwrap()
    .data
    .unwrap();
    assert_eq!(d["creation_ttl"], 300);
    // GET looks up the requester's token; a token in the query is not used.
    let d = call(
        &core,
        &info.token,
        Operation::Read,
        "sys/wrapping/lookup",
        json!({"token": "x"}),
    )
    .await
    .unwrap()
    .unwrap()
    .data
    .unwrap();
    assert_eq!(d["creation_path"], "sys/wrapping/wrap");
    assert!(invalid(
        call(
            &core,
            "",
            Operation::Read,
            "sys/wrapping/lookup",
            json!({"token": info.token})
        )
        .await
        .unwrap_err()
    ));

    // Rewrap (root: the default policy does not grant it) moves the response.
    let rewrapped = call(
        &core,
        &root,
        Operation::Update,
        "sys/wrapping/rewrap",
        json!({"token": info.token}),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(rewrapped.data.is_none());
    let new = rewrapped.wrap_info.unwrap();
    assert_ne!(new.token, info.token);
    assert_eq!(new.ttl, 300);
    assert_eq!(new.creation_path, "sys/wrapping/wrap");
    assert!(invalid(
        call(
            &core,
            "",
            Operation::Update,
            "sys/wrapping/lookup",
            json!({"token": info.token})
        )
        .await
        .unwrap_err()
    ));
    assert_eq!(
        call(
            &core,
            &user,
            Operation::Update,
            "sys/wrapping/rewrap",
            json!({"token": new.token})
        )
        .await
        .unwrap_err(),
        Error::PermissionDenied
    );

    let body = unwrap(&core, &user, json!({"token": new.token}))
        .await
        .unwrap();
    assert_eq!(body["data"], json!({"password": "hunter2", "n": 3}));
    assert!(invalid(
        unwrap(&core, &user, json!({"token": new.token}))
            .await
            .unwrap_err()
    ));
    // The caller's own token is still fine; a normal token is not a wrapping token.
    assert!(lookup_self(&core, &user).await.is_ok());
    assert!(invalid(
        unwrap(&core, &root, json!({"token": user}))
            .await
            .unwrap_err()
    ));
    assert!(invalid(unwrap(&core, &user, json!({})).await.unwrap_err()));
}

#[tokio::test]
async fn bad_input_and_required_header() {
    let (core, root) = setup().await;
    let e = wrapped_call(
        &core,
        &root,
        Operation::Read,
        "sys/mounts",
        json!({}),
        "soon",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&e, Error::BadRequest(m) if m.starts_with("error parsing X-Vault-Wrap-TTL header")),
        "{e:?}"
    );
    assert_eq!(
        call(
            &core,
            &root,
            Operation::Update,
            "sys/wrapping/wrap",
            json!({"a": 1})
        )
        .await
        .unwrap_err(),
        Error::bad_request("endpoint requires response wrapping to be used")
    );
    for body in [
        json!({"token": ""}),
        json!({"token": 5}),
        json!({"token": "hvs.nope"}),
    ] {
        let e = call(
            &core,
            "",
            Operation::Update,
            "sys/wrapping/lookup",
            body.clone(),
        )
        .await
        .unwrap_err();
        assert!(matches!(e, Error::BadRequest(_)), "{body}: {e:?}");
    }
    // Help is not an unwrap.
    let help = call(
        &core,
        &root,
        Operation::Help,
        "sys/wrapping/unwrap",
        json!({}),
    )
    .await
    .unwrap();
    assert!(help.is_some());
    // Wrapping a list with nothing in it is a 404, not a token.
    assert_eq!(
        wrapped_call(
            &core,
            &root,
            Operation::List,
            "secret/metadata/",
            json!({}),
            "60"
        )
        .await
        .unwrap(),
        None
    );
    // A read wraps its data; the KV read comes back whole.
    call(
        &core,
        &root,
        Operation::Update,
        "secret/data/app",
        json!({"data": {"k": "v"}}),
    )
    .await
    .unwrap();
    let info = wrap_info(
        &core,
        &root,
        Operation::Read,
        "secret/data/app",
        json!({}),
        "1m",
    )
    .await;
    let body = unwrap(&core, &root, json!({"token": info.token}))
        .await
        .unwrap();
    assert_eq!(body["data"]["data"], json!({"k": "v"}));
    assert!(body["request_id"].is_string());
}

#[tokio::test]
async fn policy_wrapping_ttl_bounds() {
    let (core, root) = setup().await;
    policy(
        &core,
        &root,
        "wrapped",
        "path \"secret/data/w\" {\n  capabilities = [\"read\", \"create\", \"update\"]\n  min_wrapping_ttl = \"1m\"\n  max_wrapping_ttl = \"1h\"\n}\n",
    )
    .await;
    call(
        &core,
        &root,
        Operation::Update,
        "secret/data/w",
        json!({"data": {"k": "v"}}),
    )
    .await
    .unwrap();
    let (t, _) = create(
        &core,
        &root,
        "auth/token/create",
        json!({"policies": ["wrapped"]}),
    )
    .await;
    for ttl in ["30s", "2h"] {
        assert_eq!(
            wrapped_call(&core, &t, Operation::Read, "secret/data/w", json!({}), ttl)
                .await
                .unwrap_err(),
            Error::PermissionDenied,
            "{ttl}"
        );
    }
    assert_eq!(
        call(&core, &t, Operation::Read, "secret/data/w", json!({}))
            .await
            .unwrap_err(),
        Error::PermissionDenied,
        "the path requires wrapping"
    );
    let info = wrap_info(
        &core,
        &t,
        Operation::Read,
        "secret/data/w",
        json!({}),
        "10m",
    )
    .await;
    assert_eq!(info.ttl, 600);
}

#[tokio::test]
async fn wrapping_tokens_expire() {
    let (core, root) = setup().await;
    let info = wrap_info(
        &core,
        &root,
        Operation::Update,
        "sys/wrapping/wrap",
        json!({"a": 1}),
        "60",
    )
    .await;
    core.advance_token_clock(61);
    assert!(invalid(
        call(
            &core,
            "",
            Operation::Update,
            "sys/wrapping/lookup",
            json!({"token": info.token})
        )
        .await
        .unwrap_err()
    ));
    assert!(invalid(
        unwrap(&core, &info.token, json!({})).await.unwrap_err()
    ));
    assert!(invalid(
        unwrap(&core, &root, json!({"token": info.token}))
            .await
            .unwrap_err()
    ));
}
