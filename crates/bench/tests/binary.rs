//! Runs the real `arca-bench` binary (which also makes `cargo test --workspace --no-run`
//! place it in `target/debug/`, where `make bench` expects it) against a closed port, so
//! every request fails, and checks that failures are reported and reflected in the exit code.

use std::net::TcpListener;
use std::process::Command;

/// An address on which nothing listens.
fn closed_address() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

fn bench(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_arca-bench"))
        .args(args)
        .env_remove("VAULT_TOKEN")
        .env_remove("VAULT_ADDR")
        .output()
        .unwrap()
}

#[test]
fn failed_requests_are_reported_and_exit_1() {
    let addr = closed_address();
    let out = bench(&[
        "--address",
        &addr,
        "--token",
        "s.secret-token",
        "--ops",
        "10",
        "--concurrency",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let w = &report["workloads"][0];
    assert_eq!(w["name"], "write");
    assert_eq!(w["requests"], 10);
    assert_eq!(w["errors"], 10);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stdout.contains("s.secret-token") && !stderr.contains("s.secret-token"));
}

#[test]
fn failed_population_exits_2() {
    let addr = closed_address();
    let out = bench(&[
        "--address",
        &addr,
        "--token",
        "t",
        "--workload",
        "read",
        "--keys",
        "3",
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("pre-populating keys failed"));
}

#[test]
fn missing_token_is_a_usage_error() {
    let out = bench(&[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--token"));
}

#[test]
fn etcd_target_needs_no_token_and_names_itself() {
    let addr = closed_address();
    let out = bench(&[
        "--target",
        "etcd",
        "--address",
        &addr,
        "--ops",
        "4",
        "--concurrency",
        "2",
        "--format",
        "json",
    ]);
    // Every request fails (nothing listens), so exit 1 with a full report.
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["target"]["kind"], "etcd-v3");
    assert_eq!(report["target"]["mount"], "");
    assert_eq!(report["workloads"][0]["errors"], 4);
}
