//! `arca server` as a real process: dev mode comes up like `vault server -dev`, and bad
//! configuration is refused with the file, line and key named.

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

const ARCA: &str = env!("CARGO_BIN_EXE_arca");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Minimal HTTP/1.1 GET (keeps the test free of client crates): (status, body).
fn http_get(port: u16, path: &str, token: Option<&str>) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let auth = token
        .map(|t| format!("X-Vault-Token: {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Connection: close\r\n\r\n"
    )
    .ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    let status = buf.split_whitespace().nth(1)?.parse().ok()?;
    let body = buf.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    Some((status, body))
}

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `arca server -dev` on a free port. A port picked this way can be taken again
/// before the server binds it (or its cluster port, one above), so a server that exits
/// at once is retried on another port.
fn start_dev(home: &std::path::Path) -> (Server, u16, Option<String>) {
    let mut last_err = String::new();
    for _ in 0..5 {
        let port = free_port();
        let log = home.join(format!("server-{port}.log"));
        let child = Command::new(ARCA)
            .args(["server", "-dev", "-dev-root-token-id=devroot"])
            .arg(format!("-dev-listen-address=127.0.0.1:{port}"))
            .env("HOME", home)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("spawn arca");
        let mut server = Server(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = server.0.try_wait() {
                last_err = std::fs::read_to_string(&log).unwrap_or_default();
                break;
            }
            if let Some((200, body)) = http_get(port, "/v1/sys/mounts", Some("devroot")) {
                return (server, port, Some(body));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        if server.0.try_wait().ok().flatten().is_none() {
            // Still running but never answered: report that instead of retrying.
            return (server, port, None);
        }
    }
    panic!("arca server -dev did not start: {last_err}");
}

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
    let err = server_error("seal \"transit\" {\n  address = \"http://x\"\n}\n");
    assert!(err.contains("not supported yet"), "{err}");
    assert!(err.contains("bad.hcl:1"), "{err}");
}

#[test]
fn malformed_file_names_the_line() {
    let err = server_error("listener \"tcp\" {\n  address = \n}\n");
    assert!(err.contains("bad.hcl:"), "{err}");
}
