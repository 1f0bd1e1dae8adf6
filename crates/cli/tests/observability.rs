//! Telemetry and logs of a real `arca server` process: `sys/metrics` in both formats with
//! Vault's names, on a sealed and an unsealed node, with and without
//! `unauthenticated_metrics_access`; and trace-level JSON logs that carry the request id
//! on request lines and never contain a token, an unseal key or a secret value.

use std::{
    io::{Read, Write},
    net::TcpStream,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::{Value, json};

mod support;

use support::{ARCA, free_port};

/// Upper bound of every wait: a bound, not an assertion about speed.
const WAIT: Duration = Duration::from_secs(60);

struct Reply {
    status: u16,
    headers: String,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// Minimal blocking HTTP/1.1 client (one request per connection).
fn call(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Option<Reply> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    write!(s, "{head}\r\n{body}").ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    let (head, body) = buf.split_once("\r\n\r\n")?;
    Some(Reply {
        status: head.split_whitespace().nth(1)?.parse().ok()?,
        headers: head.to_ascii_lowercase(),
        body: body.to_string(),
    })
}

struct Server {
    child: Child,
    log: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

/// Starts a server from `config` (its `{dir}` replaced by a data directory).
fn start(dir: &Path, config: &str) -> Server {
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let path = dir.join("config.hcl");
    std::fs::write(
        &path,
        config.replace("{dir}", &dir.join("data").display().to_string()),
    )
    .unwrap();
    let log = dir.join("server.log");
    let child = Command::new(ARCA)
        .arg("server")
        .arg(format!("-config={}", path.display()))
        .env_remove("VAULT_LOG_LEVEL")
        .env_remove("VAULT_LOG_FORMAT")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("spawn arca server");
    Server { child, log }
}

/// Polls until `f` returns `Some`; panics after [`WAIT`].
fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if let Some(v) = f() {
            return v;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for {what}");
}

/// Initialises (one key share) and unseals the node: (unseal key, root token).
fn init_unseal(port: u16) -> (String, String) {
    wait_for("the API", || call(port, "GET", "/v1/sys/health", &[], None));
    let init = call(
        port,
        "PUT",
        "/v1/sys/init",
        &[],
        Some(&json!({"secret_shares": 1, "secret_threshold": 1})),
    )
    .expect("init");
    assert_eq!(init.status, 200, "{}", init.body);
    let init = init.json();
    let key = init["keys_base64"][0].as_str().unwrap().to_string();
    let root = init["root_token"].as_str().unwrap().to_string();
    let r = call(
        port,
        "PUT",
        "/v1/sys/unseal",
        &[],
        Some(&json!({ "key": key })),
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    wait_for("the node to become active", || {
        call(port, "GET", "/v1/sys/health", &[], None).filter(|r| r.status == 200)
    });
    (key, root)
}

/// The value of the sample line `name` (exact series, labels included) in `text`.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn sys_metrics_speaks_vaults_names_and_formats() {
    let dir = tempfile::tempdir().unwrap();
    let (open, authed, cluster) = (free_port(), free_port(), free_port());
    let config = format!(
        r#"disable_mlock = true
api_addr = "http://127.0.0.1:{open}"
cluster_addr = "http://127.0.0.1:{cluster}"
storage "raft" {{
  path = "{{dir}}"
  node_id = "metrics-node"
}}
listener "tcp" {{
  address = "127.0.0.1:{open}"
  cluster_address = "127.0.0.1:{cluster}"
  tls_disable = true
  telemetry {{
    unauthenticated_metrics_access = true
  }}
}}
listener "tcp" {{
  address = "127.0.0.1:{authed}"
  cluster_address = "127.0.0.1:{cluster}"
  tls_disable = true
}}
telemetry {{
  disable_hostname = true
  usage_gauge_period = "1s"
}}
"#
    );
    let _server = start(dir.path(), &config);
    let prom = |port: u16, token: Option<&str>| {
        let h: Vec<(&str, &str)> = token.map(|t| ("X-Vault-Token", t)).into_iter().collect();
        call(port, "GET", "/v1/sys/metrics?format=prometheus", &h, None)
    };

    // A sealed (even uninitialised) node answers for itself without a token...
    let text = wait_for("vault_core_unsealed 0 on the sealed node", || {
        prom(open, None)
            .filter(|r| r.status == 200)
            .filter(|r| sample(&r.body, "vault_core_unsealed") == Some(0.0))
    });
    assert_eq!(sample(&text.body, "vault_core_active"), Some(0.0));
    assert!(
        text.headers
            .contains("content-type: text/plain; version=0.0.4; charset=utf-8"),
        "{}",
        text.headers
    );
    // ...but a listener that requires a token cannot check one while sealed.
    assert_eq!(prom(authed, None).unwrap().status, 503);

    let (_key, root) = init_unseal(open);
    let r = call(
        open,
        "POST",
        "/v1/sys/mounts/secret",
        &[("X-Vault-Token", &root)],
        Some(&json!({"type": "kv", "options": {"version": "2"}})),
    )
    .unwrap();
    assert_eq!(r.status, 204, "{}", r.body);
    for i in 0..3 {
        let r = call(
            open,
            "POST",
            &format!("/v1/secret/data/k{i}"),
            &[("X-Vault-Token", &root)],
            Some(&json!({"data": {"v": i}})),
        )
        .unwrap();
        assert_eq!(r.status, 200, "{}", r.body);
    }

    let created = call(
        open,
        "POST",
        "/v1/auth/token/create",
        &[("X-Vault-Token", &root)],
        Some(&json!({"ttl": "1h"})),
    )
    .unwrap();
    assert_eq!(created.status, 200, "{}", created.body);

    let text = wait_for("the unsealed, active gauges", || {
        prom(open, None)
            .map(|r| r.body)
            .filter(|b| sample(b, "vault_core_unsealed") == Some(1.0))
            .filter(|b| sample(b, "vault_core_active") == Some(1.0))
            // The token created above is the one lease the expiration manager holds
            // (the gauge is refreshed every second).
            .filter(|b| sample(b, "vault_expire_num_leases") == Some(1.0))
            // Usage gauges every second here: the root token and the one created above.
            .filter(|b| {
                b.lines()
                    .any(|l| l == "vault_token_count{namespace=\"root\"} 2")
            })
    });
    let at_least = |name: &str, min: f64| {
        let v = sample(&text, name).unwrap_or_else(|| panic!("{name} missing:\n{text}"));
        assert!(v >= min, "{name} = {v}, expected >= {min}");
    };
    at_least("vault_core_handle_request_count", 4.0);
    at_least("vault_core_check_token_count", 4.0);
    at_least("vault_barrier_put_count", 3.0);
    at_least("vault_barrier_get_count", 3.0);
    at_least("vault_raft_apply", 4.0);
    at_least("vault_raft_commitTime_count", 4.0);
    at_least("vault_raft_fsm_apply_count", 4.0);
    at_least("vault_raft_state_leader", 1.0);
    at_least("vault_raft_storage_stats_applied_index", 4.0);
    at_least("vault_raft_storage_stats_commit_index", 4.0);
    at_least("process_resident_memory_bytes", 1_000_000.0);
    at_least("process_open_fds", 3.0);
    assert_eq!(sample(&text, "vault_raft_peers"), Some(1.0));
    assert_eq!(sample(&text, "vault_core_in_flight_requests"), Some(0.0));
    assert_eq!(sample(&text, "vault_audit_log_request_failure"), Some(0.0));
    assert!(
        text.contains("# TYPE vault_core_handle_request summary"),
        "{text}"
    );
    assert!(
        text.contains("vault_core_handle_request{quantile=\"0.99\"}"),
        "{text}"
    );
    assert!(text.contains("# TYPE vault_raft_apply counter"), "{text}");
    let creation = text
        .lines()
        .find(|l| l.starts_with("vault_token_creation{"))
        .unwrap_or_else(|| panic!("no vault_token_creation:\n{text}"));
    for label in [
        "auth_method=\"token\"",
        "mount_point=\"auth/token/\"",
        "creation_ttl=\"1h\"",
        "token_type=\"service\"",
    ] {
        assert!(creation.contains(label), "{creation}");
    }
    assert!(creation.ends_with(" 1"), "{creation}");

    // The token-checking listener: no token 403, the root token 200 with the JSON form.
    assert_eq!(prom(authed, None).unwrap().status, 403);
    assert_eq!(prom(authed, Some(&root)).unwrap().status, 200);
    let r = call(
        authed,
        "GET",
        "/v1/sys/metrics",
        &[("X-Vault-Token", &root)],
        None,
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.headers.contains("content-type: application/json"));
    let j = r.json();
    for key in ["Timestamp", "Gauges", "Points", "Counters", "Samples"] {
        assert!(j.get(key).is_some(), "{key} missing: {j}");
    }
    let unsealed = j["Gauges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["Name"] == "vault.core.unsealed")
        .unwrap_or_else(|| panic!("no vault.core.unsealed gauge: {j}"));
    assert_eq!(unsealed["Value"], 1.0);

    // Prometheus asks with an Accept header; an unknown format is Vault's 400.
    let r = call(
        open,
        "GET",
        "/v1/sys/metrics",
        &[("Accept", "application/openmetrics-text; version=1.0.0")],
        None,
    )
    .unwrap();
    assert!(
        r.body.contains("# TYPE vault_core_unsealed gauge"),
        "{}",
        r.body
    );
    let r = call(open, "GET", "/v1/sys/metrics?format=xml", &[], None).unwrap();
    assert_eq!(r.status, 400);
    assert_eq!(r.body, "metric response format \"xml\" unknown");
}

#[test]
fn trace_json_logs_carry_request_ids_and_no_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let (port, cluster) = (free_port(), free_port());
    let config = format!(
        r#"disable_mlock = true
log_level = "trace"
log_format = "json"
api_addr = "http://127.0.0.1:{port}"
cluster_addr = "http://127.0.0.1:{cluster}"
storage "raft" {{
  path = "{{dir}}"
  node_id = "log-node"
}}
listener "tcp" {{
  address = "127.0.0.1:{port}"
  cluster_address = "127.0.0.1:{cluster}"
  tls_disable = true
}}
"#
    );
    let server = start(dir.path(), &config);
    let (key, root) = init_unseal(port);
    let auth = [("X-Vault-Token", root.as_str())];
    let r = call(
        port,
        "POST",
        "/v1/sys/mounts/secret",
        &auth,
        Some(&json!({"type": "kv", "options": {"version": "2"}})),
    )
    .unwrap();
    assert_eq!(r.status, 204, "{}", r.body);

    let canary = "canary-7f3a9c1e-do-not-log";
    let write = call(
        port,
        "POST",
        "/v1/secret/data/app",
        &auth,
        Some(&json!({"data": {"password": canary}})),
    )
    .unwrap();
    assert_eq!(write.status, 200, "{}", write.body);
    let write_id = write.json()["request_id"].as_str().unwrap().to_string();

    // A second token, created by and used instead of the root token.
    let created = call(
        port,
        "POST",
        "/v1/auth/token/create",
        &auth,
        Some(&json!({"policies": ["default"], "ttl": "1h"})),
    )
    .unwrap();
    assert_eq!(created.status, 200, "{}", created.body);
    let child = created.json()["auth"]["client_token"]
        .as_str()
        .unwrap()
        .to_string();
    let denied = call(
        port,
        "GET",
        "/v1/secret/data/app",
        &[("X-Vault-Token", &child)],
        None,
    )
    .unwrap();
    assert_eq!(denied.status, 403);
    let read = call(port, "GET", "/v1/secret/data/app", &auth, None).unwrap();
    assert_eq!(read.json()["data"]["data"]["password"], canary);

    // Logs are written as they happen; give the last lines a moment to reach the file.
    let log = wait_for("the request lines in the log", || {
        let log = std::fs::read_to_string(&server.log).ok()?;
        log.contains(&write_id).then_some(log)
    });
    for (what, secret) in [
        ("secret value", canary),
        ("root token", root.as_str()),
        ("child token", child.as_str()),
        ("unseal key", key.as_str()),
    ] {
        assert!(!log.contains(secret), "the log contains the {what}");
    }
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    // Every line logged inside a request's span names the request.
    let request_lines: Vec<&Value> = lines
        .iter()
        .filter(|l| l["span"]["name"] == "request")
        .collect();
    assert!(request_lines.len() >= 4, "{log}");
    for l in &request_lines {
        assert!(
            l["span"]["id"].as_str().is_some_and(|id| id.len() == 36),
            "{l}"
        );
    }
    // The kv write's own line carries the request_id the client saw.
    assert!(
        request_lines
            .iter()
            .any(|l| l["span"]["id"] == write_id.as_str()
                && l["fields"]["message"] == "request handled"
                && l["fields"]["status"] == 200),
        "{log}"
    );
    // The denied read logs why, under its request id.
    assert!(
        request_lines
            .iter()
            .any(|l| l["fields"]["message"] == "request failed"),
        "{log}"
    );
}
