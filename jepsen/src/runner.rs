//! One run: concurrent clients drive a workload for a bounded time and operation count
//! while the nemesis follows its schedule; then every fault heals, the cluster gets time
//! to recover, and every object is read one last time.
//!
//! The run always ends by itself: clients stop at the deadline or the operation budget,
//! every request has a timeout, and the final phase is bounded too. Anything that keeps
//! the run from producing a trustworthy history is collected as a harness failure.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;
use tokio::sync::watch;

use crate::client::Cluster;
use crate::history::{F, Kind, Op, Process};
use crate::nemesis::{Nemesis, Schedule};
use crate::recorder::Recorder;
use crate::workload::{Completion, Invocation, Workload};

/// Pause of a client after an operation that did not succeed.
const ERROR_BACKOFF: Duration = Duration::from_millis(20);
/// Pause between two attempts of a final read.
const FINAL_READ_PAUSE: Duration = Duration::from_millis(250);

/// Settings of one run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Concurrent clients.
    pub concurrency: usize,
    /// Most client operations (final reads not counted).
    pub max_ops: u64,
    /// Longest time clients keep going.
    pub duration: Duration,
    /// Seeds every client's random choices.
    pub seed: u64,
    /// When the nemesis acts.
    pub schedule: Schedule,
    /// Where the history is written (`None`: memory only).
    pub history: Option<PathBuf>,
    /// Longest wait for the cluster to answer again after healing.
    pub recovery: Duration,
    /// Least attempts per final read (each on the next node).
    pub final_attempts: usize,
    /// How long a final read keeps being retried (after `final_attempts`).
    pub final_read_time: Duration,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            concurrency: 5,
            max_ops: 1_000,
            duration: Duration::from_secs(30),
            seed: 0,
            schedule: Schedule::none(),
            history: None,
            recovery: Duration::from_secs(30),
            final_attempts: 5,
            final_read_time: Duration::from_secs(20),
        }
    }
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// Every event, in order.
    pub ops: Vec<Op>,
    /// Everything that went wrong in the harness (empty for a clean run).
    pub harness_failures: Vec<String>,
    /// Wall time of the whole run.
    pub elapsed: Duration,
}

struct Shared {
    cluster: Arc<Cluster>,
    workload: Arc<dyn Workload>,
    recorder: Recorder,
    next_process: AtomicU64,
    issued: AtomicU64,
    failures: Mutex<Vec<String>>,
}

impl Shared {
    fn fail(&self, msg: String) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(msg);
    }

    /// Invokes, performs and completes one operation; returns its completion.
    async fn perform(&self, process: u64, node: usize, inv: &Invocation) -> Completion {
        let mut op = Op::new(
            Process::Client(process),
            Kind::Invoke,
            inv.f,
            Some(inv.key.clone()),
            inv.args.clone(),
        );
        op.node = Some(node);
        self.recorder.record(op);
        let c = self.workload.invoke(&self.cluster, node, inv).await;
        let value = if c.kind == Kind::Ok {
            c.value.clone()
        } else {
            inv.args.clone()
        };
        let mut done = Op::new(
            Process::Client(process),
            c.kind,
            inv.f,
            Some(inv.key.clone()),
            value,
        );
        done.node = Some(node);
        done.error = c.error.clone();
        self.recorder.record(done);
        c
    }
}

