//! `arca-bench run -config=..` against a real single Arca node (the `arca` binary that
//! `cargo test --workspace` builds next to `arca-bench`): every test type sets itself up,
//! runs mixed by weight without an error, and `cleanup` removes its mounts again.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The `arca` server binary beside `arca-bench` in the target directory.
fn arca_bin() -> PathBuf {
    let bench = PathBuf::from(env!("CARGO_BIN_EXE_arca-bench"));
    let arca = bench.with_file_name("arca");
    assert!(
        arca.exists(),
        "{} is missing: run this through `cargo test --workspace`, which builds it",
        arca.display()
    );
    arca
}

/// A running server and its scratch directory, both gone on drop.
struct Server(Child, PathBuf);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Option<(u16, Value)> {
    let mut req = http.request(method, url);
    if let Some(t) = token {
        req = req.header("X-Vault-Token", t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.ok()?;
    let status = resp.status().as_u16();
    let text = resp.text().await.ok()?;
    Some((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_test_type_runs_against_a_real_node() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = std::env::temp_dir().join(format!("arca-bench-suite-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let (port, cluster) = (free_port(), free_port());
    let addr = format!("http://127.0.0.1:{port}");
    let config = format!(
        r#"disable_mlock = true
api_addr = "{addr}"
cluster_addr = "http://127.0.0.1:{cluster}"
storage "raft" {{
  path = "{}"
  node_id = "bench-suite"
}}
listener "tcp" {{
  address = "127.0.0.1:{port}"
  cluster_address = "127.0.0.1:{cluster}"
  tls_disable = true
}}
"#,
        dir.join("data").display()
    );
    std::fs::write(dir.join("server.hcl"), config).unwrap();
    let log = std::fs::File::create(dir.join("server.log")).unwrap();
    let child = Command::new(arca_bin())
        .arg("server")
        .arg(format!("-config={}", dir.join("server.hcl").display()))
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let _server = Server(child, dir.clone());
    let http = reqwest::Client::new();
    let get = reqwest::Method::GET;
    let put = reqwest::Method::PUT;

    let deadline = Instant::now() + Duration::from_secs(60);
    while call(
        &http,
        get.clone(),
        &format!("{addr}/v1/sys/health"),
        None,
        None,
    )
    .await
    .is_none()
    {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, init) = call(
        &http,
        put.clone(),
        &format!("{addr}/v1/sys/init"),
        None,
        Some(json!({"secret_shares": 1, "secret_threshold": 1})),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{init}");
    let root = init["root_token"].as_str().unwrap().to_string();
    let key = init["keys_base64"][0].as_str().unwrap();
    call(
        &http,
        put,
        &format!("{addr}/v1/sys/unseal"),
        None,
        Some(json!({ "key": key })),
    )
    .await
    .unwrap();
    loop {
        let health = call(
            &http,
            get.clone(),
            &format!("{addr}/v1/sys/health"),
            None,
            None,
        )
        .await;
        if matches!(health, Some((200, _))) {
            break;
        }
        assert!(Instant::now() < deadline, "the node did not become active");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let bench_config = r#"
duration    = "1500ms"
workers     = 4
report_mode = "json"
cleanup     = true
test "kvv2_write" "kv2w" {
  weight = 20
  config {
    numkvs = 20
    kvsize = 64
  }
}
test "kvv2_read" "kv2r" {
  weight = 20
  config {
    numkvs = 20
  }
}
test "kvv1_write" "kv1w" {
  weight = 10
}
test "kvv1_read" "kv1r" {
  weight = 10
  config {
    numkvs = 10
  }
}
test "transit_encrypt" "enc" {
  weight = 15
}
test "transit_decrypt" "dec" {
  weight = 15
  config {
    keys {
      derived = true
    }
  }
}
test "approle_auth" "approle" {
  weight = 5
  config {
    role {
      token_ttl = "5m"
    }
  }
}
test "userpass_auth" "userpass" {
  weight = 5
  config {
    token_ttl = "5m"
  }
}
"#;
    let cfg_path = dir.join("bench.hcl");
    std::fs::write(&cfg_path, bench_config).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_arca-bench"))
        .arg("run")
        .arg(format!("-config={}", cfg_path.display()))
        .arg(format!("-vault_addr={addr}"))
        .env("VAULT_TOKEN", &root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(!stdout.contains(&root) && !stderr.contains(&root));
    let report: Value = serde_json::from_str(&stdout).unwrap();
    for name in [
        "kv2w", "kv2r", "kv1w", "kv1r", "enc", "dec", "approle", "userpass",
    ] {
        let t = &report["tests"][name];
        assert!(t["requests"].as_u64().unwrap() > 0, "{name}: {t}");
        assert_eq!(t["errors"], 0, "{name}: {t}");
        assert!(t["p99_ms"].as_f64().is_some(), "{name}: {t}");
    }
    assert_eq!(report["tests"]["dec"]["type"], "transit_decrypt");
    // The weights mix the tests: kv-v2 writes (20) far outnumber logins (5).
    let count = |n: &str| report["tests"][n]["requests"].as_u64().unwrap();
    assert!(count("kv2w") > count("approle"), "{report}");

    // cleanup = true: the tests' mounts and auth methods are gone.
    let (_, mounts) = call(
        &http,
        get.clone(),
        &format!("{addr}/v1/sys/mounts"),
        Some(&root),
        None,
    )
    .await
    .unwrap();
    let (_, auths) = call(
        &http,
        get,
        &format!("{addr}/v1/sys/auth"),
        Some(&root),
        None,
    )
    .await
    .unwrap();
    let text = format!("{mounts}{auths}");
    for prefix in ["kv2w-", "kv1r-", "enc-", "approle-", "userpass-"] {
        assert!(!text.contains(prefix), "{prefix} still mounted: {text}");
    }

    // A bad config is refused before anything is mounted, naming line and field.
    std::fs::write(&cfg_path, "workers = 2\ntest \"kvv2_write\" \"w\" {\n  weight = 1\n  config {\n    kv_size = 3\n  }\n}\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_arca-bench"))
        .arg(format!("-config={}", cfg_path.display()))
        .arg(format!("-vault_addr={addr}"))
        .env("VAULT_TOKEN", &root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "bench.hcl: line 5: test \"kvv2_write\" \"w\" config: unknown field \"kv_size\""
        ),
        "{stderr}"
    );
}
