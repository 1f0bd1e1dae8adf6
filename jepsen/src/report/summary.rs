//! The summary across runs (`summary.json`): totals and a per-nemesis breakdown, for
//! scripts and dashboards.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Outcome, RunReport};

/// Totals over a set of runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Runs.
    pub runs: u64,
    /// Client operations.
    pub ops: u64,
    /// Anomalies found.
    pub anomalies: u64,
    /// Runs that passed.
    pub passes: u64,
    /// Runs with a violation.
    pub violations: u64,
    /// Runs the checker could not decide.
    pub unknown: u64,
    /// Runs whose harness failed.
    pub harness_failures: u64,
}

impl Totals {
    fn add(&mut self, r: &RunReport) {
        self.runs += 1;
        self.ops += r.ops;
        self.anomalies += r.anomalies.len() as u64;
        match r.outcome {
            Outcome::Pass => self.passes += 1,
            Outcome::Violation => self.violations += 1,
            Outcome::Unknown => self.unknown += 1,
            Outcome::HarnessFailure => self.harness_failures += 1,
        }
    }
}

/// One run in the summary table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunLine {
    /// Run name.
    pub id: String,
    /// Workload.
    pub workload: String,
    /// Nemesis.
    pub nemesis: String,
    /// Outcome.
    pub outcome: Outcome,
    /// Client operations.
    pub ops: u64,
    /// Anomalies.
    pub anomalies: u64,
    /// Faults started.
    pub faults: u64,
    /// Seconds.
    pub seconds: f64,
    /// Checker milliseconds.
    pub checker_ms: u64,
}

/// The summary.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// All runs together (flattened into the top level of the JSON).
    #[serde(flatten)]
    pub total: Totals,
    /// Per nemesis.
    pub per_nemesis: BTreeMap<String, Totals>,
    /// Per workload.
    pub per_workload: BTreeMap<String, Totals>,
    /// Every run.
    pub run_list: Vec<RunLine>,
    /// Overall outcome: the worst of the runs (violation > harness failure > unknown >
    /// pass); a summary without runs is a harness failure.
    pub outcome: Outcome,
}

impl Summary {
    /// Summarises `reports`.
    pub fn of(reports: &[RunReport]) -> Self {
        let mut total = Totals::default();
        let mut per_nemesis: BTreeMap<String, Totals> = BTreeMap::new();
        let mut per_workload: BTreeMap<String, Totals> = BTreeMap::new();
        let mut run_list = Vec::new();
        for r in reports {
            total.add(r);
            per_nemesis.entry(r.nemesis.clone()).or_default().add(r);
            per_workload.entry(r.workload.clone()).or_default().add(r);
            run_list.push(RunLine {
                id: r.id.clone(),
                workload: r.workload.clone(),
                nemesis: r.nemesis.clone(),
                outcome: r.outcome,
                ops: r.ops,
                anomalies: r.anomalies.len() as u64,
                faults: r.faults,
                seconds: r.seconds,
                checker_ms: r.checker_ms,
            });
        }
        let outcome = if total.runs == 0 || total.harness_failures > 0 && total.violations == 0 {
            Outcome::HarnessFailure
        } else if total.violations > 0 {
            Outcome::Violation
        } else if total.unknown > 0 {
            Outcome::Unknown
        } else {
            Outcome::Pass
        };
        Summary {
            total,
            per_nemesis,
            per_workload,
            run_list,
            outcome,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn report(nemesis: &str, outcome: Outcome, ops: u64) -> RunReport {
        RunReport {
            id: format!("{nemesis}-{ops}"),
            workload: "register".into(),
            nemesis: nemesis.into(),
            seconds: 1.0,
            ops,
            counts: BTreeMap::new(),
            latencies: BTreeMap::new(),
            faults: 2,
            keys: 1,
            unknown_keys: Vec::new(),
            verdict: None,
            anomalies: Vec::new(),
            anomaly_counts: BTreeMap::new(),
            harness_failures: Vec::new(),
            checker_ms: 3,
            outcome,
        }
    }

    #[test]
    fn totals_and_breakdown() {
        let s = Summary::of(&[
            report("pause", Outcome::Pass, 10),
            report("pause", Outcome::HarnessFailure, 5),
            report("kill", Outcome::Pass, 7),
        ]);
        assert_eq!(s.total.runs, 3);
        assert_eq!(s.total.ops, 22);
        assert_eq!(s.per_nemesis["pause"].harness_failures, 1);
        assert_eq!(s.per_nemesis["kill"].passes, 1);
        assert_eq!(s.outcome, Outcome::HarnessFailure);
        let json = serde_json::to_value(&s).unwrap();
        for field in [
            "runs",
            "ops",
            "anomalies",
            "harness_failures",
            "per_nemesis",
        ] {
            assert!(json.get(field).is_some(), "summary.json needs {field}");
        }
        assert_eq!(Summary::of(&[]).outcome, Outcome::HarnessFailure);
        assert_eq!(
            Summary::of(&[
                report("kill", Outcome::Violation, 1),
                report("x", Outcome::HarnessFailure, 1)
            ])
            .outcome,
            Outcome::Violation
        );
        assert_eq!(
            Summary::of(&[report("kill", Outcome::Pass, 1)]).outcome,
            Outcome::Pass
        );
    }
}