/// Runs `workload` against `cluster` with `nemesis` following `cfg.schedule`.
pub async fn run(
    cluster: Arc<Cluster>,
    workload: Arc<dyn Workload>,
    nemesis: Option<Arc<dyn Nemesis>>,
    cfg: &RunConfig,
) -> RunOutput {
    let started = Instant::now();
    let recorder = match Recorder::new(cfg.history.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            return RunOutput {
                ops: Vec::new(),
                harness_failures: vec![e.to_string()],
                elapsed: started.elapsed(),
            };
        }
    };
    let concurrency = cfg.concurrency.max(1);
    let shared = Arc::new(Shared {
        cluster: cluster.clone(),
        workload: workload.clone(),
        recorder,
        next_process: AtomicU64::new(concurrency as u64),
        issued: AtomicU64::new(0),
        failures: Mutex::new(Vec::new()),
    });
    if let Err(e) = workload.setup(&cluster).await {
        let (ops, _) = shared.recorder.finish();
        return RunOutput {
            ops,
            harness_failures: vec![e.to_string()],
            elapsed: started.elapsed(),
        };
    }

    let (stop_tx, stop_rx) = watch::channel(false);
    let nemesis_task = nemesis.clone().map(|n| {
        let shared = shared.clone();
        let schedule = cfg.schedule.clone();
        let seed = cfg.seed ^ 0x006e_656d_6573_6973;
        tokio::spawn(async move { drive_nemesis(shared, n, schedule, seed, stop_rx).await })
    });

    let deadline = Instant::now() + cfg.duration;
    let mut clients = Vec::new();
    for c in 0..concurrency {
        let shared = shared.clone();
        let max_ops = cfg.max_ops;
        let seed = cfg.seed.wrapping_add(c as u64);
        clients.push(tokio::spawn(async move {
            client_loop(shared, c, max_ops, deadline, seed).await
        }));
    }
    for c in clients {
        if let Err(e) = c.await {
            shared.fail(format!("client task ended abnormally: {e}"));
        }
    }
    let _ = stop_tx.send(true);
    if let Some(task) = nemesis_task
        && let Err(e) = task.await
    {
        shared.fail(format!("nemesis task ended abnormally: {e}"));
    }

    wait_for_recovery(&shared, cfg.recovery).await;
    final_reads(
        &shared,
        concurrency,
        cfg.final_attempts.max(1),
        cfg.final_read_time,
    )
    .await;

    let (ops, write_error) = shared.recorder.finish();
    let mut harness_failures =
        std::mem::take(&mut *shared.failures.lock().unwrap_or_else(|p| p.into_inner()));
    if let Some(e) = write_error {
        harness_failures.push(format!("writing the history: {e}"));
    }
    RunOutput {
        ops,
        harness_failures,
        elapsed: started.elapsed(),
    }
}

async fn client_loop(
    shared: Arc<Shared>,
    client: usize,
    max_ops: u64,
    deadline: Instant,
    seed: u64,
) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut process = client as u64;
    let mut turn = client;
    while Instant::now() < deadline {
        if shared.issued.fetch_add(1, Ordering::Relaxed) >= max_ops {
            break;
        }
        let Some(inv) = shared.workload.next(&mut rng) else {
            break;
        };
        // Round-robin over the nodes, each client starting on a different one.
        let node = turn % shared.cluster.len();
        turn += 1;
        let c = shared.perform(process, node, &inv).await;
        if c.kind == Kind::Info {
            // The request may still be in flight: continue as a new process so no
            // process ever has two operations open.
            process = shared.next_process.fetch_add(1, Ordering::Relaxed);
        }
        if c.kind != Kind::Ok {
            // A refused connection fails instantly: back off a little so a dead node does
            // not eat the operation budget.
            tokio::time::sleep(ERROR_BACKOFF).await;
        }
    }
}

/// Sleeps for `d` unless the run stops first; returns true when stopped.
async fn sleep_or_stop(d: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    if *stop.borrow() {
        return true;
    }
    tokio::select! {
        _ = tokio::time::sleep(d) => *stop.borrow(),
        _ = stop.changed() => true,
    }
}

