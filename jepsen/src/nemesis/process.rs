//! Process faults on local `arca server` processes: SIGKILL (restarted on heal) and
//! SIGSTOP (SIGCONT on heal).
//!
//! A killed node loses whatever it had not made durable, and a paused one stops answering
//! while its peers carry on (a paused leader wakes up believing it still leads): both are
//! classic sources of lost writes and stale reads. Signals go to one process id at a
//! time, never to a process group, and only to the ids this nemesis was given.

use std::fs::OpenOptions;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use rand::rngs::StdRng;
use reqwest::Method;
use serde_json::{Value, json};

use super::{Fault, Nemesis, NemesisError, resolve};
use crate::client::{Cluster, Token};

/// How to start a killed node again.
#[derive(Debug, Clone)]
pub struct Restart {
    /// The program (e.g. the `arca` binary).
    pub program: PathBuf,
    /// Its arguments (e.g. `server -config=node1.hcl`).
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// Where its stderr goes (appended).
    pub log: PathBuf,
    /// Unseal keys to submit after the restart (none for auto-unseal or dev mode).
    pub unseal_keys: Vec<Token>,
}

/// One node's process.
#[derive(Debug)]
pub struct NodeProcess {
    pid: Option<i32>,
    /// Set when this nemesis started the process itself (it must reap it).
    child: Option<Child>,
    restart: Option<Restart>,
    paused: bool,
    killed: bool,
}

impl NodeProcess {
    /// A node running as `pid`, restartable with `restart` after a kill.
    pub fn new(pid: u32, restart: Option<Restart>) -> Result<Self, NemesisError> {
        let pid = i32::try_from(pid)
            .ok()
            .filter(|&p| p > 1 && p as u32 != std::process::id())
            .ok_or_else(|| NemesisError::Config(format!("refusing to signal pid {pid}")))?;
        Ok(NodeProcess {
            pid: Some(pid),
            child: None,
            restart,
            paused: false,
            killed: false,
        })
    }
}

/// Which signals this nemesis sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessFaults {
    /// SIGSTOP / SIGCONT only.
    Pause,
    /// SIGKILL / restart only.
    Kill,
    /// Both.
    Both,
}

/// SIGKILL / SIGSTOP nemesis over local processes, one per node (same order as the
/// cluster's node list).
#[derive(Debug)]
pub struct ProcessNemesis {
    faults: ProcessFaults,
    nodes: Mutex<Vec<NodeProcess>>,
    /// How long a restarted node may take to answer again.
    restart_timeout: Duration,
}

fn signal(pid: i32, sig: libc::c_int) -> Result<(), NemesisError> {
    // SAFETY: kill(2) with a positive pid (checked in `NodeProcess::new` and on restart)
    // signals exactly that process; it has no memory-safety preconditions.
    let rc = unsafe { libc::kill(pid, sig) };
    if rc == 0 {
        Ok(())
    } else {
        Err(NemesisError::Action(format!(
            "signal {sig} to pid {pid}: {}",
            std::io::Error::last_os_error()
        )))
    }
}

impl ProcessNemesis {
    /// A nemesis over `nodes` (index = node position).
    pub fn new(faults: ProcessFaults, nodes: Vec<NodeProcess>) -> Self {
        ProcessNemesis {
            faults,
            nodes: Mutex::new(nodes),
            restart_timeout: Duration::from_secs(30),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Vec<NodeProcess>) -> R) -> R {
        let mut g = self.nodes.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }

    fn pause(&self, targets: &[usize]) -> Result<(), NemesisError> {
        self.with(|nodes| {
            for &i in targets {
                let node = nodes
                    .get_mut(i)
                    .ok_or_else(|| NemesisError::Config(format!("no process for node {i}")))?;
                if let (Some(pid), false, false) = (node.pid, node.paused, node.killed) {
                    signal(pid, libc::SIGSTOP)?;
                    node.paused = true;
                }
            }
            Ok(())
        })
    }

