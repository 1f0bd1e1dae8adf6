//! A local raft cluster of `arca server` processes, one per network namespace, started,
//! initialised, unsealed and torn down by the harness, with the controls the nemeses
//! need: kill, pause, restart, partition, remove/wipe/rejoin, clock offset, fsync delay.
//!
//! Every node listens on its own address (`10.213.x.(11+i)`, ports 8200/8201); the
//! clients run in the root namespace and always reach every node, as in Jepsen. Node 0 is
//! initialised with one key share; the others `retry_join` every other node and are
//! unsealed with that key. Autopilot's stabilization time is lowered to one second so
//! joined nodes become voters quickly.
//!
//! Dropping the cluster kills its processes and removes its namespaces; namespaces of a
//! harness that died are removed by [`netns::remove_stale`] at the next start.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use thiserror::Error;

use crate::client::{Cluster, Token};

pub mod config;
pub mod netns;
pub mod shim;

use netns::Network;

/// The cluster could not be built or controlled: always a harness failure.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ClusterError {
    /// Bad settings.
    #[error("cluster configuration: {0}")]
    Config(String),
    /// Namespaces, links or firewall rules.
    #[error("cluster network: {0}")]
    Net(String),
    /// Files.
    #[error("cluster files: {0}")]
    Io(String),
    /// A node did not do what it had to (start, unseal, join...).
    #[error("cluster node: {0}")]
    Node(String),
}

/// What to start.
#[derive(Debug, Clone)]
pub struct ClusterSpec {
    /// The `arca` binary.
    pub arca_bin: PathBuf,
    /// Number of nodes.
    pub nodes: usize,
    /// Working directory (node data, configuration and logs go below it).
    pub dir: PathBuf,
    /// libfaketime, preloaded into every node (for the clock nemesis).
    pub faketime: Option<PathBuf>,
    /// The fsync-delay shim, preloaded into every node (for the disk nemesis).
    pub fsync_shim: Option<PathBuf>,
    /// Bounds every wait of start-up and healing.
    pub timeout: Duration,
}

