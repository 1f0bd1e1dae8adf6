//! Runs one workload against a [`Target`] with N concurrent workers and collects latencies.
//!
//! Every request is timed with [`Instant`] around the whole call (send, wait, read body).
//! Successful requests go into a per-operation [`Histogram`]; failed ones are counted, by
//! operation and by error text, and never dropped from the totals.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rand::distr::Alphanumeric;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use thiserror::Error;

use crate::args::Stop;
use crate::histogram::Histogram;
use crate::target::{OpError, Target};
use crate::workload::{Op, Workload};

/// Distinct error texts kept per workload; further ones are counted under "other errors".
const MAX_ERROR_KINDS: usize = 16;
/// Tries per key when pre-populating, and the pause between them.
const POPULATE_ATTEMPTS: u32 = 3;
const POPULATE_BACKOFF: Duration = Duration::from_millis(if cfg!(test) { 1 } else { 200 });

/// Everything a workload run needs besides the target.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Operation mix.
    pub workload: Workload,
    /// When to stop.
    pub stop: Stop,
    /// Number of workers, each with one request in flight.
    pub concurrency: usize,
    /// Keys are `0..keys`, chosen uniformly.
    pub keys: u64,
    /// Prefix of every key name.
    pub key_prefix: String,
    /// Bytes per written value.
    pub value_size: usize,
    /// Share of reads in [`Workload::Mixed`].
    pub read_percent: u8,
    /// Base seed; worker `i` uses a seed derived from it.
    pub seed: u64,
}

/// Latencies (microseconds) of successful requests and the number of failed ones.
#[derive(Debug, Clone, Default)]
pub struct OpStats {
    /// Latency of every successful request, in microseconds.
    pub latency_us: Histogram,
    /// Requests that failed.
    pub errors: u64,
}

impl OpStats {
    /// Successful plus failed requests.
    pub fn requests(&self) -> u64 {
        self.latency_us.count() + self.errors
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &OpStats) {
        self.latency_us.merge(&other.latency_us);
        self.errors += other.errors;
    }
}

/// The outcome of one workload.
#[derive(Debug, Clone)]
pub struct WorkloadResult {
    /// Which workload ran.
    pub workload: Workload,
    /// Wall time from the first request to the last response.
    pub elapsed: Duration,
    /// Read requests.
    pub reads: OpStats,
    /// Write requests.
    pub writes: OpStats,
    /// Failed requests by `"<op>: <error text>"`.
    pub error_kinds: BTreeMap<String, u64>,
}

impl WorkloadResult {
    /// Reads and writes together.
    pub fn total(&self) -> OpStats {
        let mut t = self.reads.clone();
        t.merge(&self.writes);
        t
    }

    /// Failed share of all requests (0 when nothing ran).
    pub fn error_rate(&self) -> f64 {
        let t = self.total();
        if t.requests() == 0 {
            0.0
        } else {
            t.errors as f64 / t.requests() as f64
        }
    }
}

/// Why a run could not produce a result.
#[derive(Debug, Error)]
pub enum RunError {
    /// A worker task died (a bug; reported instead of silently losing its samples).
    #[error("a benchmark worker failed: {0}")]
    Worker(String),
    /// Keys for a read workload could not all be written.
    #[error("pre-populating keys failed for {failed} of {keys} keys; first error: {first}")]
    Populate {
        /// Keys that could not be written.
        failed: u64,
        /// Keys attempted.
        keys: u64,
        /// The first failure seen.
        first: OpError,
    },
}

/// The name of key number `n`.
pub fn key_name(prefix: &str, n: u64) -> String {
    format!("{prefix}/{n}")
}

