//! Real `arca server` processes on 127.0.0.1 form raft clusters the way Vault users
//! build one: node1 is initialised and unsealed, the others join through `retry_join` or
//! `vault operator raft join` and are unsealed with node1's keys; autopilot promotes them
//! to voters once stable.
//!
//! 1. Fail-over: the leader is killed with SIGKILL, the others elect a new one, the dead
//!    node is removed with `remove-peer`, writes go on, and the removed node refuses to
//!    come back with its old data.
//! 2. HA operations: `sys/ha-status` and `operator members` list the nodes with recent
//!    heartbeats; `operator step-down` moves the active node; a snapshot saved through a
//!    standby is restored after more writes and the cluster is back to it; a fourth node
//!    joins as a non-voter and autopilot promotes it; with dead-server cleanup on, a
//!    killed node is removed.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

use serde_json::{Value, json};

const ARCA: &str = env!("CARGO_BIN_EXE_arca");
/// Upper bound of every wait: a bound, not an assertion about speed.
const WAIT: Duration = Duration::from_secs(60);
/// Upper bound for dead-server cleanup, whose threshold cannot be below one minute.
const CLEANUP_WAIT: Duration = Duration::from_secs(180);

mod support;
use support::free_port;

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

/// `sys/storage/raft/autopilot/configuration` on `node`.
async fn set_autopilot(http: &Http, node: &Node, token: &str, body: Value) {
    let (code, resp) = http
        .put(
            node,
            "sys/storage/raft/autopilot/configuration",
            Some(token),
            body,
        )
        .await;
    assert_eq!(code, 204, "{}: autopilot configuration: {resp}", node.name);
}

/// The raft configuration's servers as (node id, voter).
async fn members(http: &Http, node: &Node, token: &str) -> Vec<(String, bool)> {
    let Some((200, body)) = http
        .get(node, "sys/storage/raft/configuration", Some(token))
        .await
    else {
        return Vec::new();
    };
    body["data"]["config"]["servers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|s| {
            (
                s["node_id"].as_str().unwrap_or("").to_string(),
                s["voter"] == true,
            )
        })
        .collect()
}

