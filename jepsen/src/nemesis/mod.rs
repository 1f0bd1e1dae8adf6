//! Nemeses: fault injectors, and the schedule that drives them.
//!
//! A nemesis starts a [`Fault`] and later heals everything it broke; the runner records
//! both as `fault-start` / `fault-stop` events in the history, so the report can draw
//! faults next to operations. Every nemesis heals before the final reads. Process faults
//! on processes started elsewhere (SIGKILL with restart, SIGSTOP/SIGCONT) live in
//! [`process`]; [`local`] serves every fault (also partitions, membership changes, clock
//! skew and slow disks) on a [`crate::cluster::LocalCluster`] the harness started itself;
//! [`partition`] computes the partition shapes.

use std::time::Duration;

use async_trait::async_trait;
use rand::Rng;
use rand::rngs::StdRng;
use reqwest::Method;
use serde::Serialize;
use serde_json::Value;
use thiserror::Error;

use crate::client::Cluster;

pub mod local;
pub mod partition;
pub mod process;

pub use partition::Shape;

/// A fault could not be started or healed: a harness failure.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum NemesisError {
    /// This nemesis cannot inject that fault.
    #[error("{nemesis} cannot inject {fault}")]
    Unsupported {
        /// The nemesis.
        nemesis: &'static str,
        /// The fault.
        fault: String,
    },
    /// The fault needs something the configuration does not provide.
    #[error("nemesis configuration: {0}")]
    Config(String),
    /// An action failed.
    #[error("nemesis action failed: {0}")]
    Action(String),
}

/// Which nodes a fault hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Targets {
    /// One node chosen at random.
    Random,
    /// The current leader (from `sys/leader`; a random node when unknown).
    Leader,
    /// A given node.
    Node(usize),
    /// A random majority.
    Majority,
    /// Every node.
    All,
}

/// A fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "fault", content = "targets", rename_all = "kebab-case")]
pub enum Fault {
    /// SIGKILL, restarted on heal.
    Kill(Targets),
    /// SIGSTOP, SIGCONT on heal.
    Pause(Targets),
    /// Network partition of a shape; healed by removing every rule.
    Partition(Shape),
    /// Remove one node from the raft configuration and wipe its data; on heal it rejoins
    /// as a new node.
    Membership(Targets),
    /// Skew the wall clock of the nodes by `seconds` (either direction, chosen at random);
    /// reset on heal.
    Clock {
        /// Which nodes.
        nodes: Targets,
        /// Size of the offset.
        seconds: i64,
    },
    /// Delay every fsync of the nodes by `ms`; removed on heal.
    Disk {
        /// Which nodes.
        nodes: Targets,
        /// Delay per fsync.
        ms: u64,
    },
}

impl Fault {
    /// Short name for reports.
    pub fn name(&self) -> &'static str {
        match self {
            Fault::Kill(_) => "kill",
            Fault::Pause(_) => "pause",
            Fault::Partition(_) => "partition",
            Fault::Membership(_) => "membership",
            Fault::Clock { .. } => "clock",
            Fault::Disk { .. } => "disk",
        }
    }
}

/// A fault injector.
#[async_trait]
pub trait Nemesis: Send + Sync {
    /// Its name, for reports.
    fn name(&self) -> &'static str;
    /// Starts `fault`; returns a description of what was done, for the history.
    async fn start(
        &self,
        fault: &Fault,
        cluster: &Cluster,
        rng: &mut StdRng,
    ) -> Result<Value, NemesisError>;
    /// Heals everything this nemesis broke; idempotent.
    async fn heal(&self, cluster: &Cluster) -> Result<Value, NemesisError>;
}

/// When faults happen: after `quiet`, repeatedly start the next fault of `faults` (in
/// turn), keep it for `fault_for`, heal, and stay healthy for `heal_for`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Healthy time before the first fault.
    pub quiet: Duration,
    /// How long each fault lasts.
    pub fault_for: Duration,
    /// Healthy time between faults.
    pub heal_for: Duration,
    /// The faults, used in turn.
    pub faults: Vec<Fault>,
}

impl Schedule {
    /// No faults at all.
    pub fn none() -> Self {
        Schedule {
            quiet: Duration::ZERO,
            fault_for: Duration::ZERO,
            heal_for: Duration::ZERO,
            faults: Vec::new(),
        }
    }

    /// The `i`-th fault (cycling), if there are any.
    pub fn fault(&self, i: usize) -> Option<&Fault> {
        if self.faults.is_empty() {
            None
        } else {
            self.faults.get(i % self.faults.len())
        }
    }
}

/// Resolves `targets` to node positions among `n` nodes.
pub async fn resolve(targets: Targets, cluster: &Cluster, rng: &mut StdRng) -> Vec<usize> {
    let n = cluster.len();
    match targets {
        Targets::Random => vec![rng.random_range(0..n)],
        Targets::Node(i) => vec![i % n],
        Targets::All => (0..n).collect(),
        Targets::Majority => {
            let mut all: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                all.swap(i, rng.random_range(0..=i));
            }
            all.truncate(n / 2 + 1);
            all.sort_unstable();
            all
        }
        Targets::Leader => match leader(cluster).await {
            Some(i) => vec![i],
            None => vec![rng.random_range(0..n)],
        },
    }
}

/// The position of the leader among the cluster's nodes, asking each node in turn.
pub async fn leader(cluster: &Cluster) -> Option<usize> {
    for node in 0..cluster.len() {
        let Ok(reply) = cluster
            .call(node, Method::GET, "sys/leader", None, None)
            .await
        else {
            continue;
        };
        let Some(addr) = reply.body["leader_address"].as_str() else {
            continue;
        };
        let Ok(url) = reqwest::Url::parse(addr) else {
            continue;
        };
        if let Some(i) = (0..cluster.len()).find(|&i| {
            let u = cluster.node_url(i);
            u.host_str() == url.host_str()
                && u.port_or_known_default() == url.port_or_known_default()
        }) {
            return Some(i);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Token;
    use rand::SeedableRng;

    #[test]
    fn schedule_cycles_faults() {
        let s = Schedule {
            faults: vec![Fault::Pause(Targets::Random), Fault::Kill(Targets::Leader)],
            ..Schedule::none()
        };
        assert_eq!(s.fault(0), Some(&Fault::Pause(Targets::Random)));
        assert_eq!(s.fault(3), Some(&Fault::Kill(Targets::Leader)));
        assert_eq!(Schedule::none().fault(0), None);
        assert_eq!(
            serde_json::to_value(Fault::Kill(Targets::Node(2))).unwrap(),
            serde_json::json!({"fault": "kill", "targets": {"node": 2}})
        );
    }

    #[tokio::test]
    async fn targets_resolve_to_valid_nodes() {
        let nodes: Vec<String> = (1..=5).map(|i| format!("http://127.0.0.1:{i}")).collect();
        let c = Cluster::new(&nodes, Token::new("t"), Duration::from_millis(100)).unwrap();
        let mut rng = StdRng::seed_from_u64(1);
        let m = resolve(Targets::Majority, &c, &mut rng).await;
        assert_eq!(m.len(), 3);
        assert!(m.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(
            resolve(Targets::All, &c, &mut rng).await,
            vec![0, 1, 2, 3, 4]
        );
        assert_eq!(resolve(Targets::Node(7), &c, &mut rng).await, vec![2]);
        assert!(resolve(Targets::Random, &c, &mut rng).await[0] < 5);
        // Nothing answers: the leader is unknown and a random node is used.
        assert_eq!(resolve(Targets::Leader, &c, &mut rng).await.len(), 1);
    }
}
