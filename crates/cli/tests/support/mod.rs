//! Shared helpers of the process-level tests: free ports, a minimal HTTP client, and a
//! dev server that is killed when dropped.
#![allow(dead_code)]

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

pub const ARCA: &str = env!("CARGO_BIN_EXE_arca");

/// A port nothing listens on, taken below the kernel's ephemeral range (32768-60999): a
/// port from `bind(0)` is ephemeral, so by the time the server binds it an outgoing
/// connection of any process on the machine may hold it, and the server fails to start.
/// Each test process walks its own stretch of 20000-32767 (seeded by its pid) so parallel
/// test binaries rarely try the same port.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    const LOW: u32 = 20_000;
    const SPAN: u32 = 12_700;
    let seed = std::process::id().wrapping_mul(97);
    for _ in 0..SPAN {
        let step = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = (LOW + (seed.wrapping_add(step)) % SPAN) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port in 20000-32699")
}

/// Minimal HTTP/1.1 GET (keeps the test free of client crates): (status, body).
pub fn http_get(port: u16, path: &str, token: Option<&str>) -> Option<(u16, String)> {
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

pub struct Server(pub Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `arca server -dev` on a free port. A port picked this way can be taken again
/// before the server binds it (or its cluster port, one above), so a server that exits
/// at once is retried on another port.
pub fn start_dev(home: &std::path::Path) -> (Server, u16, Option<String>) {
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

/// Runs the CLI against the server on `port` as `token`, with `home` as its HOME.
pub fn run(port: u16, home: &std::path::Path, token: &str, args: &[&str]) -> Output {
    Command::new(ARCA)
        .args(args)
        .env("VAULT_ADDR", format!("http://127.0.0.1:{port}"))
        .env("VAULT_TOKEN", token)
        .env("HOME", home)
        .stdin(Stdio::null())
        .output()
        .expect("run cli")
}

/// A command's stdout followed by its stderr, for assertions and failure messages.
pub fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr)
}

/// Runs a command that must succeed and returns its stdout.
pub fn ok(port: u16, home: &std::path::Path, token: &str, args: &[&str]) -> String {
    let out = run(port, home, token, args);
    assert!(out.status.success(), "{args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).to_string()
}
