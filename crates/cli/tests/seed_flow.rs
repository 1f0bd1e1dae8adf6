//! The walk-through's CLI commands, run unchanged (also through a link named `vault`)
//! against a real dev server.

mod support;

use std::{
    io::Write,
    process::{Command, Output, Stdio},
};

use support::{ARCA, start_dev};

fn run(
    bin: &std::path::Path,
    port: u16,
    home: &std::path::Path,
    args: &[&str],
    stdin: Option<&str>,
) -> Output {
    let mut child = Command::new(bin)
        .args(args)
        .env("VAULT_ADDR", format!("http://127.0.0.1:{port}"))
        .env("VAULT_TOKEN", "devroot")
        .env("HOME", home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cli");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("cli output")
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr)
}

#[test]
fn seed_commands_run_unchanged_as_vault() {
    let home = tempfile::tempdir().expect("temp home");
    let (_server, port, mounts) = start_dev(home.path());
    assert!(mounts.is_some(), "dev server did not come up");
    // The image ships the CLI as `vault`: a link with that name behaves the same.
    let vault = home.path().join("vault");
    std::os::unix::fs::symlink(ARCA, &vault).expect("symlink");

    let out = run(&vault, port, home.path(), &["status"], None);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Sealed"), "{}", text(&out));

    let out = run(
        &vault,
        port,
        home.path(),
        &[
            "kv",
            "put",
            "-mount=secret",
            "database/secret",
            "username=myusername",
            "password=mypassword",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = run(
        &vault,
        port,
        home.path(),
        &["kv", "get", "-mount=secret", "database/secret"],
        None,
    );
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("myusername") && t.contains("mypassword"), "{t}");

    let policy = "path \"secret/data/database/*\" {\n  capabilities = [\"read\"]\n}\n";
    let out = run(
        &vault,
        port,
        home.path(),
        &["policy", "write", "db-policy", "-"],
        Some(policy),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Success! Uploaded policy: db-policy"),
        "{}",
        text(&out)
    );
    let out = run(
        &vault,
        port,
        home.path(),
        &["policy", "read", "db-policy"],
        None,
    );
    assert!(
        text(&out).contains("secret/data/database/*"),
        "{}",
        text(&out)
    );
    let out = run(&vault, port, home.path(), &["policy", "list"], None);
    let t = text(&out);
    assert!(
        t.lines().any(|l| l == "db-policy") && t.lines().any(|l| l == "default"),
        "{t}"
    );
    let out = run(
        &vault,
        port,
        home.path(),
        &["policy", "write", "bad", "-"],
        Some("path \"x\" { capabilities = [\"fly\"] }"),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = run(
        &vault,
        port,
        home.path(),
        &["policy", "delete", "db-policy"],
        None,
    );
    assert!(out.status.success(), "{}", text(&out));

    let out = run(
        &vault,
        port,
        home.path(),
        &["secrets", "tune", "-default-lease-ttl=1m", "secret/"],
        None,
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = run(
        &vault,
        port,
        home.path(),
        &["read", "-field=default_lease_ttl", "sys/mounts/secret/tune"],
        None,
    );
    assert_eq!(text(&out).trim(), "60", "{}", text(&out));
}
