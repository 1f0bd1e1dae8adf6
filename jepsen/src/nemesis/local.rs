//! Every fault, on a cluster the harness started itself ([`LocalCluster`]): kills,
//! pauses, network partitions, membership changes (remove, wipe, rejoin), wall-clock skew
//! and fsync delays. One nemesis serves them all so that a `chaos` schedule can mix them;
//! `heal` undoes whatever is in place, in an order that lets the cluster recover: network
//! first, then paused processes, clocks and disks, then restarts, then rejoins.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::partition::{self, Shape};
use super::{Fault, Nemesis, NemesisError, leader, resolve};
use crate::client::Cluster;
use crate::cluster::{ClusterError, LocalCluster};

impl From<ClusterError> for NemesisError {
    fn from(e: ClusterError) -> Self {
        match e {
            ClusterError::Config(m) => NemesisError::Config(m),
            other => NemesisError::Action(other.to_string()),
        }
    }
}

/// Node `i`'s wall clock minus ours, from `server_time_utc` in its `sys/health`.
async fn skew(cluster: &Cluster, i: usize) -> Option<i64> {
    let r = cluster
        .call_anonymous(i, "sys/health?standbyok=true&sealedcode=200&uninitcode=200")
        .await
        .ok()?;
    let theirs = r.body["server_time_utc"].as_i64()?;
    let ours = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs() as i64;
    Some(theirs - ours)
}

/// Waits (libfaketime re-reads its file every second) until node `i` reports a clock
/// `expected` seconds off (give or take 5 s); returns the skew seen.
async fn wait_for_skew(cluster: &Cluster, i: usize, expected: i64) -> Result<i64, NemesisError> {
    let mut last = None;
    for _ in 0..40 {
        last = skew(cluster, i).await;
        if let Some(s) = last
            && (s - expected).abs() <= 5
        {
            return Ok(s);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Err(NemesisError::Action(format!(
        "node {i} did not take the clock offset {expected} s (last seen: {last:?})"
    )))
}

/// What is broken right now.
#[derive(Debug, Default)]
struct Broken {
    killed: BTreeSet<usize>,
    removed: BTreeSet<usize>,
    clocks: BTreeSet<usize>,
    disks: BTreeSet<usize>,
}

/// The nemesis over a [`LocalCluster`].
#[derive(Debug)]
pub struct LocalNemesis {
    name: &'static str,
    cluster: Arc<LocalCluster>,
    broken: Mutex<Broken>,
}

impl LocalNemesis {
    /// A nemesis called `name` (for reports) over `cluster`.
    pub fn new(name: &'static str, cluster: Arc<LocalCluster>) -> Self {
        LocalNemesis {
            name,
            cluster,
            broken: Mutex::new(Broken::default()),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Broken) -> R) -> R {
        let mut g = self.broken.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }
}

#[async_trait]
impl Nemesis for LocalNemesis {
    fn name(&self) -> &'static str {
        self.name
    }

    async fn start(
        &self,
        fault: &Fault,
        cluster: &Cluster,
        rng: &mut StdRng,
    ) -> Result<Value, NemesisError> {
        let c = &self.cluster;
        match *fault {
            Fault::Kill(t) => {
                let nodes = resolve(t, cluster, rng).await;
                for &i in &nodes {
                    c.kill(i)?;
                    self.with(|b| b.killed.insert(i));
                }
                Ok(json!({ "fault": "kill", "nodes": nodes }))
            }
            Fault::Pause(t) => {
                let nodes = resolve(t, cluster, rng).await;
                for &i in &nodes {
                    c.pause(i)?;
                }
                Ok(json!({ "fault": "pause", "nodes": nodes }))
            }
            Fault::Partition(shape) => {
                let l = if shape == Shape::LeaderIsolated {
                    leader(cluster).await
                } else {
                    None
                };
                let blocked = partition::blocked(shape, c.len(), l, rng);
                c.partition(&blocked)?;
                let views: Vec<Vec<usize>> = (0..c.len())
                    .map(|i| partition::visible(i, c.len(), &blocked))
                    .collect();
                Ok(json!({ "fault": "partition", "shape": shape, "leader": l, "sees": views }))
            }
            Fault::Membership(t) => {
                // One node at a time: removing several could leave no quorum to rejoin.
                let Some(&i) = resolve(t, cluster, rng).await.first() else {
                    return Err(NemesisError::Config("no node to remove".into()));
                };
                let id = c.node_id(i);
                // Marked first: if removal fails half-way, heal still brings it back.
                self.with(|b| b.removed.insert(i));
                c.remove_and_wipe(i).await?;
                Ok(json!({ "fault": "membership", "removed": i, "node_id": id }))
            }
            Fault::Clock { nodes, seconds } => {
                if !c.has_clock() {
                    return Err(NemesisError::Config(
                        "the clock fault needs libfaketime (Debian package `faketime`)".into(),
                    ));
                }
                let nodes = resolve(nodes, cluster, rng).await;
                let mut offsets = Vec::new();
                for &i in &nodes {
                    let s = if rng.random_bool(0.5) {
                        seconds
                    } else {
                        -seconds
                    };
                    c.set_clock_offset(i, s)?;
                    self.with(|b| b.clocks.insert(i));
                    offsets.push(s);
                }
                // A skew nobody sees is no fault: check each node's own idea of the time.
                let mut observed = Vec::new();
                for (&i, &s) in nodes.iter().zip(&offsets) {
                    observed.push(wait_for_skew(cluster, i, s).await?);
                }
                Ok(json!({
                    "fault": "clock",
                    "nodes": nodes,
                    "offset_seconds": offsets,
                    "observed_seconds": observed,
                }))
            }
            Fault::Disk { nodes, ms } => {
                if !c.has_disk() {
                    return Err(NemesisError::Config(
                        "the disk fault needs the fsync shim (a C compiler)".into(),
                    ));
                }
                let nodes = resolve(nodes, cluster, rng).await;
                for &i in &nodes {
                    c.set_fsync_delay(i, ms)?;
                    self.with(|b| b.disks.insert(i));
                }
                Ok(json!({ "fault": "disk", "nodes": nodes, "fsync_delay_ms": ms }))
            }
        }
    }

    async fn heal(&self, _cluster: &Cluster) -> Result<Value, NemesisError> {
        let c = &self.cluster;
        c.heal_network()?;
        let resumed = c.resume_all()?;
        let (clocks, disks) =
            self.with(|b| (std::mem::take(&mut b.clocks), std::mem::take(&mut b.disks)));
        for &i in &clocks {
            c.set_clock_offset(i, 0)?;
        }
        for &i in &disks {
            c.set_fsync_delay(i, 0)?;
        }
        let killed = self.with(|b| std::mem::take(&mut b.killed));
        let removed = self.with(|b| b.removed.clone());
        let mut restarted = Vec::new();
        for &i in &killed {
            if removed.contains(&i) {
                continue;
            }
            if c.down().contains(&i) {
                if let Err(e) = c.restart(i).await {
                    self.with(|b| b.killed.insert(i));
                    return Err(e.into());
                }
                restarted.push(i);
            }
        }
        let mut rejoined = Vec::new();
        for &i in &removed {
            if !c.down().contains(&i) {
                // Removal failed before the kill: take it out now so it rejoins cleanly.
                c.remove_and_wipe(i).await?;
            }
            c.rejoin(i).await?;
            self.with(|b| b.removed.remove(&i));
            rejoined.push(i);
        }
        Ok(json!({
            "resumed": resumed,
            "restarted": restarted,
            "rejoined": rejoined,
            "clocks_reset": clocks,
            "disks_reset": disks,
        }))
    }
}