async fn drive_nemesis(
    shared: Arc<Shared>,
    nemesis: Arc<dyn Nemesis>,
    schedule: Schedule,
    seed: u64,
    mut stop: watch::Receiver<bool>,
) {
    let mut rng = StdRng::seed_from_u64(seed);
    let record = |kind, f, value: Value, error: Option<String>| {
        let mut op = Op::new(Process::Nemesis, kind, f, None, value);
        op.error = error;
        shared.recorder.record(op);
    };
    if !sleep_or_stop(schedule.quiet, &mut stop).await {
        let mut i = 0;
        while let Some(fault) = schedule.fault(i) {
            i += 1;
            let what = serde_json::to_value(fault).unwrap_or(Value::Null);
            record(Kind::Invoke, F::FaultStart, what.clone(), None);
            match nemesis.start(fault, &shared.cluster, &mut rng).await {
                Ok(v) => record(Kind::Ok, F::FaultStart, v, None),
                Err(e) => {
                    record(Kind::Fail, F::FaultStart, what, Some(e.to_string()));
                    shared.fail(format!("starting {}: {e}", fault.name()));
                }
            }
            // Every fault heals, also when the run stops during it.
            let stopped = sleep_or_stop(schedule.fault_for, &mut stop).await;
            heal(&shared, nemesis.as_ref(), &record).await;
            if stopped || sleep_or_stop(schedule.heal_for, &mut stop).await {
                break;
            }
        }
    }
}

async fn heal(
    shared: &Shared,
    nemesis: &dyn Nemesis,
    record: &impl Fn(Kind, F, Value, Option<String>),
) {
    record(Kind::Invoke, F::FaultStop, Value::Null, None);
    match nemesis.heal(&shared.cluster).await {
        Ok(v) => record(Kind::Ok, F::FaultStop, v, None),
        Err(e) => {
            record(Kind::Fail, F::FaultStop, Value::Null, Some(e.to_string()));
            shared.fail(format!("healing: {e}"));
        }
    }
}

/// Waits until every node answers `sys/health` (standbys count) and one of them is the
/// active node (right after a partition heals, standbys answer before a leader is
/// elected), or `limit` passes.
async fn wait_for_recovery(shared: &Shared, limit: Duration) {
    let deadline = Instant::now() + limit;
    let path = "sys/health?standbyok=true&perfstandbyok=true";
    loop {
        let mut healthy = 0;
        let mut active = false;
        for node in 0..shared.cluster.len() {
            if let Ok(r) = shared.cluster.call_anonymous(node, path).await
                && r.status == 200
            {
                healthy += 1;
                active |= r.body["standby"] == Value::Bool(false);
            }
        }
        if healthy == shared.cluster.len() && active {
            return;
        }
        if Instant::now() >= deadline {
            shared.fail(format!(
                "{limit:?} after healing, {healthy} of {} nodes healthy, {} active node",
                shared.cluster.len(),
                if active { "an" } else { "no" }
            ));
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Reads every object once more, retrying on the next node (with a short pause) until a
/// read completes: at least `attempts` tries, and until `limit` has passed.
async fn final_reads(shared: &Arc<Shared>, concurrency: usize, attempts: usize, limit: Duration) {
    let deadline = Instant::now() + limit;
    let queue = Arc::new(Mutex::new(VecDeque::from(shared.workload.final_reads())));
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let shared = shared.clone();
        let queue = queue.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let Some(inv) = queue.lock().unwrap_or_else(|p| p.into_inner()).pop_front() else {
                    break;
                };
                let mut ok = false;
                let mut attempt = 0;
                while attempt < attempts || Instant::now() < deadline {
                    let process = shared.next_process.fetch_add(1, Ordering::Relaxed);
                    let node = (w + attempt) % shared.cluster.len();
                    attempt += 1;
                    if shared.perform(process, node, &inv).await.kind == Kind::Ok {
                        ok = true;
                        break;
                    }
                    tokio::time::sleep(FINAL_READ_PAUSE).await;
                }
                if !ok {
                    shared.fail(format!(
                        "final {} of {} failed {attempt} times in {limit:?}",
                        inv.f.name(),
                        inv.key
                    ));
                }
            }
        }));
    }
    for t in tasks {
        if let Err(e) = t.await {
            shared.fail(format!("final read task ended abnormally: {e}"));
        }
    }
}