/// Debian's libfaketime, if installed.
pub fn find_faketime() -> Option<PathBuf> {
    [
        "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
        "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
        "/usr/lib/faketime/libfaketime.so.1",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// The environment that lets the nemesis skew a node's wall clock (libfaketime reading
/// `clock_file`) and delay its fsyncs (the shim reading `fsync_file`).
pub fn fault_env(
    faketime: Option<&Path>,
    clock_file: &Path,
    fsync_shim: Option<&Path>,
    fsync_file: &Path,
) -> Vec<(String, String)> {
    let mut env = Vec::new();
    let mut preload = Vec::new();
    if let Some(ft) = faketime {
        preload.push(ft.display().to_string());
        env.push((
            "FAKETIME_TIMESTAMP_FILE".into(),
            clock_file.display().to_string(),
        ));
        env.push(("FAKETIME_CACHE_DURATION".into(), "1".into()));
        // Only the wall clock is skewed, as `date -s` would: timers keep their pace.
        env.push(("FAKETIME_DONT_FAKE_MONOTONIC".into(), "1".into()));
    }
    if let Some(shim) = fsync_shim {
        preload.push(shim.display().to_string());
        env.push((
            shim::DELAY_FILE_ENV.into(),
            fsync_file.display().to_string(),
        ));
    }
    if !preload.is_empty() {
        env.push(("LD_PRELOAD".into(), preload.join(":")));
    }
    env
}

#[derive(Debug)]
struct NodeState {
    child: Option<Child>,
    paused: bool,
    /// Bumped on every wipe: the node rejoins under a new raft node id.
    generation: u32,
}

/// A running local cluster.
#[derive(Debug)]
pub struct LocalCluster {
    spec: ClusterSpec,
    net: Mutex<Network>,
    nodes: Mutex<Vec<NodeState>>,
    urls: Vec<String>,
    key: Token,
    root: Token,
    /// A client for control requests (init, unseal, membership), short timeout.
    control: Cluster,
}

fn io(p: &Path, e: impl std::fmt::Display) -> ClusterError {
    ClusterError::Io(format!("{}: {e}", p.display()))
}

/// Sends `signal` to the running child `child`.
fn signal(child: &Child, sig: libc::c_int) -> Result<(), ClusterError> {
    let pid = i32::try_from(child.id())
        .ok()
        .filter(|&p| p > 1)
        .ok_or_else(|| ClusterError::Node(format!("bad pid {}", child.id())))?;
    // SAFETY: kill(2) on the positive pid of a child this process spawned and has not
    // reaped yet, so the id cannot have been reused.
    if unsafe { libc::kill(pid, sig) } == 0 {
        Ok(())
    } else {
        Err(ClusterError::Node(format!(
            "signal {sig} to {pid}: {}",
            std::io::Error::last_os_error()
        )))
    }
}

impl LocalCluster {
    /// Builds the network, starts every node, initialises, unseals and joins them, mounts
    /// kv-v2 at `secret/`, and waits until every node is a healthy voter.
    pub async fn start(spec: ClusterSpec, seq: u32) -> Result<LocalCluster, ClusterError> {
        if spec.nodes == 0 {
            return Err(ClusterError::Config("no nodes".into()));
        }
        if !spec.arca_bin.exists() {
            return Err(ClusterError::Config(format!(
                "no arca binary at {}",
                spec.arca_bin.display()
            )));
        }
        std::fs::create_dir_all(&spec.dir).map_err(|e| io(&spec.dir, e))?;
        let net = Network::create(spec.nodes, seq)?;
        let urls: Vec<String> = (0..spec.nodes)
            .map(|i| config::api_addr(net.node_addr(i)))
            .collect();
        let control = Cluster::new(&urls, Token::new(""), Duration::from_secs(5))
            .map_err(|e| ClusterError::Config(e.to_string()))?;
        let mut cluster = LocalCluster {
            nodes: Mutex::new(
                (0..spec.nodes)
                    .map(|_| NodeState {
                        child: None,
                        paused: false,
                        generation: 0,
                    })
                    .collect(),
            ),
            spec,
            net: Mutex::new(net),
            urls,
            key: Token::new(""),
            root: Token::new(""),
            control,
        };
        for i in 0..cluster.len() {
            cluster.reset_faults_files(i)?;
        }
        cluster.spawn(0, false)?;
        cluster.wait_answering(0).await?;
        let init = cluster
            .control
            .call(
                0,
                Method::PUT,
                "sys/init",
                Some(&json!({"secret_shares": 1, "secret_threshold": 1})),
                None,
            )
            .await
            .map_err(|e| ClusterError::Node(format!("sys/init: {e}")))?;
        let (Some(key), Some(root)) = (
            init.body["keys_base64"][0].as_str(),
            init.body["root_token"].as_str(),
        ) else {
            return Err(ClusterError::Node(format!(
                "sys/init answered {}",
                init.status
            )));
        };
        cluster.key = Token::new(key);
        cluster.root = Token::new(root);
        cluster.control = Cluster::new(&cluster.urls, cluster.root.clone(), Duration::from_secs(5))
            .map_err(|e| ClusterError::Config(e.to_string()))?;
        cluster.unseal(0).await?;
        cluster.wait_healthy(0).await?;
        cluster
            .write_until_ok(
                "sys/storage/raft/autopilot/configuration",
                json!({"server_stabilization_time": "1s", "cleanup_dead_servers": false}),
            )
            .await?;
        cluster
            .write_until_ok(
                "sys/mounts/secret",
                json!({"type": "kv", "options": {"version": "2"}}),
            )
            .await?;
        for i in 1..cluster.len() {
            cluster.spawn(i, true)?;
        }
        for i in 1..cluster.len() {
            cluster.unseal(i).await?;
        }
        cluster.wait_all_voters().await?;
        for i in 0..cluster.len() {
            cluster.wait_healthy(i).await?;
        }
        Ok(cluster)
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.urls.len()
    }

    /// Never true: a cluster has nodes.
    pub fn is_empty(&self) -> bool {
        self.urls.is_empty()
    }

    /// The nodes' API addresses, in node order.
    pub fn urls(&self) -> &[String] {
        &self.urls
    }

    /// The root token.
    pub fn root_token(&self) -> Token {
        self.root.clone()
    }

    fn node_dir(&self, i: usize) -> PathBuf {
        self.spec.dir.join(format!("node{i}"))
    }

    fn data_dir(&self, i: usize) -> PathBuf {
        self.node_dir(i).join("data")
    }

    fn clock_file(&self, i: usize) -> PathBuf {
        self.node_dir(i).join("faketime")
    }

    fn fsync_file(&self, i: usize) -> PathBuf {
        self.node_dir(i).join("fsync-delay-ms")
    }

    /// The raft node id of node `i` in its current generation.
    pub fn node_id(&self, i: usize) -> String {
        let g = self.with_nodes(|n| n[i].generation);
        format!("n{i}g{g}")
    }

    fn with_nodes<R>(&self, f: impl FnOnce(&mut Vec<NodeState>) -> R) -> R {
        let mut g = self.nodes.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }

    fn with_net<R>(&self, f: impl FnOnce(&mut Network) -> R) -> R {
        let mut g = self.net.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }

    fn reset_faults_files(&self, i: usize) -> Result<(), ClusterError> {
        let dir = self.node_dir(i);
        std::fs::create_dir_all(dir.join("data")).map_err(|e| io(&dir, e))?;
        self.set_clock_offset(i, 0)?;
        self.set_fsync_delay(i, 0)
    }

    /// Starts node `i` in its namespace (`join`: with `retry_join` to every other node).
    fn spawn(&self, i: usize, join: bool) -> Result<(), ClusterError> {
        let dir = self.node_dir(i);
        let data = self.data_dir(i);
        std::fs::create_dir_all(&data).map_err(|e| io(&data, e))?;
        let (addr, ns) = self.with_net(|n| (n.node_addr(i), n.namespace(i).to_string()));
        let leaders: Vec<String> = if join {
            (0..self.len())
                .filter(|&j| j != i)
                .map(|j| self.urls[j].clone())
                .collect()
        } else {
            Vec::new()
        };
        let hcl = config::node_hcl(&self.node_id(i), addr, &data.to_string_lossy(), &leaders);
        let cfg = dir.join("config.hcl");
        std::fs::write(&cfg, hcl).map_err(|e| io(&cfg, e))?;
        let log_path = dir.join("server.log");
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| io(&log_path, e))?;
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &ns])
            .arg(&self.spec.arca_bin)
            .arg("server")
            .arg(format!("-config={}", cfg.display()))
            .env("HOME", &dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        cmd.envs(fault_env(
            self.spec.faketime.as_deref(),
            &self.clock_file(i),
            self.spec.fsync_shim.as_deref(),
            &self.fsync_file(i),
        ));
        // `ip netns exec` execs the server in place: the child's pid is the server's.
        let child = cmd
            .spawn()
            .map_err(|e| ClusterError::Node(format!("starting node {i}: {e}")))?;
        self.with_nodes(|n| {
            n[i].child = Some(child);
            n[i].paused = false;
        });
        Ok(())
    }

    /// The last lines of node `i`'s log, for error messages.
    pub fn log_tail(&self, i: usize, lines: usize) -> String {
        let text = std::fs::read_to_string(self.node_dir(i).join("server.log")).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Polls `probe` every 200 ms until it returns `Some`, up to the spec's timeout.
    async fn poll<T, F, Fut>(&self, what: &str, mut probe: F) -> Result<T, ClusterError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let deadline = tokio::time::Instant::now() + self.spec.timeout;
        loop {
            if let Some(v) = probe().await {
                return Ok(v);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ClusterError::Node(format!(
                    "timed out after {:?} waiting for {what}",
                    self.spec.timeout
                )));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    fn exited(&self, i: usize) -> Option<String> {
        self.with_nodes(|n| match n[i].child.as_mut().map(Child::try_wait) {
            Some(Ok(Some(status))) => Some(format!("node {i} exited ({status})")),
            None => Some(format!("node {i} is not running")),
            _ => None,
        })
    }

    async fn wait_answering(&self, i: usize) -> Result<(), ClusterError> {
        self.poll(&format!("node {i} to answer"), || async move {
            self.control
                .call_anonymous(i, "sys/seal-status")
                .await
                .ok()
                .filter(|r| r.status == 200)
                .map(|_| ())
        })
        .await
        .map_err(|e| self.with_log(i, e))
    }

    fn with_log(&self, i: usize, e: ClusterError) -> ClusterError {
        let why = self.exited(i).unwrap_or_default();
        ClusterError::Node(format!(
            "{e} {why}\n--- node {i} log ---\n{}",
            self.log_tail(i, 15)
        ))
    }

    /// Waits until node `i` is initialised (joined nodes are once they have the
    /// leader's challenge), submits the key, and waits until it is unsealed.
    pub async fn unseal(&self, i: usize) -> Result<(), ClusterError> {
        let key = &self.key;
        self.poll(&format!("node {i} to unseal"), || async move {
            let r = self
                .control
                .call_anonymous(i, "sys/seal-status")
                .await
                .ok()?;
            if r.status != 200 || r.body["initialized"] != Value::Bool(true) {
                return None;
            }
            if r.body["sealed"] == Value::Bool(false) {
                return Some(());
            }
            let body = json!({ "key": key.expose() });
            let _ = self
                .control
                .call(i, Method::PUT, "sys/unseal", Some(&body), None)
                .await;
            None
        })
        .await
        .map_err(|e| self.with_log(i, e))
    }

    /// Waits until node `i` answers `sys/health` with 200 (active) or 429 (standby).
    pub async fn wait_healthy(&self, i: usize) -> Result<(), ClusterError> {
        self.poll(&format!("node {i} to be healthy"), || async move {
            let r = self.control.call_anonymous(i, "sys/health").await.ok()?;
            matches!(r.status, 200 | 429).then_some(())
        })
        .await
        .map_err(|e| self.with_log(i, e))
    }

    /// Writes `path` on any node until one answers 2xx.
    async fn write_until_ok(&self, path: &str, body: Value) -> Result<(), ClusterError> {
        let mut turn = 0usize;
        self.poll(path, || {
            turn += 1;
            let node = turn % self.len();
            let body = body.clone();
            async move {
                let r = self
                    .control
                    .call(node, Method::POST, path, Some(&body), None)
                    .await
                    .ok()?;
                (200..300).contains(&r.status).then_some(())
            }
        })
        .await
    }

    /// The raft configuration's servers as (node id, voter), from any node.
    pub async fn raft_servers(&self) -> Option<Vec<(String, bool)>> {
        for node in 0..self.len() {
            let Ok(r) = self
                .control
                .call(
                    node,
                    Method::GET,
                    "sys/storage/raft/configuration",
                    None,
                    None,
                )
                .await
            else {
                continue;
            };
            if r.status != 200 {
                continue;
            }
            if let Some(servers) = r.body["data"]["config"]["servers"].as_array() {
                return Some(
                    servers
                        .iter()
                        .filter_map(|s| {
                            Some((s["node_id"].as_str()?.to_string(), s["voter"].as_bool()?))
                        })
                        .collect(),
                );
            }
        }
        None
    }

    /// Waits until the raft configuration has exactly the current node ids, all voters.
    pub async fn wait_all_voters(&self) -> Result<(), ClusterError> {
        let mut want: Vec<String> = (0..self.len()).map(|i| self.node_id(i)).collect();
        want.sort();
        let want = &want;
        self.poll("every node to be a raft voter", || async move {
            let mut servers = self.raft_servers().await?;
            servers.sort();
            let ok = servers.len() == want.len()
                && servers
                    .iter()
                    .zip(want.iter())
                    .all(|((id, voter), w)| id == w && *voter);
            ok.then_some(())
        })
        .await
    }

    /// SIGKILLs node `i` (no-op if it is not running).
    pub fn kill(&self, i: usize) -> Result<(), ClusterError> {
        self.with_nodes(|n| {
            if let Some(mut child) = n[i].child.take() {
                signal(&child, libc::SIGKILL)?;
                let _ = child.wait();
            }
            n[i].paused = false;
            Ok(())
        })
    }

    /// SIGSTOPs node `i`.
    pub fn pause(&self, i: usize) -> Result<(), ClusterError> {
        self.with_nodes(|n| {
            if let (Some(child), false) = (&n[i].child, n[i].paused) {
                signal(child, libc::SIGSTOP)?;
                n[i].paused = true;
            }
            Ok(())
        })
    }

    /// SIGCONTs every paused node; returns them.
    pub fn resume_all(&self) -> Result<Vec<usize>, ClusterError> {
        self.with_nodes(|n| {
            let mut resumed = Vec::new();
            for (i, node) in n.iter_mut().enumerate() {
                if let (Some(child), true) = (&node.child, node.paused) {
                    signal(child, libc::SIGCONT)?;
                    node.paused = false;
                    resumed.push(i);
                }
            }
            Ok(resumed)
        })
    }

    /// Nodes without a running process.
    pub fn down(&self) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| self.with_nodes(|n| n[i].child.is_none()))
            .collect()
    }

    /// Starts node `i` again on its data (after a kill) and unseals it.
    pub async fn restart(&self, i: usize) -> Result<(), ClusterError> {
        self.spawn(i, true)?;
        self.unseal(i).await
    }

    /// Removes node `i` from the raft configuration (through any node), kills it and
    /// wipes its data; it rejoins as a new node with [`LocalCluster::rejoin`].
    pub async fn remove_and_wipe(&self, i: usize) -> Result<(), ClusterError> {
        let id = self.node_id(i);
        let body = json!({ "server_id": id });
        let id = &id;
        let mut turn = i;
        self.poll(&format!("removing {id}"), || {
            turn += 1;
            // Ask the others first: a node that removes itself may not answer.
            let node = if turn % self.len() == i {
                (i + 1) % self.len()
            } else {
                turn % self.len()
            };
            let body = body.clone();
            async move {
                let r = self
                    .control
                    .call(
                        node,
                        Method::POST,
                        "sys/storage/raft/remove-peer",
                        Some(&body),
                        None,
                    )
                    .await
                    .ok()?;
                if !(200..300).contains(&r.status) {
                    return None;
                }
                let servers = self.raft_servers().await?;
                (!servers.iter().any(|(s, _)| s == id)).then_some(())
            }
        })
        .await?;
        self.kill(i)?;
        let data = self.data_dir(i);
        std::fs::remove_dir_all(&data).map_err(|e| io(&data, e))?;
        self.with_nodes(|n| n[i].generation += 1);
        Ok(())
    }

    /// Starts a wiped node with a fresh data directory and a new node id, joins it to the
    /// cluster, unseals it and waits until it is a voter.
    pub async fn rejoin(&self, i: usize) -> Result<(), ClusterError> {
        self.spawn(i, true)?;
        self.unseal(i).await?;
        self.wait_all_voters().await
    }

    /// Sets node `i`'s wall-clock offset (takes effect within a second; needs libfaketime).
    pub fn set_clock_offset(&self, i: usize, seconds: i64) -> Result<(), ClusterError> {
        let f = self.clock_file(i);
        let spec = if seconds >= 0 {
            format!("+{seconds}\n")
        } else {
            format!("{seconds}\n")
        };
        std::fs::write(&f, spec).map_err(|e| io(&f, e))
    }

    /// Sets node `i`'s fsync delay in milliseconds (needs the shim).
    pub fn set_fsync_delay(&self, i: usize, ms: u64) -> Result<(), ClusterError> {
        let f = self.fsync_file(i);
        std::fs::write(&f, format!("{ms}\n")).map_err(|e| io(&f, e))
    }

    /// Whether the clock fault is available (libfaketime preloaded).
    pub fn has_clock(&self) -> bool {
        self.spec.faketime.is_some()
    }

    /// Whether the disk fault is available (shim preloaded).
    pub fn has_disk(&self) -> bool {
        self.spec.fsync_shim.is_some()
    }

    /// Cuts the links in `blocked` (node pairs).
    pub fn partition(
        &self,
        blocked: &std::collections::BTreeSet<(usize, usize)>,
    ) -> Result<(), ClusterError> {
        self.with_net(|n| n.partition(blocked))
    }

    /// Removes every partition.
    pub fn heal_network(&self) -> Result<(), ClusterError> {
        self.with_net(Network::heal)
    }
}

