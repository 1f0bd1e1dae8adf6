//! Run reports: what happened (operation counts, latencies, faults), what the checker
//! found, and a single outcome that keeps "the system violated a property" apart from
//! "the harness failed". A harness failure is never a pass.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use crate::checker::{Anomaly, CheckError, CheckReport, Linearization, Verdict};
use crate::history::{F, Kind, Op, Process};
use crate::pairing::{Outcome as OpOutcome, pair};

pub mod html;
pub mod latency;
pub mod summary;

pub use latency::Latency;
pub use summary::Summary;

/// The verdict of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The history is well formed, complete and linearizable; no oracle fired.
    Pass,
    /// The system violated a property (whatever else happened).
    Violation,
    /// No violation found, but the checker could not decide every object.
    Unknown,
    /// The harness could not produce a trustworthy history.
    HarnessFailure,
}

impl Outcome {
    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Violation => "violation",
            Outcome::Unknown => "unknown",
            Outcome::HarnessFailure => "harness-failure",
        }
    }
}

/// Operations by how they ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Completed.
    pub ok: u64,
    /// Certainly did not happen.
    pub fail: u64,
    /// Unknown.
    pub info: u64,
}

/// Everything about one run.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// Run name (directory name).
    pub id: String,
    /// Workload name.
    pub workload: String,
    /// Nemesis name (`none` without faults).
    pub nemesis: String,
    /// Wall time of the run in seconds.
    pub seconds: f64,
    /// Client operations invoked (final reads included).
    pub ops: u64,
    /// Client operations by function.
    pub counts: BTreeMap<String, Counts>,
    /// Latency of `ok` operations by function.
    pub latencies: BTreeMap<String, Latency>,
    /// Faults started.
    pub faults: u64,
    /// Objects checked.
    pub keys: usize,
    /// Objects the search could not decide, with the bound that stopped it.
    pub unknown_keys: Vec<String>,
    /// The checker's verdict, when the history could be checked.
    pub verdict: Option<Verdict>,
    /// Violations found.
    pub anomalies: Vec<Anomaly>,
    /// Violations by kind.
    pub anomaly_counts: BTreeMap<String, usize>,
    /// Everything that went wrong in the harness.
    pub harness_failures: Vec<String>,
    /// Checking time in milliseconds.
    pub checker_ms: u64,
    /// The outcome.
    pub outcome: Outcome,
}

/// Inputs of [`RunReport::build`] that describe the run rather than its history.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// Run name.
    pub id: String,
    /// Workload name.
    pub workload: String,
    /// Nemesis name.
    pub nemesis: String,
    /// Wall time.
    pub elapsed: Duration,
}

impl RunReport {
    /// Builds the report of a run from its history, the harness failures, and the
    /// checker's result.
    pub fn build(
        info: RunInfo,
        ops: &[Op],
        mut harness_failures: Vec<String>,
        check: Result<CheckReport, CheckError>,
    ) -> Self {
        let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
        let mut samples: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        let mut faults = 0;
        let mut client_ops = 0;
        let mut any_ok = false;
        if let Ok(intervals) = pair(ops) {
            for iv in &intervals {
                if iv.process == Process::Nemesis {
                    faults += u64::from(iv.f == F::FaultStart);
                    continue;
                }
                client_ops += 1;
                let c = counts.entry(iv.f.name().to_string()).or_default();
                match iv.outcome {
                    OpOutcome::Ok => {
                        c.ok += 1;
                        any_ok = true;
                        if let Some(l) = iv.latency_ns() {
                            samples.entry(iv.f.name().to_string()).or_default().push(l);
                        }
                    }
                    OpOutcome::Fail => c.fail += 1,
                    OpOutcome::Info => c.info += 1,
                }
            }
        } else {
            client_ops = ops
                .iter()
                .filter(|o| o.kind == Kind::Invoke && o.process != Process::Nemesis)
                .count() as u64;
        }
        let latencies = samples
            .into_iter()
            .filter_map(|(f, s)| Latency::from_ns(s).map(|l| (f, l)))
            .collect();
        let (verdict, anomalies, keys, unknown_keys, checker_ms) = match check {
            Ok(r) => {
                let unknown: Vec<String> = r
                    .keys
                    .iter()
                    .filter_map(|k| match &k.linearization {
                        Linearization::Unknown { reason } => Some(format!("{}: {reason}", k.key)),
                        _ => None,
                    })
                    .collect();
                (
                    Some(r.verdict),
                    r.anomalies,
                    r.keys.len(),
                    unknown,
                    r.millis,
                )
            }
            Err(e) => {
                harness_failures.push(format!("history cannot be checked: {e}"));
                (None, Vec::new(), 0, Vec::new(), 0)
            }
        };
        if verdict.is_some() && !any_ok {
            harness_failures.push("no client operation succeeded".into());
        }
        let mut anomaly_counts: BTreeMap<String, usize> = BTreeMap::new();
        for a in &anomalies {
            *anomaly_counts.entry(a.kind.name().to_string()).or_default() += 1;
        }
        let outcome = match verdict {
            Some(Verdict::Invalid) => Outcome::Violation,
            _ if !harness_failures.is_empty() => Outcome::HarnessFailure,
            None => Outcome::HarnessFailure,
            Some(Verdict::Unknown) => Outcome::Unknown,
            Some(Verdict::Valid) => Outcome::Pass,
        };
        RunReport {
            id: info.id,
            workload: info.workload,
            nemesis: info.nemesis,
            seconds: info.elapsed.as_secs_f64(),
            ops: client_ops,
            counts,
            latencies,
            faults,
            keys,
            unknown_keys,
            verdict,
            anomalies,
            anomaly_counts,
            harness_failures,
            checker_ms,
            outcome,
        }
    }

