//! Turns workload results into the table printed for humans and the JSON kept for
//! comparisons (the observability work will put etcd runs next to these, so the JSON names
//! the target kind and every setting that affects the numbers).

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{Value, json};

use crate::args::Stop;
use crate::runner::{OpStats, WorkloadResult};

/// Share of failed requests above which the run counts as failed (exit status 1).
pub const MAX_ERROR_RATE: f64 = 0.01;

/// Settings echoed into the report so results can be compared like for like.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// Target kind, e.g. `vault-kv-v2`.
    pub target: &'static str,
    /// Server address.
    pub address: String,
    /// Mount (or namespace) benchmarked.
    pub mount: String,
    /// Workers.
    pub concurrency: usize,
    /// Stop condition of each workload.
    pub stop: Stop,
    /// Bytes per value.
    pub value_size: usize,
    /// Distinct keys.
    pub keys: u64,
    /// Reads in the mixed workload, percent.
    pub read_percent: u8,
    /// Seed used.
    pub seed: u64,
    /// Unix time (seconds) the run started.
    pub started_at: u64,
    /// Caller-supplied `--meta` pairs (machine, build...), in order.
    pub meta: Vec<(String, String)>,
}

/// Headline numbers of one set of requests.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// All requests issued.
    pub requests: u64,
    /// Failed requests.
    pub errors: u64,
    /// Successful requests per second of wall time.
    pub ops_per_sec: f64,
    /// Latency percentiles and extremes of successful requests, microseconds
    /// (`None` when no request succeeded).
    pub min_us: Option<u64>,
    /// Mean latency, microseconds.
    pub mean_us: Option<f64>,
    /// Median.
    pub p50_us: Option<u64>,
    /// 90th percentile.
    pub p90_us: Option<u64>,
    /// 99th percentile.
    pub p99_us: Option<u64>,
    /// 99.9th percentile.
    pub p999_us: Option<u64>,
    /// Slowest successful request.
    pub max_us: Option<u64>,
}

