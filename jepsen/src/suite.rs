//! `arca-jepsen suite`: the whole method end to end on this machine. For every nemesis
//! and run it starts a fresh local cluster (one network namespace per node, see
//! [`crate::cluster`]), runs a workload under that nemesis's schedule, heals, checks,
//! writes the run's report, tears the cluster down, and finally writes the summary across
//! runs. A run whose cluster cannot be built or healed is a harness failure, never a pass.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::ValueEnum;

use crate::app::{AppError, write_summary};
use crate::checker::{Limits, check_history};
use crate::cli::SuiteArgs;
use crate::client::Cluster;
use crate::cluster::{ClusterSpec, LocalCluster, find_faketime, netns, shim};
use crate::history::Op;
use crate::nemesis::local::LocalNemesis;
use crate::nemesis::{Fault, Nemesis, Schedule, Shape, Targets};
use crate::report::{Outcome, RunInfo, RunReport, Summary};
use crate::runner::{RunConfig, run};
use crate::workload::{self, WorkloadConfig, WorkloadKind};

/// A nemesis of the suite: a name and the faults its schedule cycles through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SuiteNemesis {
    /// No faults (a baseline).
    None,
    /// Network partitions: leader isolated, random halves, bridge, majority ring.
    Partition,
    /// SIGKILL of a random node, the leader, a majority; restarted on heal.
    Kill,
    /// SIGSTOP of a random node, the leader, a majority; SIGCONT on heal.
    Pause,
    /// Remove a node (random or the leader) from raft, wipe it; it rejoins on heal.
    Membership,
    /// Wall-clock skew of the leader, a random node, a majority (libfaketime).
    Clock,
    /// fsync delays on the leader, a random node, a majority (LD_PRELOAD shim).
    Disk,
    /// All of the above, one after the other.
    Chaos,
}

impl SuiteNemesis {
    /// Name for reports.
    pub fn name(self) -> &'static str {
        match self {
            SuiteNemesis::None => "none",
            SuiteNemesis::Partition => "partition",
            SuiteNemesis::Kill => "kill",
            SuiteNemesis::Pause => "pause",
            SuiteNemesis::Membership => "membership",
            SuiteNemesis::Clock => "clock",
            SuiteNemesis::Disk => "disk",
            SuiteNemesis::Chaos => "chaos",
        }
    }

    /// The faults of this nemesis's schedule, in order.
    pub fn faults(self) -> Vec<Fault> {
        let partition: Vec<Fault> = Shape::ALL.iter().map(|&s| Fault::Partition(s)).collect();
        let kill = vec![
            Fault::Kill(Targets::Random),
            Fault::Kill(Targets::Leader),
            Fault::Kill(Targets::Majority),
        ];
        let pause = vec![
            Fault::Pause(Targets::Leader),
            Fault::Pause(Targets::Random),
            Fault::Pause(Targets::Majority),
        ];
        let membership = vec![
            Fault::Membership(Targets::Random),
            Fault::Membership(Targets::Leader),
        ];
        let clock = vec![
            Fault::Clock {
                nodes: Targets::Leader,
                seconds: 30,
            },
            Fault::Clock {
                nodes: Targets::Random,
                seconds: 300,
            },
            Fault::Clock {
                nodes: Targets::Majority,
                seconds: 1_800,
            },
        ];
        let disk = vec![
            Fault::Disk {
                nodes: Targets::Leader,
                ms: 200,
            },
            Fault::Disk {
                nodes: Targets::Random,
                ms: 500,
            },
            Fault::Disk {
                nodes: Targets::Majority,
                ms: 100,
            },
        ];
        match self {
            SuiteNemesis::None => Vec::new(),
            SuiteNemesis::Partition => partition,
            SuiteNemesis::Kill => kill,
            SuiteNemesis::Pause => pause,
            SuiteNemesis::Membership => membership,
            SuiteNemesis::Clock => clock,
            SuiteNemesis::Disk => disk,
            SuiteNemesis::Chaos => {
                // Interleave the lists so every kind of fault comes early in a short run.
                let lists = [partition, kill, membership, clock, pause, disk];
                let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
                let mut out = Vec::new();
                for i in 0..longest {
                    for l in &lists {
                        if let Some(f) = l.get(i) {
                            out.push(*f);
                        }
                    }
                }
                out
            }
        }
    }

    fn needs_clock(self) -> bool {
        matches!(self, SuiteNemesis::Clock | SuiteNemesis::Chaos)
    }

    fn needs_disk(self) -> bool {
        matches!(self, SuiteNemesis::Disk | SuiteNemesis::Chaos)
    }
}