    /// One line for the terminal.
    pub fn one_line(&self) -> String {
        let failures = if self.harness_failures.is_empty() {
            String::new()
        } else {
            format!(", harness: {}", self.harness_failures.join("; "))
        };
        format!(
            "{}: {} [{} / {}] {} ops, {} faults, {} keys ({} unknown), {} anomalies, checked in {} ms{}",
            self.id,
            self.outcome.name(),
            self.workload,
            self.nemesis,
            self.ops,
            self.faults,
            self.keys,
            self.unknown_keys.len(),
            self.anomalies.len(),
            self.checker_ms,
            failures
        )
    }

    /// Writes `report.json` and `report.html` into `dir`.
    pub fn write(&self, dir: &Path, ops: &[Op]) -> std::io::Result<()> {
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(dir.join("report.json"), json)?;
        std::fs::write(dir.join("report.html"), html::run_page(self, ops))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::{Limits, check_history};
    use serde_json::json;

    fn info() -> RunInfo {
        RunInfo {
            id: "run-1".into(),
            workload: "register".into(),
            nemesis: "none".into(),
            elapsed: Duration::from_secs(2),
        }
    }

    fn history(stale: bool) -> Vec<Op> {
        let mut ops = Vec::new();
        let mut push = |p, kind, f, value| {
            let mut op = Op::new(Process::Client(p), kind, f, Some("r0".into()), value);
            op.index = ops.len() as u64;
            op.time = op.index * 1_000_000;
            ops.push(op);
        };
        push(0, Kind::Invoke, F::Write, json!({"value": 1}));
        push(0, Kind::Ok, F::Write, json!({"value": 1, "version": 1}));
        push(1, Kind::Invoke, F::Read, json!(null));
        let seen = if stale {
            json!({"version": 0, "value": null})
        } else {
            json!({"version": 1, "value": 1})
        };
        push(1, Kind::Ok, F::Read, seen);
        push(2, Kind::Invoke, F::Write, json!({"value": 2}));
        push(2, Kind::Info, F::Write, json!({"value": 2}));
        ops
    }

    #[test]
    fn clean_run_passes_with_counts_and_latencies() {
        let ops = history(false);
        let r = RunReport::build(
            info(),
            &ops,
            vec![],
            check_history(&ops, &Limits::default()),
        );
        assert_eq!(r.outcome, Outcome::Pass);
        assert_eq!(r.ops, 3);
        assert_eq!(
            r.counts["write"],
            Counts {
                ok: 1,
                fail: 0,
                info: 1
            }
        );
        assert_eq!(r.latencies["read"].count, 1);
        assert_eq!(r.latencies["read"].max_ms, 1.0);
        assert!(r.one_line().contains("pass"));
    }

    #[test]
    fn violations_and_harness_failures_are_never_a_pass() {
        let ops = history(true);
        let r = RunReport::build(
            info(),
            &ops,
            vec![],
            check_history(&ops, &Limits::default()),
        );
        assert_eq!(r.outcome, Outcome::Violation);
        assert!(r.anomaly_counts.contains_key("lost-write"));

        let ops = history(false);
        let r = RunReport::build(
            info(),
            &ops,
            vec!["healing: node 2 did not come back".into()],
            check_history(&ops, &Limits::default()),
        );
        assert_eq!(r.outcome, Outcome::HarnessFailure);

        // A history that cannot be checked.
        let r = RunReport::build(
            info(),
            &ops[1..],
            vec![],
            check_history(&ops[1..], &Limits::default()),
        );
        assert_eq!(r.outcome, Outcome::HarnessFailure);
        assert!(r.harness_failures[0].contains("cannot be checked"));

        // Nothing succeeded: proves nothing.
        let none: Vec<Op> = Vec::new();
        let r = RunReport::build(
            info(),
            &none,
            vec![],
            check_history(&none, &Limits::default()),
        );
        assert_eq!(r.outcome, Outcome::HarnessFailure);

        // Undecided objects are unknown, not pass.
        let tiny = Limits {
            max_ops: 1,
            max_steps: 1,
        };
        let r = RunReport::build(info(), &ops, vec![], check_history(&ops, &tiny));
        assert_eq!(r.outcome, Outcome::Unknown);
    }

    #[test]
    fn writes_json_and_html() {
        let dir = tempfile::tempdir().unwrap();
        let ops = history(true);
        let r = RunReport::build(
            info(),
            &ops,
            vec![],
            check_history(&ops, &Limits::default()),
        );
        r.write(dir.path(), &ops).unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
                .unwrap();
        assert_eq!(json["outcome"], "violation");
        let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
        assert!(html.contains("<svg"), "timeline");
        assert!(html.contains("lost-write"));
    }
}
