//! `vault audit enable|list|disable` against a real dev server, the file it writes, and
//! reopening that file on SIGHUP (log rotation).

mod support;

use std::{
    process::{Command, Output},
    time::{Duration, Instant},
};

use support::{start_dev, text};

/// Runs the CLI as the dev root token.
fn run(port: u16, home: &std::path::Path, args: &[&str]) -> Output {
    support::run(port, home, "devroot", args)
}

/// Runs a command as the dev root token that must succeed; returns its stdout.
fn ok(port: u16, home: &std::path::Path, args: &[&str]) -> String {
    support::ok(port, home, "devroot", args)
}

fn wait_for_file(path: &std::path::Path) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if path.exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn audit_commands_file_contents_and_sighup_reopen() {
    let home = tempfile::tempdir().expect("temp home");
    let (server, port, mounts) = start_dev(home.path());
    assert!(mounts.is_some(), "dev server did not come up");
    let h = home.path();
    let log = h.join("logs/audit.log");
    let log_arg = format!("file_path={}", log.display());

    let out = run(port, h, &["audit", "list"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("No audit devices are enabled."));

    let out = ok(port, h, &["audit", "enable", "file", &log_arg]);
    assert_eq!(
        out.trim(),
        "Success! Enabled the file audit device at: file/"
    );
    let out = run(port, h, &["audit", "enable", "file", &log_arg]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("Error enabling audit device"),
        "{}",
        text(&out)
    );
    let out = run(port, h, &["audit", "enable"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("audit type missing"), "{}", text(&out));
    let out = run(port, h, &["audit", "enable", "-path=bad", "syslog"]);
    assert!(
        text(&out).contains("unknown backend type: syslog"),
        "{}",
        text(&out)
    );

    let out = ok(port, h, &["audit", "list"]);
    assert!(out.starts_with("Path     Type    Description\n"), "{out}");
    assert!(out.contains("file/    file    n/a"), "{out}");
    let out = ok(port, h, &["audit", "list", "-detailed"]);
    assert!(out.contains("Replication    Options"), "{out}");
    assert!(out.contains(&format!("replicated     {log_arg}")), "{out}");

    ok(
        port,
        h,
        &[
            "kv",
            "put",
            "-mount=secret",
            "app",
            "password=cli-canary-value",
        ],
    );
    let content = std::fs::read_to_string(&log).expect("audit log");
    assert!(
        content.contains("\"path\":\"secret/data/app\""),
        "{content}"
    );
    assert!(content.contains("hmac-sha256:"), "{content}");
    assert!(!content.contains("cli-canary-value"), "{content}");
    assert!(!content.contains("devroot"), "the token must be hashed");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&log).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // Rotation: rename, SIGHUP, and the next request goes to a new file.
    let rotated = h.join("logs/audit.log.1");
    std::fs::rename(&log, &rotated).unwrap();
    let hup = Command::new("kill")
        .args(["-HUP", &server.0.id().to_string()])
        .status()
        .expect("kill -HUP");
    assert!(hup.success());
    assert!(wait_for_file(&log), "SIGHUP did not reopen the audit file");
    ok(port, h, &["kv", "get", "-mount=secret", "app"]);
    let fresh = std::fs::read_to_string(&log).unwrap();
    assert!(fresh.contains("\"path\":\"secret/data/app\""), "{fresh}");
    assert!(!fresh.contains("cli-canary-value"), "{fresh}");

    let out = ok(port, h, &["audit", "disable", "file"]);
    assert_eq!(
        out.trim(),
        "Success! Disabled audit device (if it was enabled) at: file/"
    );
    let out = run(port, h, &["audit", "list"]);
    assert_eq!(out.status.code(), Some(2));
    let before = std::fs::read_to_string(&log).unwrap().len();
    ok(port, h, &["kv", "get", "-mount=secret", "app"]);
    assert_eq!(std::fs::read_to_string(&log).unwrap().len(), before);
}
