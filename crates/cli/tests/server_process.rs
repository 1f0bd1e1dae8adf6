//! `arca server` as a real process: dev mode comes up like `vault server -dev`, and bad
//! configuration is refused with the file, line and key named.

use std::process::Command;

mod support;

use support::{ARCA, http_get, start_dev};

#[test]
fn dev_mode_is_initialised_unsealed_with_kv_v2() {
    let home = tempfile::tempdir().expect("temp home");
    let (_server, port, mounts) = start_dev(home.path());
    let mounts: serde_json::Value =
        serde_json::from_str(&mounts.expect("dev server answered sys/mounts")).expect("json");
    assert_eq!(mounts["data"]["secret/"]["type"], "kv");
    assert_eq!(mounts["data"]["secret/"]["options"]["version"], "2");
    let (code, _) = http_get(port, "/v1/sys/health", None).expect("health");
    assert_eq!(code, 200);
    // Like Vault, dev mode logs the CLI in.
    let token = std::fs::read_to_string(home.path().join(".vault-token")).expect("token file");
    assert_eq!(token, "devroot");
    // A wrong token is refused.
    let (code, _) = http_get(port, "/v1/sys/mounts", Some("nope")).expect("mounts");
    assert_eq!(code, 403);
}

fn server_error(config: &str) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bad.hcl");
    std::fs::write(&path, config).expect("write config");
    let out = Command::new(ARCA)
        .arg("server")
        .arg(format!("-config={}", path.display()))
        .output()
        .expect("run arca");
    assert!(
        !out.status.success(),
        "a bad config must not start a server"
    );
    String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout)
}

#[test]
fn unknown_key_is_refused_with_file_line_and_key() {
    let err = server_error(
        "storage \"raft\" {\n  path = \"/tmp/x\"\n  node_id = \"a\"\n}\nlistener \"tcp\" {\n  adress = \"127.0.0.1:1\"\n}\n",
    );
    assert!(err.contains("bad.hcl:6"), "{err}");
    assert!(err.contains("adress"), "{err}");
}

#[test]
fn later_features_are_refused_not_ignored() {
    let err = server_error("seal \"awskms\" {\n  region = \"x\"\n}\n");
    assert!(err.contains("not supported yet"), "{err}");
    assert!(err.contains("bad.hcl:1"), "{err}");
}

#[test]
fn malformed_file_names_the_line() {
    let err = server_error("listener \"tcp\" {\n  address = \n}\n");
    assert!(err.contains("bad.hcl:"), "{err}");
}

#[test]
fn http_client_needs_no_ca_bundle() {
    // Minimal container images carry no CA certificates; `vault status` over http (the
    // chart's readiness probe) must not need them.
    let home = tempfile::tempdir().expect("temp home");
    let (_server, port, _) = start_dev(home.path());
    let out = Command::new(ARCA)
        .args(["status", &format!("-address=http://127.0.0.1:{port}")])
        .env("HOME", home.path())
        .env("SSL_CERT_FILE", home.path().join("no-such-bundle.pem"))
        .env("SSL_CERT_DIR", home.path().join("no-such-dir"))
        .output()
        .expect("run arca status");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("Sealed"));
}
