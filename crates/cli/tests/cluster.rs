//! Three real `arca server` processes on 127.0.0.1 form a raft cluster the way Vault users
//! build one: node1 is initialised and unsealed, node2 joins through `retry_join`, node3
//! through `vault operator raft join`; both are unsealed with node1's keys. Then the
//! leader is killed with SIGKILL, the others elect a new one, the dead node is removed
//! with `remove-peer`, writes go on, and the removed node refuses to come back with its
//! old data.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

use serde_json::{Value, json};

const ARCA: &str = env!("CARGO_BIN_EXE_arca");
/// Upper bound of every wait: a bound, not an assertion about speed.
const WAIT: Duration = Duration::from_secs(60);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

struct Node {
    name: String,
    api: u16,
    cluster: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl Node {
    fn new(root: &Path, name: &str, retry_join: Option<&Node>) -> Node {
        let dir = root.join(name);
        std::fs::create_dir_all(dir.join("data")).unwrap();
        let node = Node {
            name: name.into(),
            api: free_port(),
            cluster: free_port(),
            dir,
            child: None,
        };
        let join = retry_join
            .map(|l| {
                format!(
                    "retry_join {{\n    leader_api_addr = \"{}\"\n  }}",
                    l.addr()
                )
            })
            .unwrap_or_default();
        let config = format!(
            r#"disable_mlock = true
api_addr = "{api}"
cluster_addr = "http://127.0.0.1:{cluster}"
storage "raft" {{
  path = "{data}"
  node_id = "{name}"
  {join}
}}
listener "tcp" {{
  address = "127.0.0.1:{port}"
  cluster_address = "127.0.0.1:{cluster}"
  tls_disable = true
}}
"#,
            api = node.addr(),
            cluster = node.cluster,
            data = node.dir.join("data").display(),
            port = node.api,
        );
        std::fs::write(node.dir.join("config.hcl"), config).unwrap();
        node
    }

    fn addr(&self) -> String {
        format!("http://127.0.0.1:{}", self.api)
    }

    fn start(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("server.log"))
            .unwrap();
        let child = Command::new(ARCA)
            .arg("server")
            .arg(format!("-config={}", self.dir.join("config.hcl").display()))
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn arca server");
        self.child = Some(child);
    }

    /// SIGKILL, as a crash.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }
}

/// Kills every node at the end; on failure prints the tail of their logs.
struct Cluster(Vec<Node>);

impl Drop for Cluster {
    fn drop(&mut self) {
        for n in &mut self.0 {
            n.kill();
            if std::thread::panicking() {
                let log = n.log();
                let tail: Vec<&str> = log.lines().rev().take(40).collect();
                eprintln!("---- {} (last lines) ----", n.name);
                for line in tail.iter().rev() {
                    eprintln!("{line}");
                }
            }
        }
    }
}

struct Http {
    client: reqwest::Client,
}