/// The `arca` binary: `--arca-bin`, or `arca` next to this executable.
fn arca_bin(args: &SuiteArgs) -> Result<PathBuf, AppError> {
    if let Some(p) = &args.arca_bin {
        return Ok(p.clone());
    }
    std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(|d| d.join("arca")))
        .filter(|p| p.exists())
        .ok_or_else(|| AppError::Usage("no arca binary: pass --arca-bin (or set ARCA_BIN)".into()))
}

/// `arca-jepsen suite`: every nemesis × runs; returns the summary outcome.
pub async fn suite_command(args: &SuiteArgs) -> Result<Outcome, AppError> {
    let stale = netns::remove_stale();
    if !stale.is_empty() {
        eprintln!("removed {} namespaces left by an earlier run", stale.len());
    }
    std::fs::create_dir_all(&args.out)
        .map_err(|e| AppError::Io(format!("creating {}: {e}", args.out.display())))?;
    let bin = arca_bin(args)?;
    let needs_clock = args.nemeses.iter().any(|n| n.needs_clock());
    let needs_disk = args.nemeses.iter().any(|n| n.needs_disk());
    // A missing tool fails the runs that need it (harness failure), not the others.
    let faketime = if needs_clock { find_faketime() } else { None };
    let shim = if needs_disk {
        match shim::build(&args.out.join("shim")) {
            Ok(p) => Some(p),
            Err(e) => {
                eprintln!("disk fault unavailable: {e}");
                None
            }
        }
    } else {
        None
    };
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    });
    let workloads = if args.workloads.is_empty() {
        vec![WorkloadKind::Register]
    } else {
        args.workloads.clone()
    };
    let mut reports = Vec::new();
    let mut seq = 0u32;
    for &nemesis in &args.nemeses {
        for r in 0..args.runs.max(1) {
            let wl = workloads[r % workloads.len()];
            let id = format!("{}-{}-{r}", nemesis.name(), wl.name());
            let dir = args.out.join(&id);
            std::fs::create_dir_all(&dir)
                .map_err(|e| AppError::Io(format!("creating {}: {e}", dir.display())))?;
            let spec = ClusterSpec {
                arca_bin: bin.clone(),
                nodes: args.nodes,
                dir: dir.join("cluster"),
                faketime: faketime.clone().filter(|_| nemesis.needs_clock()),
                fsync_shim: shim.clone().filter(|_| nemesis.needs_disk()),
                timeout: Duration::from_secs(args.cluster_timeout),
            };
            seq += 1;
            let run_seed = seed.wrapping_add(seq as u64 * 1_000);
            let (report, ops) = one_run(args, &id, nemesis, wl, spec, seq, run_seed).await;
            report.write(&dir, &ops).map_err(|e| {
                AppError::Io(format!("writing the report in {}: {e}", dir.display()))
            })?;
            println!("{}", report.one_line());
            for a in report.anomalies.iter().take(10) {
                println!("  {} on {}: {}", a.kind.name(), a.key, a.detail);
            }
            // Keep the logs, drop the data.
            remove_data(&dir.join("cluster"), args.nodes);
            reports.push(report);
            // Write the summary after every run, so an interrupted suite still has one.
            write_summary(&args.out, &Summary::of(&reports))?;
        }
    }
    let summary = Summary::of(&reports);
    write_summary(&args.out, &summary)?;
    print_table(&summary);
    Ok(summary.outcome)
}

fn remove_data(cluster_dir: &Path, nodes: usize) {
    for i in 0..nodes {
        let _ = std::fs::remove_dir_all(cluster_dir.join(format!("node{i}")).join("data"));
    }
}

