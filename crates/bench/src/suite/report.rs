//! The three report modes of a config run, after vault-benchmark's: `terse` (one line per
//! test: count, rate, throughput, mean, 95th, 99th percentile, success ratio), `verbose`
//! (that table with more percentiles, then every error kind) and `json`.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::config::ReportMode;
use super::run::{SuiteResult, TestStats};
use super::scenario::Scenario;

/// Headline numbers of one test.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Requests sent.
    pub count: u64,
    /// Requests per second of wall time.
    pub rate: f64,
    /// Successful requests per second.
    pub throughput: f64,
    /// Successful share, 0..=1 (1 when nothing was sent).
    pub success_ratio: f64,
}

impl Line {
    /// Summarises `stats` over the run.
    pub fn of(stats: &TestStats, secs: f64) -> Self {
        let count = stats.requests();
        let ok = stats.latency_us.count();
        let per_s = |n: u64| if secs > 0.0 { n as f64 / secs } else { 0.0 };
        Line {
            count,
            rate: per_s(count),
            throughput: per_s(ok),
            success_ratio: if count == 0 {
                1.0
            } else {
                ok as f64 / count as f64
            },
        }
    }
}

fn ms(us: Option<u64>) -> String {
    us.map_or_else(|| "-".into(), |v| format!("{:.3}ms", v as f64 / 1000.0))
}

fn ms_f(us: Option<f64>) -> String {
    us.map_or_else(|| "-".into(), |v| format!("{:.3}ms", v / 1000.0))
}

fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}

/// Every test plus a `total` over all of them.
fn rows<'a>(
    scenarios: &'a [Scenario],
    result: &'a SuiteResult,
) -> Vec<(&'a str, std::borrow::Cow<'a, TestStats>)> {
    let mut out: Vec<_> = scenarios
        .iter()
        .zip(&result.tests)
        .map(|(s, t)| (s.name.as_str(), std::borrow::Cow::Borrowed(t)))
        .collect();
    if scenarios.len() > 1 {
        let mut total = TestStats::default();
        for t in &result.tests {
            total.latency_us.merge(&t.latency_us);
            total.errors += t.errors;
        }
        out.push(("total", std::borrow::Cow::Owned(total)));
    }
    out
}

/// The report text for `mode` (the JSON document for [`ReportMode::Json`]).
pub fn render(
    mode: ReportMode,
    address: &str,
    scenarios: &[Scenario],
    result: &SuiteResult,
) -> String {
    match mode {
        ReportMode::Json => format!("{:#}\n", to_json(address, scenarios, result)),
        ReportMode::Terse | ReportMode::Verbose => table(mode, address, scenarios, result),
    }
}

fn table(mode: ReportMode, address: &str, scenarios: &[Scenario], result: &SuiteResult) -> String {
    let secs = result.elapsed.as_secs_f64();
    let verbose = mode == ReportMode::Verbose;
    let mut out = String::new();
    let _ = writeln!(out, "Target: {address}");
    let _ = write!(
        out,
        "{:<20} {:>9} {:>11} {:>11} {:>11} {:>11} {:>11}",
        "op", "count", "rate", "throughput", "mean", "95th%", "99th%"
    );
    if verbose {
        let _ = write!(
            out,
            " {:>11} {:>11} {:>11} {:>11} {:>11}",
            "min", "50th%", "90th%", "99.9th%", "max"
        );
    }
    let _ = writeln!(out, " {:>13}", "successRatio");
    for (name, stats) in rows(scenarios, result) {
        let h = &stats.latency_us;
        let line = Line::of(&stats, secs);
        let _ = write!(
            out,
            "{name:<20} {:>9} {:>11.6} {:>11.6} {:>11} {:>11} {:>11}",
            line.count,
            line.rate,
            line.throughput,
            ms_f(h.mean()),
            ms(h.quantile(0.95)),
            ms(h.quantile(0.99)),
        );
        if verbose {
            let _ = write!(
                out,
                " {:>11} {:>11} {:>11} {:>11} {:>11}",
                ms(h.min()),
                ms(h.quantile(0.5)),
                ms(h.quantile(0.9)),
                ms(h.quantile(0.999)),
                ms(h.max()),
            );
        }
        let _ = writeln!(out, " {:>12.2}%", line.success_ratio * 100.0);
    }
    for (s, t) in scenarios.iter().zip(&result.tests) {
        if !verbose && t.errors == 0 {
            continue;
        }
        for (kind, n) in &t.error_kinds {
            let _ = writeln!(out, "errors in {}: {n} x {kind}", s.name);
        }
    }
    out
}

/// The JSON report: settings-independent numbers per test (latencies in milliseconds).
pub fn to_json(address: &str, scenarios: &[Scenario], result: &SuiteResult) -> Value {
    let secs = result.elapsed.as_secs_f64();
    let summary = |stats: &TestStats| {
        let h = &stats.latency_us;
        let line = Line::of(stats, secs);
        let q = |p| h.quantile(p).map(|us| round(us as f64 / 1000.0, 3));
        json!({
            "requests": line.count,
            "errors": stats.errors,
            "rate": round(line.rate, 2),
            "ops_per_s": round(line.throughput, 2),
            "success_ratio": round(line.success_ratio, 6),
            "mean_ms": h.mean().map(|us| round(us / 1000.0, 3)),
            "p50_ms": q(0.5),
            "p90_ms": q(0.9),
            "p95_ms": q(0.95),
            "p99_ms": q(0.99),
            "p99_9_ms": q(0.999),
            "max_ms": h.max().map(|us| round(us as f64 / 1000.0, 3)),
            "error_kinds": stats.error_kinds,
        })
    };
    let mut tests = serde_json::Map::new();
    for (s, t) in scenarios.iter().zip(&result.tests) {
        let mut v = summary(t);
        v["type"] = json!(s.kind.name());
        v["weight"] = json!(s.weight);
        tests.insert(s.name.clone(), v);
    }
    let mut total = TestStats::default();
    for t in &result.tests {
        total.latency_us.merge(&t.latency_us);
        total.errors += t.errors;
    }
    json!({
        "tool": "arca-bench",
        "version": env!("CARGO_PKG_VERSION"),
        "target": address,
        "elapsed_s": round(secs, 3),
        "tests": tests,
        "total": summary(&total),
    })
}
