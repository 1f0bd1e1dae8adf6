//! `vault lease lookup|renew|revoke` against a real dev server: a leased kv secret and a
//! token's lease, with Vault's messages and exit codes.

mod support;

use std::process::{Command, Output, Stdio};

use support::{ARCA, start_dev, text};

/// Runs the CLI as the dev root token.
fn run(port: u16, home: &std::path::Path, args: &[&str]) -> Output {
    support::run(port, home, "devroot", args)
}

/// Runs a command as the dev root token that must succeed; returns its stdout.
fn ok(port: u16, home: &std::path::Path, args: &[&str]) -> String {
    support::ok(port, home, "devroot", args)
}

#[test]
fn lease_lookup_renew_revoke() {
    let home = tempfile::tempdir().expect("temp home");
    let (_server, port, mounts) = start_dev(home.path());
    assert!(mounts.is_some(), "dev server did not come up");
    let h = home.path();

    ok(
        port,
        h,
        &[
            "secrets",
            "enable",
            "-path=leased",
            "-options=leased_passthrough=true",
            "kv",
        ],
    );
    ok(port, h, &["write", "leased/db", "ttl=1h", "password=pw"]);
    let read = ok(port, h, &["read", "-format=json", "leased/db"]);
    let v: serde_json::Value = serde_json::from_str(&read).expect("json");
    let lease_id = v["lease_id"].as_str().expect("lease_id").to_string();
    assert!(lease_id.starts_with("leased/db/"), "{lease_id}");

    let out = ok(port, h, &["lease", "lookup", &lease_id]);
    for key in [
        "expire_time",
        "issue_time",
        "last_renewal",
        "renewable",
        "ttl",
    ] {
        assert!(out.contains(key), "{key} missing: {out}");
    }
    let out = ok(port, h, &["lease", "renew", "-increment=10m", &lease_id]);
    assert!(
        out.contains("lease_duration") && out.contains("10m"),
        "{out}"
    );
    let out = ok(port, h, &["lease", "lookup", "-format=json", &lease_id]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(v["data"]["ttl"].as_i64().expect("ttl") <= 600, "{out}");

    let out = ok(port, h, &["lease", "revoke", &lease_id]);
    assert!(
        out.contains(&format!("Success! Revoked lease: {lease_id}")),
        "{out}"
    );
    let out = run(port, h, &["lease", "lookup", &lease_id]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("invalid lease"), "{}", text(&out));

    let out = run(port, h, &["lease", "revoke", "-force", "leased/"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("Specifying -force requires also specifying -prefix"),
        "{}",
        text(&out)
    );

    // A token's lease: renewing it here is refused (as in Vault); revoking by prefix
    // revokes the token.
    let token = ok(port, h, &["token", "create", "-ttl=1h", "-field=token"]);
    let token = token.trim();
    let out = ok(
        port,
        h,
        &[
            "list",
            "-format=json",
            "sys/leases/lookup/auth/token/create/",
        ],
    );
    let keys: Vec<String> = serde_json::from_str(&out).expect("json keys");
    assert_eq!(keys.len(), 1, "{out}");
    let token_lease = format!("auth/token/create/{}", keys[0]);
    let out = run(port, h, &["lease", "renew", &token_lease]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("tokens cannot be renewed through this endpoint"),
        "{}",
        text(&out)
    );
    let out = ok(
        port,
        h,
        &["lease", "revoke", "-prefix", "auth/token/create"],
    );
    assert!(
        out.contains("Success! Revoked any leases with prefix: auth/token/create"),
        "{out}"
    );
    let out = Command::new(ARCA)
        .args(["token", "lookup"])
        .env("VAULT_ADDR", format!("http://127.0.0.1:{port}"))
        .env("VAULT_TOKEN", token)
        .env("HOME", h)
        .stdin(Stdio::null())
        .output()
        .expect("run cli");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}