/// Polls the configuration (through `node`) until `done` holds; panics after `limit`.
async fn wait_members(
    http: &Http,
    node: &Node,
    token: &str,
    limit: Duration,
    what: &str,
    done: impl Fn(&[(String, bool)]) -> bool,
) -> Vec<(String, bool)> {
    let deadline = Instant::now() + limit;
    let mut last = Vec::new();
    while Instant::now() < deadline {
        last = members(http, node, token).await;
        if done(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{what} not reached; last configuration {last:?}");
}

/// Waits until the cluster has exactly `n` members, all voters.
async fn wait_voters(http: &Http, node: &Node, token: &str, n: usize) {
    wait_members(http, node, token, WAIT, "all members voting", |m| {
        m.len() == n && m.iter().all(|(_, v)| *v)
    })
    .await;
}

/// The node whose `sys/leader` says it is the active node, once all answering nodes
/// agree on one other than `not`.
async fn active(http: &Http, nodes: &[Node], not: Option<usize>) -> usize {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        let mut seen = Vec::new();
        for (i, n) in nodes.iter().enumerate() {
            if n.child.is_none() {
                continue;
            }
            if let Some((200, b)) = http.get(n, "sys/leader", None).await {
                seen.push((i, b["is_self"] == true, b["leader_address"].clone()));
            }
        }
        let selves: Vec<usize> = seen.iter().filter(|s| s.1).map(|s| s.0).collect();
        if let [me] = selves[..]
            && Some(me) != not
            && seen.iter().all(|s| s.2 == Value::String(nodes[me].addr()))
        {
            return me;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the nodes did not agree on an active node");
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
    // New nodes join as non-voters; promote them as soon as they are healthy.
    set_autopilot(
        &http,
        &c.0[0],
        &token,
        json!({"server_stabilization_time": "1s"}),
    )
    .await;

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
    wait_voters(&http, &c.0[0], &token, 3).await;

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

    // node1 comes back with its old data. Sealed, it takes no part in raft (no cluster
    // TLS); once unsealed it campaigns, its peers tell it it was removed; it seals,
    // reports it (530), marks its data directory and refuses to start from it again.
    c.0[0].start();
    http.wait_for(&c.0[0], "sys/seal-status", "node1 restarted", |code, _| {
        code == 200
    })
    .await;
    for k in &keys[..3] {
        http.put(&c.0[0], "sys/unseal", None, json!({ "key": k }))
            .await;
    }
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

/// A KV v2 read through `node`: (status, value of `v`, version).
async fn kv(http: &Http, node: &Node, token: &str, path: &str) -> (u16, Value, Value) {
    let (code, body) = http
        .get(node, &format!("secret/data/{path}"), Some(token))
        .await
        .unwrap_or_else(|| panic!("{} did not answer", node.name));
    (
        code,
        body["data"]["data"]["v"].clone(),
        body["data"]["metadata"]["version"].clone(),
    )
}

async fn kv_put(http: &Http, node: &Node, token: &str, path: &str, v: &str) {
    let (code, body) = http
        .put(
            node,
            &format!("secret/data/{path}"),
            Some(token),
            json!({"data": {"v": v}}),
        )
        .await;
    assert_eq!(code, 200, "write {path} through {}: {body}", node.name);
}

/// Every running node has applied at least what `leader` has.
async fn wait_caught_up(http: &Http, nodes: &[Node], leader: usize) {
    let (_, b) = http.get(&nodes[leader], "sys/leader", None).await.unwrap();
    let want = b["raft_applied_index"].as_u64().unwrap();
    for n in nodes.iter().filter(|n| n.child.is_some()) {
        http.wait_for(n, "sys/leader", "the leader's applied index", |_, b| {
            b["raft_applied_index"].as_u64().is_some_and(|i| i >= want)
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ha_status_step_down_snapshots_and_autopilot() {
    let root = tempfile::tempdir().unwrap();
    let node1 = Node::new(root.path(), "node1", None);
    let node2 = Node::new(root.path(), "node2", Some(&node1));
    let node3 = Node::new(root.path(), "node3", Some(&node1));
    let mut c = Cluster(vec![node1, node2, node3]);
    for n in &mut c.0 {
        n.start();
    }
    let http = Http::new();
    http.wait_for(&c.0[0], "sys/health", "an uninitialised node", |code, _| {
        code == 501
    })
    .await;
    let (code, init) = http
        .put(
            &c.0[0],
            "sys/init",
            None,
            json!({"secret_shares": 3, "secret_threshold": 2}),
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
    unseal(&http, &c.0[0], &keys[..2]).await;
    set_autopilot(
        &http,
        &c.0[0],
        &token,
        json!({"server_stabilization_time": "1s"}),
    )
    .await;
    for n in &c.0[1..] {
        http.wait_for(n, "sys/seal-status", "the join challenge", |_, b| {
            b["initialized"] == true
        })
        .await;
        unseal(&http, n, &keys[1..]).await;
    }
    wait_voters(&http, &c.0[0], &token, 3).await;
    let leader = active(&http, &c.0, None).await;
    let standby = (leader + 1) % 3;

    // ha-status (asked through a standby, which forwards it): the active node and both
    // standbys, once their heartbeats arrived.
    let deadline = Instant::now() + WAIT;
    let status = loop {
        let (code, status) = http
            .get(&c.0[standby], "sys/ha-status", Some(&token))
            .await
            .unwrap();
        assert_eq!(code, 200, "{status}");
        if status["data"]["nodes"]
            .as_array()
            .is_some_and(|n| n.len() == 3)
        {
            break status;
        }
        assert!(Instant::now() < deadline, "no heartbeats: {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let nodes = status["data"]["nodes"].as_array().unwrap().clone();
    assert_eq!(nodes.len(), 3, "{status}");
    let actives: Vec<&Value> = nodes.iter().filter(|n| n["active_node"] == true).collect();
    assert_eq!(actives.len(), 1);
    assert_eq!(actives[0]["api_address"], c.0[leader].addr());
    assert!(actives[0]["last_echo"].is_null());
    for n in nodes.iter().filter(|n| n["active_node"] == false) {
        let echo = n["last_echo"].as_str().expect("a standby's last echo");
        assert!(echo.contains('T') && echo.ends_with('Z'), "{echo}");
        assert!(n["hostname"].as_str().is_some_and(|h| !h.is_empty()));
    }

    // Response wrapping through standbys (the whole request is forwarded, the
    // X-Vault-Wrap-TTL header included): wrap on one standby, unwrap once on the other.
    let wrapping = stdout(&cli(
        &c.0[standby],
        &token,
        &[
            "token",
            "create",
            "-policy=default",
            "-wrap-ttl=60",
            "-field=wrapping_token",
        ],
    ));
    let other = (leader + 2) % 3;
    let unwrapped = stdout(&cli(
        &c.0[other],
        wrapping.trim(),
        &["unwrap", "-field=token"],
    ));
    assert!(unwrapped.trim().starts_with("hvs."), "{unwrapped}");
    let again = cli(&c.0[standby], wrapping.trim(), &["unwrap"]);
    assert_eq!(again.status.code(), Some(2));
    let table = stdout(&cli(&c.0[standby], &token, &["operator", "members"]));
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("Host Name"), "{table}");
    assert_eq!(lines.len(), 5, "{table}");
    assert_eq!(table.matches(" true ").count(), 1, "{table}");

    // Autopilot sees three healthy voters.
    let (code, state) = http
        .get(
            &c.0[standby],
            "sys/storage/raft/autopilot/state",
            Some(&token),
        )
        .await
        .unwrap();
    assert_eq!(code, 200, "{state}");
    let state = &state["data"];
    assert_eq!(state["leader"], c.0[leader].name);
    assert_eq!(state["voters"], json!(["node1", "node2", "node3"]));
    assert_eq!(state["servers"][&c.0[leader].name]["status"], "leader");
    let pretty = stdout(&cli(
        &c.0[leader],
        &token,
        &["operator", "raft", "autopilot", "state"],
    ));
    assert!(
        pretty.contains("Voters:\n   node1\n   node2\n   node3\n"),
        "{pretty}"
    );
    let config = stdout(&cli(
        &c.0[leader],
        &token,
        &["operator", "raft", "autopilot", "get-config"],
    ));
    assert!(
        config.contains("Server Stabilization Time             1s"),
        "{config}"
    );

    // Leases live in the barrier: a 1h and an unused 15s token lease made here.
    let (long_lease, short_lease) = two_token_leases(&http, &c.0[leader], &token).await;

    // Step-down: another voter becomes the active node.
    let out = stdout(&cli(&c.0[leader], &token, &["operator", "step-down"]));
    assert_eq!(
        out.trim(),
        format!("Success! Stepped down: {}", c.0[leader].addr())
    );
    let leader = active(&http, &c.0, Some(leader)).await;

    // The new active node knows both leases, and its expiration worker revokes the
    // short one when it expires, though nobody uses that token.
    let listed = token_leases(&http, &c.0[leader], &token).await;
    assert!(listed.contains(&long_lease), "{listed:?}");
    let deadline = Instant::now() + WAIT;
    while token_leases(&http, &c.0[leader], &token)
        .await
        .contains(&short_lease)
    {
        assert!(
            Instant::now() < deadline,
            "the 15s token lease was not revoked"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        token_leases(&http, &c.0[leader], &token)
            .await
            .contains(&long_lease)
    );
    let standby = (leader + 1) % 3;

    // Snapshots: save through a standby (redirected to the active node), write more,
    // restore, and the cluster is back to the saved state.
    let (code, body) = http
        .put(
            &c.0[leader],
            "sys/mounts/secret",
            Some(&token),
            json!({"type": "kv", "options": {"version": "2"}}),
        )
        .await;
    assert_eq!(code, 204, "{body}");
    kv_put(&http, &c.0[leader], &token, "app", "one").await;
    let resp = http
        .client
        .get(format!(
            "{}/v1/sys/storage/raft/snapshot",
            c.0[standby].addr()
        ))
        .header("X-Vault-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 307);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        location,
        format!("{}/v1/sys/storage/raft/snapshot", c.0[leader].addr())
    );
    let file = root.path().join("backup.snap");
    let file_arg = file.display().to_string();
    stdout(&cli(
        &c.0[standby],
        &token,
        &["operator", "raft", "snapshot", "save", &file_arg],
    ));
    let saved = std::fs::read(&file).unwrap();
    assert!(saved.starts_with(b"ARCABAK1"), "a backup file");

    kv_put(&http, &c.0[standby], &token, "app", "two").await;
    kv_put(&http, &c.0[standby], &token, "extra", "x").await;
    // Damaged and truncated backups are refused; nothing changes.
    for (name, bytes) in [
        ("damaged.snap", {
            let mut b = saved.clone();
            let at = b.len() / 2;
            b[at] ^= 0x55;
            b
        }),
        ("truncated.snap", saved[..saved.len() - 10].to_vec()),
    ] {
        let bad = root.path().join(name);
        std::fs::write(&bad, bytes).unwrap();
        let out = cli(
            &c.0[leader],
            &token,
            &[
                "operator",
                "raft",
                "snapshot",
                "restore",
                &bad.display().to_string(),
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{name} must be refused");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("truncated or damaged"), "{err}");
    }
    assert_eq!(
        kv(&http, &c.0[leader], &token, "app").await,
        (200, json!("two"), json!(2))
    );

    stdout(&cli(
        &c.0[standby],
        &token,
        &["operator", "raft", "snapshot", "restore", &file_arg],
    ));
    assert_eq!(
        kv(&http, &c.0[leader], &token, "app").await,
        (200, json!("one"), json!(1))
    );
    assert_eq!(kv(&http, &c.0[leader], &token, "extra").await.0, 404);
    wait_caught_up(&http, &c.0, leader).await;
    // Another node's copy is the restored one too: make it the active node and read.
    stdout(&cli(&c.0[leader], &token, &["operator", "step-down"]));
    let leader = active(&http, &c.0, Some(leader)).await;
    assert_eq!(
        kv(&http, &c.0[leader], &token, "app").await,
        (200, json!("one"), json!(1))
    );
    assert_eq!(kv(&http, &c.0[leader], &token, "extra").await.0, 404);
    kv_put(&http, &c.0[leader], &token, "after", "restore").await;

    // A fourth node joins as a non-voter and stays one while autopilot waits for it to
    // be stable; with a short stabilization time it is promoted.
    stdout(&cli(
        &c.0[leader],
        &token,
        &[
            "operator",
            "raft",
            "autopilot",
            "set-config",
            "-server-stabilization-time=1h",
        ],
    ));
    let mut node4 = Node::new(root.path(), "node4", Some(&c.0[0]));
    node4.start();
    c.0.push(node4);
    http.wait_for(&c.0[3], "sys/seal-status", "the join challenge", |_, b| {
        b["initialized"] == true
    })
    .await;
    unseal(&http, &c.0[3], &keys[..2]).await;
    let m = members(&http, &c.0[leader], &token).await;
    assert!(m.contains(&("node4".to_string(), false)), "{m:?}");
    let (_, state) = http
        .get(
            &c.0[leader],
            "sys/storage/raft/autopilot/state",
            Some(&token),
        )
        .await
        .unwrap();
    assert_eq!(state["data"]["non_voters"], json!(["node4"]), "{state}");
    assert_eq!(state["data"]["servers"]["node4"]["status"], "non-voter");
    stdout(&cli(
        &c.0[leader],
        &token,
        &[
            "operator",
            "raft",
            "autopilot",
            "set-config",
            "-server-stabilization-time=1s",
        ],
    ));
    wait_voters(&http, &c.0[leader], &token, 4).await;

    // Dead-server cleanup: a killed voter is removed once out of contact for the
    // threshold (Vault's minimum, one minute), keeping min_quorum voters.
    let victim = (0..4).rev().find(|i| *i != leader).expect("a standby");
    stdout(&cli(
        &c.0[leader],
        &token,
        &[
            "operator",
            "raft",
            "autopilot",
            "set-config",
            "-cleanup-dead-servers=true",
            "-dead-server-last-contact-threshold=1m",
            "-min-quorum=3",
        ],
    ));
    c.0[victim].kill();
    let gone = c.0[victim].name.clone();
    let m = wait_members(
        &http,
        &c.0[leader],
        &token,
        CLEANUP_WAIT,
        "the dead server's removal",
        |m| m.len() == 3 && m.iter().all(|(n, v)| *v && *n != gone),
    )
    .await;
    assert_eq!(m.len(), 3);
    kv_put(&http, &c.0[leader], &token, "after", "cleanup").await;
}

/// The token leases under `auth/token/create/` (their last segment).
async fn token_leases(http: &Http, node: &Node, token: &str) -> Vec<String> {
    let list = reqwest::Method::from_bytes(b"LIST").unwrap();
    match http
        .call(
            list,
            node,
            "sys/leases/lookup/auth/token/create/",
            Some(token),
            None,
        )
        .await
    {
        Some((200, body)) => serde_json::from_value(body["data"]["keys"].clone()).unwrap(),
        _ => Vec::new(),
    }
}

/// Creates a 1h and a 15s token on `node` and returns their lease ids' last segments.
async fn two_token_leases(http: &Http, node: &Node, token: &str) -> (String, String) {
    let mut made = Vec::new();
    for ttl in ["1h", "15s"] {
        let before = token_leases(http, node, token).await;
        let (code, body) = http
            .put(
                node,
                "auth/token/create",
                Some(token),
                json!({ "ttl": ttl }),
            )
            .await;
        assert_eq!(code, 200, "{body}");
        let after = token_leases(http, node, token).await;
        let new: Vec<String> = after.into_iter().filter(|l| !before.contains(l)).collect();
        assert_eq!(new.len(), 1, "{new:?}");
        made.push(new[0].clone());
    }
    (made[0].clone(), made[1].clone())
}