    fn kill(&self, targets: &[usize]) -> Result<(), NemesisError> {
        self.with(|nodes| {
            for &i in targets {
                let node = nodes
                    .get_mut(i)
                    .ok_or_else(|| NemesisError::Config(format!("no process for node {i}")))?;
                if node.restart.is_none() {
                    return Err(NemesisError::Config(format!(
                        "node {i} has no restart command: killing it could not be healed"
                    )));
                }
                if let (Some(pid), false) = (node.pid, node.killed) {
                    signal(pid, libc::SIGKILL)?;
                    if let Some(mut child) = node.child.take() {
                        let _ = child.wait();
                    }
                    node.killed = true;
                    node.paused = false;
                    node.pid = None;
                }
            }
            Ok(())
        })
    }

    /// Continues paused processes and restarts killed ones; returns the restarted nodes.
    fn resume_and_restart(&self) -> Result<(Vec<usize>, Vec<usize>), NemesisError> {
        self.with(|nodes| {
            let mut resumed = Vec::new();
            let mut restarted = Vec::new();
            for (i, node) in nodes.iter_mut().enumerate() {
                if node.paused {
                    if let Some(pid) = node.pid {
                        signal(pid, libc::SIGCONT)?;
                    }
                    node.paused = false;
                    resumed.push(i);
                }
                if node.killed {
                    let spec = node.restart.as_ref().ok_or_else(|| {
                        NemesisError::Config(format!("node {i} cannot be restarted"))
                    })?;
                    let log = OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&spec.log)
                        .map_err(|e| NemesisError::Action(format!("log for node {i}: {e}")))?;
                    let child = Command::new(&spec.program)
                        .args(&spec.args)
                        .envs(spec.env.iter().map(|(k, v)| (k, v)))
                        .stdin(Stdio::null())
                        .stdout(Stdio::null())
                        .stderr(log)
                        .spawn()
                        .map_err(|e| NemesisError::Action(format!("restarting node {i}: {e}")))?;
                    node.pid = i32::try_from(child.id()).ok();
                    node.child = Some(child);
                    node.killed = false;
                    restarted.push(i);
                }
            }
            Ok((resumed, restarted))
        })
    }

    /// Waits until node `i` answers `sys/seal-status`, then unseals it if keys were given.
    async fn revive(&self, cluster: &Cluster, i: usize) -> Result<(), NemesisError> {
        let keys = self.with(|nodes| {
            nodes
                .get(i)
                .and_then(|n| n.restart.as_ref())
                .map(|r| r.unseal_keys.clone())
                .unwrap_or_default()
        });
        let deadline = tokio::time::Instant::now() + self.restart_timeout;
        loop {
            if let Ok(r) = cluster.call_anonymous(i, "sys/seal-status").await
                && r.status == 200
            {
                if r.body["sealed"] == Value::Bool(false) || keys.is_empty() {
                    return Ok(());
                }
                for key in &keys {
                    let body = json!({ "key": key.expose() });
                    cluster
                        .call(i, Method::PUT, "sys/unseal", Some(&body), None)
                        .await
                        .map_err(|e| NemesisError::Action(format!("unsealing node {i}: {e}")))?;
                }
                continue;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(NemesisError::Action(format!(
                    "node {i} did not come back within {:?}",
                    self.restart_timeout
                )));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

#[async_trait]
impl Nemesis for ProcessNemesis {
    fn name(&self) -> &'static str {
        match self.faults {
            ProcessFaults::Pause => "pause",
            ProcessFaults::Kill => "kill",
            ProcessFaults::Both => "kill+pause",
        }
    }

    async fn start(
        &self,
        fault: &Fault,
        cluster: &Cluster,
        rng: &mut StdRng,
    ) -> Result<Value, NemesisError> {
        let unsupported = || NemesisError::Unsupported {
            nemesis: self.name(),
            fault: fault.name().into(),
        };
        match (fault, self.faults) {
            (Fault::Pause(t), ProcessFaults::Pause | ProcessFaults::Both) => {
                let nodes = resolve(*t, cluster, rng).await;
                self.pause(&nodes)?;
                Ok(json!({ "fault": "pause", "nodes": nodes }))
            }
            (Fault::Kill(t), ProcessFaults::Kill | ProcessFaults::Both) => {
                let nodes = resolve(*t, cluster, rng).await;
                self.kill(&nodes)?;
                Ok(json!({ "fault": "kill", "nodes": nodes }))
            }
            _ => Err(unsupported()),
        }
    }

    async fn heal(&self, cluster: &Cluster) -> Result<Value, NemesisError> {
        let (resumed, restarted) = self.resume_and_restart()?;
        for &i in &restarted {
            self.revive(cluster, i).await?;
        }
        Ok(json!({ "resumed": resumed, "restarted": restarted }))
    }
}

impl Drop for ProcessNemesis {
    /// Never leave a process stopped behind, whatever happened to the run.
    fn drop(&mut self) {
        let nodes = self.nodes.get_mut().unwrap_or_else(|p| p.into_inner());
        for node in nodes.iter_mut() {
            if let (true, Some(pid)) = (node.paused, node.pid) {
                let _ = signal(pid, libc::SIGCONT);
                node.paused = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_dangerous_pids() {
        assert!(NodeProcess::new(0, None).is_err());
        assert!(NodeProcess::new(1, None).is_err());
        assert!(NodeProcess::new(std::process::id(), None).is_err());
        assert!(NodeProcess::new(u32::MAX, None).is_err());
    }

    #[test]
    fn pause_and_resume_a_real_process() {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        let node = NodeProcess::new(child.id(), None).unwrap();
        let nemesis = ProcessNemesis::new(ProcessFaults::Pause, vec![node]);
        nemesis.pause(&[0]).unwrap();
        assert!(
            eventually(|| proc_state(child.id()) == Some('T')),
            "stopped"
        );
        // Killing is refused without a restart command.
        assert!(matches!(nemesis.kill(&[0]), Err(NemesisError::Config(_))));
        let (resumed, restarted) = nemesis.resume_and_restart().unwrap();
        assert_eq!((resumed, restarted), (vec![0], vec![]));
        assert!(
            eventually(|| proc_state(child.id()) != Some('T')),
            "running again"
        );
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[test]
    fn kill_and_restart_a_real_process() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = Command::new("sleep").arg("30").spawn().unwrap();
        let restart = Restart {
            program: "sleep".into(),
            args: vec!["30".into()],
            env: Vec::new(),
            log: dir.path().join("node.log"),
            unseal_keys: Vec::new(),
        };
        let node = NodeProcess::new(first.id(), Some(restart)).unwrap();
        let nemesis = ProcessNemesis::new(ProcessFaults::Kill, vec![node]);
        nemesis.kill(&[0]).unwrap();
        let status = first.wait().unwrap();
        assert!(!status.success(), "killed by SIGKILL");
        let (_, restarted) = nemesis.resume_and_restart().unwrap();
        assert_eq!(restarted, vec![0]);
        let pid = nemesis.with(|n| n[0].pid).unwrap();
        assert_ne!(pid as u32, first.id());
        assert!(proc_state(pid as u32).is_some(), "restarted process exists");
        // Clean up the restarted process through the nemesis (it reaps its own child).
        nemesis.with(|n| {
            n[0].restart = Some(Restart {
                program: "true".into(),
                args: vec![],
                env: Vec::new(),
                log: dir.path().join("node.log"),
                unseal_keys: Vec::new(),
            })
        });
        nemesis.kill(&[0]).unwrap();
    }

    /// Polls `cond` for up to five seconds (signals are delivered asynchronously).
    fn eventually(cond: impl Fn() -> bool) -> bool {
        for _ in 0..500 {
            if cond() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    /// The state letter of a process from /proc (R, S, T, Z, ...).
    fn proc_state(pid: u32) -> Option<char> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let after = stat.rsplit_once(") ")?.1;
        after.chars().next()
    }
}
