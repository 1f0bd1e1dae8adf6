//! `vault token ...`, `vault auth ...` and `vault login -method=...` against a real dev
//! server, with Vault's messages and exit codes.

mod support;

use support::{ok, run, start_dev, text};

#[test]
fn token_and_auth_commands() {
    let home = tempfile::tempdir().expect("temp home");
    let (_server, port, mounts) = start_dev(home.path());
    assert!(mounts.is_some(), "dev server did not come up");
    let h = home.path();

    let out = ok(
        port,
        h,
        "devroot",
        &[
            "token",
            "create",
            "-policy=default",
            "-ttl=1h",
            "-metadata=team=a",
        ],
    );
    for key in [
        "token ",
        "token_accessor",
        "token_duration",
        "token_renewable",
        "token_policies",
        "identity_policies",
        "policies",
        "token_meta_team",
    ] {
        assert!(out.contains(key), "{key} missing: {out}");
    }
    assert!(out.contains("1h"), "{out}");
    let token = ok(
        port,
        h,
        "devroot",
        &["token", "create", "-policy=default", "-field=token"],
    );
    let token = token.trim();
    assert!(token.starts_with("hvs."), "{token}");
    let out = ok(port, h, "devroot", &["token", "lookup", token]);
    assert!(
        out.contains("display_name") && out.contains("token"),
        "{out}"
    );
    let out = ok(port, h, token, &["token", "lookup"]);
    assert!(out.contains("[default]"), "{out}");
    let accessor = ok(
        port,
        h,
        "devroot",
        &["token", "lookup", "-format=json", token],
    );
    let v: serde_json::Value = serde_json::from_str(&accessor).expect("json");
    let accessor = v["data"]["accessor"]
        .as_str()
        .expect("accessor")
        .to_string();
    let out = ok(
        port,
        h,
        "devroot",
        &["token", "lookup", "-accessor", &accessor],
    );
    assert!(out.contains(&accessor), "{out}");
    let out = ok(port, h, token, &["token", "renew", "-increment=30m"]);
    assert!(out.contains("30m"), "{out}");
    let out = ok(
        port,
        h,
        "devroot",
        &["token", "capabilities", token, "cubbyhole/x"],
    );
    assert!(out.contains("read"), "{out}");
    let out = ok(port, h, "devroot", &["token", "revoke", token]);
    assert!(
        out.contains("Success! Revoked token (if it existed)"),
        "{out}"
    );
    let out = run(port, h, token, &["token", "lookup"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("permission denied"), "{}", text(&out));
    let out = run(port, h, "devroot", &["token", "revoke"]);
    assert_eq!(out.status.code(), Some(1));

    let out = ok(port, h, "devroot", &["auth", "enable", "userpass"]);
    assert!(
        out.contains("Success! Enabled userpass auth method at: userpass/"),
        "{out}"
    );
    let out = ok(port, h, "devroot", &["auth", "list"]);
    assert!(
        out.contains("token/") && out.contains("userpass/") && out.contains("auth_userpass_"),
        "{out}"
    );
    let out = ok(
        port,
        h,
        "devroot",
        &["auth", "tune", "-default-lease-ttl=1m", "userpass/"],
    );
    assert!(
        out.contains("Success! Tuned the auth method at: userpass/"),
        "{out}"
    );
    let out = ok(
        port,
        h,
        "devroot",
        &["read", "-field=default_lease_ttl", "sys/auth/userpass/tune"],
    );
    assert_eq!(out.trim(), "60");
    ok(
        port,
        h,
        "devroot",
        &[
            "write",
            "auth/userpass/users/bob",
            "password=pw-bob-123",
            "token_policies=default",
        ],
    );
    let out = ok(
        port,
        h,
        "",
        &[
            "login",
            "-method=userpass",
            "-no-store",
            "username=bob",
            "password=pw-bob-123",
        ],
    );
    assert!(
        out.contains("token_meta_username") || out.contains("token_policies"),
        "{out}"
    );
    assert!(out.contains("1m"), "{out}");
    let out = run(
        port,
        h,
        "",
        &[
            "login",
            "-method=userpass",
            "username=bob",
            "password=wrong",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("Error authenticating"),
        "{}",
        text(&out)
    );
    let out = ok(port, h, "devroot", &["auth", "disable", "userpass"]);
    assert!(
        out.contains("Success! Disabled the auth method (if it existed) at: userpass/"),
        "{out}"
    );
    let out = run(port, h, "devroot", &["auth", "disable", "token"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// The seed's flow: `token create -orphan -policy=autounseal -wrap-ttl=120 -period=24h`
/// prints the wrapping token table, `VAULT_TOKEN=<wrapping token> vault unwrap` prints
/// the token once, and a second unwrap fails with Vault's message.
#[test]
fn wrap_ttl_and_unwrap() {
    let home = tempfile::tempdir().expect("temp home");
    let (_server, port, mounts) = start_dev(home.path());
    assert!(mounts.is_some(), "dev server did not come up");
    let h = home.path();
    let create = [
        "token",
        "create",
        "-orphan",
        "-policy=autounseal",
        "-wrap-ttl=120",
        "-period=24h",
    ];
    let out = ok(port, h, "devroot", &create);
    let mut keys = Vec::new();
    for line in out.lines().skip(2).filter(|l| !l.trim().is_empty()) {
        keys.push(
            line.split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string(),
        );
    }
    assert_eq!(
        keys,
        [
            "wrapping_token:",
            "wrapping_accessor:",
            "wrapping_token_ttl:",
            "wrapping_token_creation_time:",
            "wrapping_token_creation_path:",
            "wrapped_accessor:",
        ],
        "{out}"
    );
    assert!(out.starts_with("Key "), "{out}");
    assert!(
        out.contains(" 2m\n") && out.contains(" auth/token/create\n"),
        "{out}"
    );
    assert!(out.contains(" +0000 UTC\n"), "{out}");
    let wrapping = out
        .lines()
        .find_map(|l| l.strip_prefix("wrapping_token:"))
        .map(|v| v.trim().to_string())
        .expect("wrapping token");

    let out = ok(port, h, &wrapping, &["unwrap"]);
    for key in [
        "token ",
        "token_accessor",
        "token_duration",
        "token_policies",
    ] {
        assert!(out.contains(key), "{key} missing: {out}");
    }
    assert!(
        out.contains(r#"["autounseal" "default"]"#) && out.contains("24h"),
        "{out}"
    );
    let again = run(port, h, &wrapping, &["unwrap"]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(
        text(&again).contains("* wrapping token is not valid or does not exist"),
        "{}",
        text(&again)
    );

    // A wrapping token as an argument, with another client token: sent in the body;
    // `-format=json` prints the unwrapped envelope.
    let wrapping = ok(
        port,
        h,
        "devroot",
        &[
            "token",
            "create",
            "-policy=default",
            "-wrap-ttl=1m",
            "-field=wrapping_token",
        ],
    );
    let out = ok(
        port,
        h,
        "devroot",
        &["unwrap", "-format=json", wrapping.trim()],
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(
        v["auth"]["client_token"]
            .as_str()
            .is_some_and(|t| t.starts_with("hvs.")),
        "{out}"
    );
    // `write sys/wrapping/wrap` gets Vault's default wrap TTL (5m) without -wrap-ttl.
    let wrapping = ok(
        port,
        h,
        "devroot",
        &[
            "write",
            "-field=wrapping_token",
            "sys/wrapping/wrap",
            "foo=bar",
        ],
    );
    let out = ok(
        port,
        h,
        "devroot",
        &["unwrap", "-field=foo", wrapping.trim()],
    );
    assert_eq!(out.trim(), "bar");
    let out = run(port, h, "devroot", &["unwrap", "a", "b"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("Too many arguments (expected 0-1, got 2)"));
}