impl Drop for LocalCluster {
    /// Kills every node (continuing paused ones first); the network is removed after.
    fn drop(&mut self) {
        let nodes = self.nodes.get_mut().unwrap_or_else(|p| p.into_inner());
        for node in nodes.iter_mut() {
            if let Some(mut child) = node.child.take() {
                let _ = signal(&child, libc::SIGKILL);
                let _ = child.wait();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wall clock `date +%s` prints under the fault environment.
    fn date_with(env: &[(String, String)]) -> i64 {
        let out = Command::new("date")
            .arg("+%s")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("date");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("seconds")
    }

    #[test]
    fn the_clock_file_moves_the_wall_clock_and_back() {
        let Some(ft) = find_faketime() else {
            panic!("libfaketime is missing: apt-get install faketime");
        };
        let dir = tempfile::tempdir().unwrap();
        let clock = dir.path().join("faketime");
        let fsync = dir.path().join("fsync");
        let env = fault_env(Some(&ft), &clock, None, &fsync);
        assert!(
            env.iter()
                .any(|(k, v)| k == "LD_PRELOAD" && v.contains("faketime"))
        );
        let now = || date_with(&[]);
        std::fs::write(&clock, "+3600\n").unwrap();
        let skewed = date_with(&env) - now();
        assert!((3590..=3610).contains(&skewed), "skewed by {skewed}");
        std::fs::write(&clock, "-1800\n").unwrap();
        let skewed = date_with(&env) - now();
        assert!((-1810..=-1790).contains(&skewed), "skewed by {skewed}");
        std::fs::write(&clock, "+0\n").unwrap();
        assert!((date_with(&env) - now()).abs() <= 5);
        // Without libfaketime nothing is preloaded.
        assert!(fault_env(None, &clock, None, &fsync).is_empty());
    }
}
