//! Runs the configured tests together for the configured time: `workers` tasks, each
//! picking a test by weight for every request. With `rps = 0` every worker sends its next
//! request as soon as the last one is answered (closed loop); otherwise requests are
//! started on a shared schedule of `rps` per second (slot `k` at `k / rps` seconds), so
//! the total rate is capped whatever the number of workers.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand::rngs::SmallRng;

use super::mix::Mix;
use super::scenario::{Scenario, Session};
use crate::histogram::Histogram;

/// Distinct error texts kept per test.
const MAX_ERROR_KINDS: usize = 16;

/// What one test's requests did.
#[derive(Debug, Clone, Default)]
pub struct TestStats {
    /// Latency of successful requests, microseconds.
    pub latency_us: Histogram,
    /// Failed requests.
    pub errors: u64,
    /// Failures by error text.
    pub error_kinds: BTreeMap<String, u64>,
}

impl TestStats {
    /// Successful plus failed requests.
    pub fn requests(&self) -> u64 {
        self.latency_us.count() + self.errors
    }

    fn merge(&mut self, other: &TestStats) {
        self.latency_us.merge(&other.latency_us);
        self.errors += other.errors;
        for (k, n) in &other.error_kinds {
            count_error(&mut self.error_kinds, k.clone(), *n);
        }
    }
}

fn count_error(kinds: &mut BTreeMap<String, u64>, kind: String, n: u64) {
    let key = if kinds.contains_key(&kind) || kinds.len() < MAX_ERROR_KINDS {
        kind
    } else {
        "other errors".to_string()
    };
    *kinds.entry(key).or_default() += n;
}

/// The outcome of a run: per test, in config order.
#[derive(Debug, Clone)]
pub struct SuiteResult {
    /// From the first request to the last answer.
    pub elapsed: Duration,
    /// One entry per scenario, same order.
    pub tests: Vec<TestStats>,
}

/// How the load is driven.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Concurrent workers.
    pub workers: usize,
    /// Run length.
    pub duration: Duration,
    /// Total request rate cap (0: none).
    pub rps: u32,
    /// Seed of the workers' random choices.
    pub seed: u64,
    /// Draw a progress bar on stderr (only when it is a terminal).
    pub progress: bool,
}

/// When the worker may start its next request, or `None` to stop.
async fn next_start(
    load: &Load,
    start: Instant,
    deadline: Instant,
    slots: &AtomicU64,
) -> Option<()> {
    if load.rps == 0 {
        return (Instant::now() < deadline).then_some(());
    }
    let slot = slots.fetch_add(1, Ordering::Relaxed);
    let at = start + Duration::from_secs_f64(slot as f64 / f64::from(load.rps));
    if at >= deadline {
        return None;
    }
    tokio::time::sleep_until(at.into()).await;
    Some(())
}

/// Runs `scenarios` mixed by `mix` under `load`.
pub async fn run(
    session: &Session,
    scenarios: Arc<Vec<Scenario>>,
    mix: Mix,
    load: Load,
) -> SuiteResult {
    let start = Instant::now();
    let deadline = start + load.duration;
    let slots = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let progress = (load.progress && std::io::stderr().is_terminal())
        .then(|| progress_bar(load.duration, done.clone()));
    let mut tasks = Vec::with_capacity(load.workers);
    for id in 0..load.workers as u64 {
        let (session, scenarios, mix) = (session.clone(), scenarios.clone(), mix.clone());
        let (slots, done) = (slots.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng =
                SmallRng::seed_from_u64(load.seed ^ id.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let mut stats = vec![TestStats::default(); scenarios.len()];
            while next_start(&load, start, deadline, &slots).await.is_some() {
                let i = mix.pick(&mut rng);
                let began = Instant::now();
                let result = scenarios[i].once(&session, &mut rng).await;
                let micros = u64::try_from(began.elapsed().as_micros()).unwrap_or(u64::MAX);
                match result {
                    Ok(()) => stats[i].latency_us.record(micros),
                    Err(e) => {
                        stats[i].errors += 1;
                        count_error(&mut stats[i].error_kinds, e.to_string(), 1);
                    }
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
            stats
        }));
    }
    let mut all = vec![TestStats::default(); scenarios.len()];
    for t in tasks {
        match t.await {
            Ok(stats) => all.iter_mut().zip(&stats).for_each(|(a, s)| a.merge(s)),
            // A panicked worker is a bug: report it as failures rather than lose it silently.
            Err(e) => count_error(&mut all[0].error_kinds, format!("worker failed: {e}"), 1),
        }
    }
    let elapsed = start.elapsed();
    if let Some((bar, ticker)) = progress {
        ticker.abort();
        bar.finish_and_clear();
    }
    SuiteResult {
        elapsed,
        tests: all,
    }
}

/// A bar over the run's length with the request count, redrawn a few times a second.
fn progress_bar(
    duration: Duration,
    done: Arc<AtomicU64>,
) -> (indicatif::ProgressBar, tokio::task::JoinHandle<()>) {
    let total_ms = duration.as_millis().max(1) as u64;
    let bar = indicatif::ProgressBar::new(total_ms);
    let style = indicatif::ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {percent:>3}% {msg}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    let ticker_bar = bar.clone();
    let start = Instant::now();
    let ticker = tokio::spawn(async move {
        loop {
            let ms = start.elapsed().as_millis() as u64;
            ticker_bar.set_position(ms.min(total_ms));
            ticker_bar.set_message(format!("{} requests", done.load(Ordering::Relaxed)));
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    (bar, ticker)
}