/// A random printable value of `len` bytes.
fn random_value(rng: &mut impl Rng, len: usize) -> String {
    rng.sample_iter(Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Writes every key once, `concurrency` at a time, so reads find them (each key is tried
/// up to three times). Fails if a key cannot be written: a read benchmark over missing keys
/// would only measure 404s.
pub async fn populate<T: Target>(target: Arc<T>, plan: &Plan) -> Result<(), RunError> {
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::with_capacity(plan.concurrency);
    for w in 0..plan.concurrency {
        let (target, next) = (target.clone(), next.clone());
        let (keys, prefix) = (plan.keys, plan.key_prefix.clone());
        let mut rng = SmallRng::seed_from_u64(plan.seed ^ 0xfeed ^ w as u64);
        let value = random_value(&mut rng, plan.value_size);
        tasks.push(tokio::spawn(async move {
            let mut failed = 0u64;
            let mut first = None;
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= keys {
                    break;
                }
                // Setup, not measurement: a key that fails is retried a few times (a
                // cluster may briefly refuse writes, e.g. while a leader settles).
                let key = key_name(&prefix, n);
                let mut last = None;
                for attempt in 0..POPULATE_ATTEMPTS {
                    if attempt > 0 {
                        tokio::time::sleep(POPULATE_BACKOFF).await;
                    }
                    match target.write(&key, &value).await {
                        Ok(()) => {
                            last = None;
                            break;
                        }
                        Err(e) => last = Some(e),
                    }
                }
                if let Some(e) = last {
                    failed += 1;
                    first.get_or_insert(e);
                }
            }
            (failed, first)
        }));
    }
    let mut failed = 0;
    let mut first = None;
    for t in tasks {
        let (f, e) = t.await.map_err(|e| RunError::Worker(e.to_string()))?;
        failed += f;
        if first.is_none() {
            first = e;
        }
    }
    match first {
        Some(first) => Err(RunError::Populate {
            failed,
            keys: plan.keys,
            first,
        }),
        None => Ok(()),
    }
}

/// Per-worker results, merged at the end.
#[derive(Default)]
struct WorkerStats {
    reads: OpStats,
    writes: OpStats,
    error_kinds: BTreeMap<String, u64>,
}

/// Adds `n` failures of kind `kind`, folding kinds beyond [`MAX_ERROR_KINDS`] into one.
fn count_error(kinds: &mut BTreeMap<String, u64>, kind: String, n: u64) {
    let key = if kinds.contains_key(&kind) || kinds.len() < MAX_ERROR_KINDS {
        kind
    } else {
        "other errors".to_string()
    };
    *kinds.entry(key).or_default() += n;
}

/// Whether the worker may issue another request.
fn may_continue(stop: Stop, deadline: Instant, issued: &AtomicU64) -> bool {
    match stop {
        Stop::Duration(_) => Instant::now() < deadline,
        Stop::Ops(n) => issued.fetch_add(1, Ordering::Relaxed) < n,
    }
}

async fn worker<T: Target>(
    target: Arc<T>,
    plan: Arc<Plan>,
    id: u64,
    deadline: Instant,
    issued: Arc<AtomicU64>,
) -> WorkerStats {
    let mut rng = SmallRng::seed_from_u64(plan.seed.wrapping_add(id.wrapping_mul(0x9e37_79b9)));
    let value = random_value(&mut rng, plan.value_size);
    let mut stats = WorkerStats::default();
    while may_continue(plan.stop, deadline, &issued) {
        let op = plan.workload.pick(&mut rng, plan.read_percent);
        let key = key_name(&plan.key_prefix, rng.random_range(0..plan.keys));
        let start = Instant::now();
        let result = match op {
            Op::Read => target.read(&key).await,
            Op::Write => target.write(&key, &value).await,
        };
        let micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
        let slot = match op {
            Op::Read => &mut stats.reads,
            Op::Write => &mut stats.writes,
        };
        match result {
            Ok(()) => slot.latency_us.record(micros),
            Err(e) => {
                slot.errors += 1;
                count_error(&mut stats.error_kinds, format!("{}: {e}", op.name()), 1);
            }
        }
    }
    stats
}

/// Runs `plan.workload` until `plan.stop` and returns the merged statistics.
pub async fn run<T: Target>(target: Arc<T>, plan: &Plan) -> Result<WorkloadResult, RunError> {
    let plan = Arc::new(plan.clone());
    let issued = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = match plan.stop {
        Stop::Duration(d) => start + d,
        Stop::Ops(_) => start,
    };
    let tasks: Vec<_> = (0..plan.concurrency as u64)
        .map(|id| {
            tokio::spawn(worker(
                target.clone(),
                plan.clone(),
                id,
                deadline,
                issued.clone(),
            ))
        })
        .collect();
    let mut all = WorkerStats::default();
    for t in tasks {
        let s = t.await.map_err(|e| RunError::Worker(e.to_string()))?;
        all.reads.merge(&s.reads);
        all.writes.merge(&s.writes);
        for (k, n) in s.error_kinds {
            count_error(&mut all.error_kinds, k, n);
        }
    }
    Ok(WorkloadResult {
        workload: plan.workload,
        elapsed: start.elapsed(),
        reads: all.reads,
        writes: all.writes,
        error_kinds: all.error_kinds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Mutex;

    /// An in-memory target; fails every `fail_every`-th write when set.
    #[derive(Default)]
    struct Fake {
        data: Mutex<HashMap<String, usize>>,
        writes: AtomicU64,
        fail_every: u64,
    }

    impl Target for Fake {
        fn kind(&self) -> &'static str {
            "fake"
        }
        async fn write(&self, key: &str, value: &str) -> Result<(), OpError> {
            let n = self.writes.fetch_add(1, Ordering::SeqCst) + 1;
            if self.fail_every > 0 && n.is_multiple_of(self.fail_every) {
                return Err(OpError::Status {
                    status: 503,
                    detail: None,
                });
            }
            self.data.lock().unwrap().insert(key.into(), value.len());
            Ok(())
        }
        async fn read(&self, key: &str) -> Result<(), OpError> {
            match self.data.lock().unwrap().get(key) {
                Some(_) => Ok(()),
                None => Err(OpError::Status {
                    status: 404,
                    detail: None,
                }),
            }
        }
    }

    fn plan(workload: Workload, ops: u64) -> Plan {
        Plan {
            workload,
            stop: Stop::Ops(ops),
            concurrency: 4,
            keys: 50,
            key_prefix: "t".into(),
            value_size: 32,
            read_percent: 90,
            seed: 42,
        }
    }

    #[tokio::test]
    async fn ops_mode_issues_exactly_n_requests() {
        let fake = Arc::new(Fake::default());
        let r = run(fake.clone(), &plan(Workload::Write, 1000))
            .await
            .unwrap();
        assert_eq!(r.writes.requests(), 1000);
        assert_eq!(r.writes.latency_us.count(), 1000);
        assert_eq!(r.reads.requests(), 0);
        assert_eq!(r.error_rate(), 0.0);
        assert_eq!(fake.writes.load(Ordering::SeqCst), 1000);
        // Every written value has the requested size.
        assert!(fake.data.lock().unwrap().values().all(|&l| l == 32));
    }

    #[tokio::test]
    async fn reads_before_populate_fail_and_are_counted() {
        let fake = Arc::new(Fake::default());
        let r = run(fake, &plan(Workload::Read, 200)).await.unwrap();
        assert_eq!(r.reads.errors, 200);
        assert_eq!(r.error_rate(), 1.0);
        assert_eq!(r.error_kinds.get("read: HTTP 404"), Some(&200));
    }

    #[tokio::test]
    async fn populate_then_read_succeeds() {
        let fake = Arc::new(Fake::default());
        let p = plan(Workload::Read, 300);
        populate(fake.clone(), &p).await.unwrap();
        assert_eq!(fake.data.lock().unwrap().len(), 50);
        let r = run(fake, &p).await.unwrap();
        assert_eq!(r.reads.latency_us.count(), 300);
        assert_eq!(r.total().errors, 0);
    }

    #[tokio::test]
    async fn mixed_splits_reads_and_writes() {
        let fake = Arc::new(Fake::default());
        let p = plan(Workload::Mixed, 2000);
        populate(fake.clone(), &p).await.unwrap();
        let r = run(fake, &p).await.unwrap();
        assert_eq!(r.total().requests(), 2000);
        assert!(r.reads.requests() > 1600 && r.writes.requests() > 100);
    }

    #[tokio::test]
    async fn write_errors_are_counted_not_hidden() {
        let fake = Arc::new(Fake {
            fail_every: 10,
            ..Fake::default()
        });
        let r = run(fake, &plan(Workload::Write, 1000)).await.unwrap();
        assert_eq!(r.writes.errors, 100);
        assert_eq!(r.writes.latency_us.count(), 900);
        assert!((r.error_rate() - 0.1).abs() < 1e-9);
        assert_eq!(r.error_kinds.get("write: HTTP 503"), Some(&100));
    }

    #[tokio::test]
    async fn populate_reports_failures() {
        let fake = Arc::new(Fake {
            fail_every: 1,
            ..Fake::default()
        });
        let err = populate(fake.clone(), &plan(Workload::Read, 1))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                RunError::Populate {
                    failed: 50,
                    keys: 50,
                    ..
                }
            ),
            "{err}"
        );
        // Every key was tried three times.
        assert_eq!(fake.writes.load(Ordering::SeqCst), 150);
    }

    #[tokio::test]
    async fn populate_retries_passing_failures() {
        let fake = Arc::new(Fake {
            fail_every: 5,
            ..Fake::default()
        });
        populate(fake.clone(), &plan(Workload::Read, 1))
            .await
            .unwrap();
        assert_eq!(fake.data.lock().unwrap().len(), 50);
    }

    #[test]
    fn error_kinds_are_capped() {
        let mut kinds = BTreeMap::new();
        for i in 0..40 {
            count_error(&mut kinds, format!("e{i}"), 1);
        }
        count_error(&mut kinds, "e0".into(), 2);
        assert_eq!(kinds.len(), MAX_ERROR_KINDS + 1);
        assert_eq!(kinds["e0"], 3);
        assert_eq!(kinds["other errors"], 40 - MAX_ERROR_KINDS as u64);
        assert_eq!(kinds.values().sum::<u64>(), 42);
    }
}