impl Http {
    fn new() -> Http {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Http {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    /// (status, JSON body or null); `None` when nothing answers.
    async fn call(
        &self,
        method: reqwest::Method,
        node: &Node,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Option<(u16, Value)> {
        let mut rb = self
            .client
            .request(method, format!("{}/v1/{path}", node.addr()));
        if let Some(t) = token {
            rb = rb.header("X-Vault-Token", t);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let resp = rb.send().await.ok()?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.ok()?;
        Some((
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }

    async fn get(&self, node: &Node, path: &str, token: Option<&str>) -> Option<(u16, Value)> {
        self.call(reqwest::Method::GET, node, path, token, None)
            .await
    }

    async fn put(&self, node: &Node, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::PUT, node, path, token, Some(body))
            .await
            .unwrap_or_else(|| panic!("{} did not answer PUT {path}", node.name))
    }

    /// Polls `path` on `node` until `done` holds for (status, body); panics after WAIT.
    async fn wait_for(
        &self,
        node: &Node,
        path: &str,
        what: &str,
        done: impl Fn(u16, &Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + WAIT;
        let mut last = None;
        while Instant::now() < deadline {
            if let Some((code, body)) = self.get(node, path, None).await {
                if done(code, &body) {
                    return body;
                }
                last = Some((code, body));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{}: {what} not reached; last answer {last:?}", node.name);
    }
}

/// Runs the CLI against `node` with `token`.
fn cli(node: &Node, token: &str, args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    Command::new(ARCA)
        .args(args)
        .env("VAULT_ADDR", node.addr())
        .env("VAULT_TOKEN", token)
        .env("HOME", home.path())
        .output()
        .expect("run arca CLI")
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "CLI failed: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `list-peers` as (node, state, voter) rows.
fn peers(node: &Node, token: &str) -> Vec<(String, String, String)> {
    stdout(&cli(node, token, &["operator", "raft", "list-peers"]))
        .lines()
        .skip(2)
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            (cells[0].into(), cells[2].into(), cells[3].into())
        })
        .collect()
}

async fn unseal(http: &Http, node: &Node, keys: &[String]) {
    for k in keys {
        let (code, body) = http
            .put(node, "sys/unseal", None, json!({ "key": k }))
            .await;
        assert_eq!(code, 200, "{}: unseal: {body}", node.name);
    }
    http.wait_for(node, "sys/seal-status", "unsealed", |_, b| {
        b["sealed"] == false
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_join_fail_over_and_remove_a_peer() {
    let root = tempfile::tempdir().unwrap();
    let node1 = Node::new(root.path(), "node1", None);
    let node2 = Node::new(root.path(), "node2", Some(&node1));
    let node3 = Node::new(root.path(), "node3", None);
    let mut c = Cluster(vec![node1, node2, node3]);
    for n in &mut c.0 {
        n.start();
    }
    let http = Http::new();
    for n in &c.0 {
        // Fresh nodes without a cluster look uninitialised.
        http.wait_for(n, "sys/health", "an uninitialised node", |code, _| {
            code == 501
        })
        .await;
    }

    // node1: `operator init` bootstraps its one-node raft cluster.
    let (code, init) = http
        .put(
            &c.0[0],
            "sys/init",
            None,
            json!({"secret_shares": 5, "secret_threshold": 3}),
        )
        .await;
    assert_eq!(code, 200, "{init}");
    let keys: Vec<String> = init["keys_base64"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    let token = init["root_token"].as_str().unwrap().to_string();
    unseal(&http, &c.0[0], &keys[..3]).await;

    // node3 joins with the CLI; node2 joins by itself (retry_join).
    let joined = stdout(&cli(
        &c.0[2],
        &token,
        &["operator", "raft", "join", &c.0[0].addr()],
    ));
    assert!(
        joined.contains("Joined") && joined.contains("true"),
        "{joined}"
    );
    for n in &c.0[1..] {
        let s = http
            .wait_for(
                n,
                "sys/seal-status",
                "the cluster's seal configuration",
                |_, b| b["initialized"] == true,
            )
            .await;
        assert_eq!(
            (s["sealed"].clone(), s["t"].clone(), s["n"].clone()),
            (json!(true), json!(3), json!(5))
        );
        assert_eq!(http.get(n, "sys/health", None).await.unwrap().0, 503);
    }
    unseal(&http, &c.0[1], &keys[1..4]).await;
    unseal(&http, &c.0[2], &keys[2..5]).await;

    // Writes on the leader; the cluster lists three voters with node1 leading.
    let (code, body) = http
        .put(
            &c.0[0],
            "sys/mounts/secret",
            Some(&token),
            json!({"type": "kv", "options": {"version": "2"}}),
        )
        .await;
    assert_eq!(code, 204, "{body}");
    let (code, body) = http
        .put(
            &c.0[0],
            "secret/data/app",
            Some(&token),
            json!({"data": {"v": "one"}}),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let rows = peers(&c.0[0], &token);
    assert_eq!(
        rows,
        vec![
            ("node1".into(), "leader".into(), "true".into()),
            ("node2".into(), "follower".into(), "true".into()),
            ("node3".into(), "follower".into(), "true".into()),
        ]
    );
    for n in &c.0[1..] {
        assert_eq!(
            http.get(n, "sys/health", None).await.unwrap().0,
            429,
            "{} is a standby",
            n.name
        );
    }

    // The leader dies; node2 and node3 elect one of themselves.
    c.0[0].kill();
    let survivors = [c.0[1].addr(), c.0[2].addr()];
    let mut agreed = None;
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline && agreed.is_none() {
        let mut seen = Vec::new();
        for n in &c.0[1..] {
            if let Some((200, b)) = http.get(n, "sys/leader", None).await {
                seen.push(b["leader_address"].as_str().unwrap_or("").to_string());
            }
        }
        if seen.len() == 2 && seen[0] == seen[1] && survivors.contains(&seen[0]) {
            agreed = Some(seen[0].clone());
        } else {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let leader_addr = agreed.expect("node2 and node3 agree on a new leader");
    let li = if leader_addr == c.0[1].addr() { 1 } else { 2 };

    // The dead node is removed; the cluster goes on with two voters.
    let out = stdout(&cli(
        &c.0[li],
        &token,
        &["operator", "raft", "remove-peer", "node1"],
    ));
    assert_eq!(out.trim(), "Peer removed successfully!");
    let rows = peers(&c.0[li], &token);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows.iter()
            .all(|(n, _, voter)| n != "node1" && voter == "true")
    );
    assert_eq!(rows.iter().filter(|(_, s, _)| s == "leader").count(), 1);
    let (code, body) = http
        .put(
            &c.0[li],
            "secret/data/app",
            Some(&token),
            json!({"data": {"v": "two"}}),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let other = 3 - li;
    let (code, body) = http
        .get(&c.0[other], "secret/data/app", Some(&token))
        .await
        .unwrap();
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["data"]["data"]["v"], "two");
    assert_eq!(body["data"]["metadata"]["version"], 2);

    // node1 comes back with its old data: its peers tell it it was removed; it seals,
    // reports it (530), marks its data directory and refuses to start from it again.
    c.0[0].start();
    let h = http
        .wait_for(&c.0[0], "sys/health", "removed_from_cluster", |code, _| {
            code == 530
        })
        .await;
    assert_eq!(h["removed_from_cluster"], true);
    assert_eq!(h["sealed"], true);
    c.0[0].kill();
    assert!(c.0[0].dir.join("data").join("removed").exists());
    let out = Command::new(ARCA)
        .arg("server")
        .arg(format!(
            "-config={}",
            c.0[0].dir.join("config.hcl").display()
        ))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("removed from its raft cluster"), "{err}");
    // The two remaining nodes were not disturbed.
    assert_eq!(peers(&c.0[li], &token).len(), 2);
}