/// One run on a fresh cluster: its report and history; every failure becomes a harness
/// failure in the report.
async fn one_run(
    args: &SuiteArgs,
    id: &str,
    nemesis: SuiteNemesis,
    wl: WorkloadKind,
    spec: ClusterSpec,
    seq: u32,
    seed: u64,
) -> (RunReport, Vec<Op>) {
    let started = Instant::now();
    let dir = args.out.join(id);
    let info = |elapsed| RunInfo {
        id: id.to_string(),
        workload: wl.name().into(),
        nemesis: nemesis.name().into(),
        elapsed,
    };
    let failed = |msg: String| {
        let r = RunReport::build(
            info(started.elapsed()),
            &[],
            vec![msg],
            check_history(&[], &Limits::default()),
        );
        (r, Vec::new())
    };
    let local = match LocalCluster::start(spec, seq).await {
        Ok(c) => Arc::new(c),
        Err(e) => return failed(format!("starting the cluster: {e}")),
    };
    let client = match Cluster::new(
        local.urls(),
        local.root_token(),
        Duration::from_millis(args.timeout_ms.max(1)),
    ) {
        Ok(c) => Arc::new(c),
        Err(e) => return failed(format!("client: {e}")),
    };
    let faults = nemesis.faults();
    let nem: Option<Arc<dyn Nemesis>> = if faults.is_empty() {
        None
    } else {
        Some(Arc::new(LocalNemesis::new(nemesis.name(), local.clone())))
    };
    let cfg = RunConfig {
        concurrency: args.concurrency,
        max_ops: args.ops,
        duration: Duration::from_secs(args.seconds),
        seed,
        schedule: Schedule {
            quiet: Duration::from_secs_f64(args.quiet_seconds.clamp(0.0, 3600.0)),
            fault_for: Duration::from_secs_f64(args.fault_seconds.clamp(0.0, 3600.0)),
            heal_for: Duration::from_secs_f64(args.heal_seconds.clamp(0.0, 3600.0)),
            faults,
        },
        history: Some(dir.join("history.jsonl")),
        recovery: Duration::from_secs(args.cluster_timeout),
        // A cluster may answer health checks well before it serves reads again.
        final_read_time: Duration::from_secs(args.cluster_timeout),
        ..RunConfig::default()
    };
    let workload = workload::build(
        wl,
        WorkloadConfig {
            mount: "secret".into(),
            prefix: format!("jepsen/{id}"),
            active_keys: args.keys,
            ops_per_key: args.ops_per_key,
        },
    );
    let out = run(client, workload, nem.clone(), &cfg).await;
    let limits = Limits {
        max_ops: args.limits.max_ops_per_key,
        max_steps: args.limits.max_steps,
    };
    let check = check_history(&out.ops, &limits);
    drop(nem);
    drop(local);
    let report = RunReport::build(info(out.elapsed), &out.ops, out.harness_failures, check);
    (report, out.ops)
}

/// Prints the per-nemesis table.
fn print_table(summary: &Summary) {
    println!(
        "{:<12} {:>5} {:>8} {:>10} {:>6} {:>8} {:>8} {:>8}",
        "nemesis", "runs", "ops", "anomalies", "pass", "violate", "unknown", "harness"
    );
    for (name, t) in &summary.per_nemesis {
        println!(
            "{:<12} {:>5} {:>8} {:>10} {:>6} {:>8} {:>8} {:>8}",
            name, t.runs, t.ops, t.anomalies, t.passes, t.violations, t.unknown, t.harness_failures
        );
    }
    let t = &summary.total;
    println!(
        "summary: {} runs, {} ops, {} anomalies, {} harness failures -> {}",
        t.runs,
        t.ops,
        t.anomalies,
        t.harness_failures,
        summary.outcome.name()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_nemesis_has_its_faults_and_chaos_has_them_all() {
        assert!(SuiteNemesis::None.faults().is_empty());
        for n in [
            SuiteNemesis::Partition,
            SuiteNemesis::Kill,
            SuiteNemesis::Pause,
            SuiteNemesis::Membership,
            SuiteNemesis::Clock,
            SuiteNemesis::Disk,
        ] {
            let f = n.faults();
            assert!(!f.is_empty());
            assert!(f.iter().all(|f| f.name() == n.name()), "{n:?}");
        }
        let chaos = SuiteNemesis::Chaos.faults();
        let mut kinds: Vec<&str> = chaos.iter().map(Fault::name).collect();
        // The first six faults are six different kinds.
        let first: std::collections::BTreeSet<&str> = kinds[..6].iter().copied().collect();
        assert_eq!(first.len(), 6, "{kinds:?}");
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), 6);
    }
}