impl Summary {
    /// Summarises `stats` collected over `elapsed`.
    pub fn of(stats: &OpStats, elapsed: Duration) -> Self {
        let h = &stats.latency_us;
        let secs = elapsed.as_secs_f64();
        Self {
            requests: stats.requests(),
            errors: stats.errors,
            ops_per_sec: if secs > 0.0 {
                h.count() as f64 / secs
            } else {
                0.0
            },
            min_us: h.min(),
            mean_us: h.mean(),
            p50_us: h.quantile(0.5),
            p90_us: h.quantile(0.9),
            p99_us: h.quantile(0.99),
            p999_us: h.quantile(0.999),
            max_us: h.max(),
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "requests": self.requests,
            "errors": self.errors,
            "ops_per_sec": round2(self.ops_per_sec),
            "latency_us": {
                "min": self.min_us,
                "mean": self.mean_us.map(round2),
                "p50": self.p50_us,
                "p90": self.p90_us,
                "p99": self.p99_us,
                "p99_9": self.p999_us,
                "max": self.max_us,
            },
        })
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Whether any workload failed more than [`MAX_ERROR_RATE`] of its requests.
pub fn over_error_budget(results: &[WorkloadResult]) -> bool {
    results.iter().any(|r| r.error_rate() > MAX_ERROR_RATE)
}

/// The JSON report: run settings plus, per workload, totals and per-operation summaries.
pub fn to_json(info: &RunInfo, results: &[WorkloadResult]) -> Value {
    let (duration_s, ops) = match info.stop {
        Stop::Duration(d) => (Some(d.as_secs_f64()), None),
        Stop::Ops(n) => (None, Some(n)),
    };
    let workloads: Vec<Value> = results
        .iter()
        .map(|r| {
            let mut by_op = serde_json::Map::new();
            for (name, stats) in [("read", &r.reads), ("write", &r.writes)] {
                if stats.requests() > 0 {
                    by_op.insert(name.into(), Summary::of(stats, r.elapsed).to_json());
                }
            }
            let mut w = Summary::of(&r.total(), r.elapsed).to_json();
            if let Value::Object(m) = &mut w {
                m.insert("name".into(), json!(r.workload.name()));
                m.insert("elapsed_s".into(), json!(round2(r.elapsed.as_secs_f64())));
                m.insert("error_rate".into(), json!(r.error_rate()));
                m.insert("by_op".into(), Value::Object(by_op));
                m.insert("error_kinds".into(), json!(r.error_kinds));
            }
            w
        })
        .collect();
    json!({
        "tool": "arca-bench",
        "version": env!("CARGO_PKG_VERSION"),
        "started_at": info.started_at,
        "meta": info
            .meta
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect::<serde_json::Map<_, _>>(),
        "target": { "kind": info.target, "address": info.address, "mount": info.mount },
        "config": {
            "concurrency": info.concurrency,
            "duration_s": duration_s,
            "ops": ops,
            "value_size": info.value_size,
            "keys": info.keys,
            "read_percent": info.read_percent,
            "seed": info.seed,
        },
        "max_error_rate": MAX_ERROR_RATE,
        "workloads": workloads,
    })
}

fn ms(us: Option<u64>) -> String {
    us.map_or_else(|| "-".into(), |v| format!("{:.2}", v as f64 / 1000.0))
}

fn row(out: &mut String, name: &str, s: &Summary) {
    let _ = writeln!(
        out,
        "{name:<13} {:>9} {:>7} {:>10.1} {:>9} {:>9} {:>9} {:>9} {:>9}",
        s.requests,
        s.errors,
        s.ops_per_sec,
        ms(s.p50_us),
        ms(s.p90_us),
        ms(s.p99_us),
        ms(s.p999_us),
        ms(s.max_us),
    );
}

/// The human-readable report: one line per workload (and per operation of mixed ones),
/// latencies in milliseconds, followed by every error kind seen.
pub fn to_table(info: &RunInfo, results: &[WorkloadResult]) -> String {
    let mut out = String::new();
    let stop = match info.stop {
        Stop::Duration(d) => format!("{:.1}s", d.as_secs_f64()),
        Stop::Ops(n) => format!("{n} ops"),
    };
    let mount = if info.mount.is_empty() {
        String::new()
    } else {
        format!(" (mount {})", info.mount)
    };
    let _ = writeln!(
        out,
        "arca-bench: {} at {}{mount}, concurrency {}, {} per workload, {} B values, {} keys",
        info.target, info.address, info.concurrency, stop, info.value_size, info.keys
    );
    let _ = writeln!(
        out,
        "{:<13} {:>9} {:>7} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "workload",
        "requests",
        "errors",
        "ops/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "p99.9 ms",
        "max ms"
    );
    for r in results {
        row(
            &mut out,
            r.workload.name(),
            &Summary::of(&r.total(), r.elapsed),
        );
        if r.reads.requests() > 0 && r.writes.requests() > 0 {
            for (op, stats) in [("read", &r.reads), ("write", &r.writes)] {
                let name = format!("  {}/{op}", r.workload.name());
                row(&mut out, &name, &Summary::of(stats, r.elapsed));
            }
        }
    }
    for r in results {
        for (kind, n) in &r.error_kinds {
            let _ = writeln!(out, "errors in {}: {n} x {kind}", r.workload.name());
        }
        if r.error_rate() > MAX_ERROR_RATE {
            let _ = writeln!(
                out,
                "FAILED: {} had {:.2}% failed requests (limit {:.0}%)",
                r.workload.name(),
                r.error_rate() * 100.0,
                MAX_ERROR_RATE * 100.0
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::Workload;
    use std::collections::BTreeMap;

    fn stats(latencies: &[u64], errors: u64) -> OpStats {
        let mut s = OpStats::default();
        for &l in latencies {
            s.latency_us.record(l);
        }
        s.errors = errors;
        s
    }

    fn info() -> RunInfo {
        RunInfo {
            target: "vault-kv-v2",
            address: "http://127.0.0.1:8200".into(),
            mount: "secret".into(),
            concurrency: 16,
            stop: Stop::Duration(Duration::from_secs(10)),
            value_size: 256,
            keys: 1000,
            read_percent: 90,
            seed: 1,
            started_at: 1_700_000_000,
            meta: vec![("machine".into(), "2 cores".into())],
        }
    }

    fn mixed(errors: u64) -> WorkloadResult {
        let reads: Vec<u64> = (1..=900).collect();
        let writes: Vec<u64> = (1001..=1100).collect();
        WorkloadResult {
            workload: Workload::Mixed,
            elapsed: Duration::from_secs(2),
            reads: stats(&reads, 0),
            writes: stats(&writes, errors),
            error_kinds: if errors > 0 {
                BTreeMap::from([("write: HTTP 503".to_string(), errors)])
            } else {
                BTreeMap::new()
            },
        }
    }

    #[test]
    fn summary_numbers() {
        let s = Summary::of(
            &stats(&(1..=1000).collect::<Vec<_>>(), 5),
            Duration::from_secs(4),
        );
        assert_eq!(s.requests, 1005);
        assert_eq!(s.errors, 5);
        assert_eq!(s.ops_per_sec, 250.0);
        assert_eq!(s.min_us, Some(1));
        assert_eq!(s.max_us, Some(1000));
        assert!(s.p50_us.unwrap() >= 500 && s.p50_us.unwrap() <= 504);
        assert!(s.p99_us.unwrap() >= 990 && s.p99_us.unwrap() <= 1000);
    }

    #[test]
    fn empty_summary_has_no_latencies() {
        let s = Summary::of(&stats(&[], 3), Duration::from_secs(1));
        assert_eq!((s.requests, s.errors, s.ops_per_sec), (3, 3, 0.0));
        assert_eq!(s.p50_us, None);
        assert_eq!(ms(s.p50_us), "-");
    }

    #[test]
    fn json_report_shape() {
        let v = to_json(&info(), &[mixed(0)]);
        assert_eq!(v["target"]["kind"], "vault-kv-v2");
        assert_eq!(v["meta"]["machine"], "2 cores");
        assert_eq!(v["config"]["duration_s"], 10.0);
        assert_eq!(v["config"]["ops"], Value::Null);
        let w = &v["workloads"][0];
        assert_eq!(w["name"], "mixed");
        assert_eq!(w["requests"], 1000);
        assert_eq!(w["errors"], 0);
        assert_eq!(w["ops_per_sec"], 500.0);
        assert_eq!(w["by_op"]["read"]["requests"], 900);
        assert_eq!(w["by_op"]["write"]["latency_us"]["min"], 1001);
        assert_eq!(w["latency_us"]["max"], 1100);
        assert!(v.to_string().find("token").is_none());
    }

    #[test]
    fn table_lists_per_op_rows_and_errors() {
        let t = to_table(&info(), &[mixed(20)]);
        assert!(t.contains("\nmixed "), "{t}");
        assert!(t.contains("  mixed/read "), "{t}");
        assert!(t.contains("  mixed/write "), "{t}");
        assert!(t.contains("errors in mixed: 20 x write: HTTP 503"), "{t}");
        assert!(t.contains("FAILED: mixed had 1.96% failed"), "{t}");
    }

    #[test]
    fn error_budget_is_one_percent() {
        // 10 of 1010 requests = 0.99 %: within budget; 11 of 1011 = 1.09 %: over.
        assert!(!over_error_budget(&[mixed(10)]));
        assert!(over_error_budget(&[mixed(11)]));
        assert!(!over_error_budget(&[]));
    }
}
