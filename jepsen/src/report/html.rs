//! Self-contained HTML pages: a run page with tables and an SVG timeline (one lane per
//! client process, one bar per operation coloured by outcome, faults shaded behind), and
//! an index page with the summary table across runs. No scripts, no external assets.

use std::collections::HashMap;
use std::fmt::Write;

use super::summary::Summary;
use super::{Outcome, RunReport};
use crate::history::{F, Op, Process};
use crate::pairing::{Interval, Outcome as OpOutcome, pair};

const STYLE: &str = "body{font-family:sans-serif;margin:1.5em;color:#222}\
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}\
th{background:#f3f3f3}td.l,th.l{text-align:left}.pass{color:#2e7d32}.violation{color:#c62828;font-weight:bold}\
.unknown{color:#ef6c00}.harness-failure{color:#6a1b9a;font-weight:bold}code{font-size:90%}";

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn outcome_cell(o: Outcome) -> String {
    format!("<td class=\"l {0}\">{0}</td>", o.name())
}

/// The page of one run.
pub fn run_page(r: &RunReport, ops: &[Op]) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{id}</title><style>{STYLE}</style></head><body>\
         <h1>{id}</h1><p>Workload <b>{w}</b>, nemesis <b>{n}</b>, {s:.1} s, outcome <span class=\"{o}\">{o}</span>; \
         {keys} objects checked in {ms} ms.</p>",
        id = escape(&r.id),
        w = escape(&r.workload),
        n = escape(&r.nemesis),
        s = r.seconds,
        o = r.outcome.name(),
        keys = r.keys,
        ms = r.checker_ms,
    );
    if !r.harness_failures.is_empty() {
        h.push_str("<h2>Harness failures</h2><ul>");
        for f in &r.harness_failures {
            let _ = write!(h, "<li>{}</li>", escape(f));
        }
        h.push_str("</ul>");
    }
    h.push_str("<h2>Operations</h2><table><tr><th class=\"l\">function</th><th>ok</th><th>fail</th><th>info</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr>");
    for (f, c) in &r.counts {
        let l = r.latencies.get(f);
        let ms = |v: Option<f64>| v.map_or(String::from("-"), |v| format!("{v:.1}"));
        let _ = write!(
            h,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(f),
            c.ok,
            c.fail,
            c.info,
            ms(l.map(|l| l.p50_ms)),
            ms(l.map(|l| l.p95_ms)),
            ms(l.map(|l| l.p99_ms)),
            ms(l.map(|l| l.max_ms)),
        );
    }
    h.push_str("</table>");
    let _ = write!(h, "<h2>Anomalies ({})</h2>", r.anomalies.len());
    if !r.anomalies.is_empty() {
        h.push_str("<table><tr><th class=\"l\">kind</th><th class=\"l\">key</th><th class=\"l\">operations</th><th class=\"l\">detail</th></tr>");
        for a in r.anomalies.iter().take(200) {
            let _ = write!(
                h,
                "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{:?}</td><td class=\"l\">{}</td></tr>",
                a.kind.name(),
                escape(&a.key),
                a.ops,
                escape(&a.detail)
            );
        }
        h.push_str("</table>");
    }
    if !r.unknown_keys.is_empty() {
        h.push_str("<h2>Undecided objects</h2><ul>");
        for k in &r.unknown_keys {
            let _ = write!(h, "<li>{}</li>", escape(k));
        }
        h.push_str("</ul>");
    }
    h.push_str("<h2>Timeline</h2><p>Green: ok, red: fail, orange: info (open-ended); grey bands: faults. Hover for details.</p>");
    h.push_str(&timeline(ops));
    h.push_str("</body></html>\n");
    h
}

/// The SVG timeline of a history.
pub fn timeline(ops: &[Op]) -> String {
    let Ok(intervals) = pair(ops) else {
        return "<p>(history is malformed; no timeline)</p>".into();
    };
    let end = ops.iter().map(|o| o.time).max().unwrap_or(0).max(1);
    let lanes = assign_lanes(&intervals, end);
    let lane_count = lanes.values().copied().max().map_or(1, |m| m + 1);
    let (left, width, lane_h) = (70.0, 1100.0, 12.0);
    let height = 30.0 + lane_count as f64 * lane_h;
    let x = |t: u64| left + width * (t as f64 / end as f64);
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" font-size=\"10\">",
        left + width + 10.0
    );
    // A fault lasts from its start's invocation until the next heal completes.
    let mut open: Option<&Interval> = None;
    for iv in intervals.iter().filter(|iv| iv.process == Process::Nemesis) {
        match (iv.f, open) {
            (F::FaultStart, _) => open = Some(iv),
            (F::FaultStop, Some(start)) => {
                fault_band(&mut s, start, iv.complete_time.unwrap_or(end), &x, height);
                open = None;
            }
            _ => {}
        }
    }
    if let Some(start) = open {
        fault_band(&mut s, start, end, &x, height);
    }
    for iv in intervals.iter().filter(|iv| iv.process != Process::Nemesis) {
        let lane = lanes.get(&iv.process).copied().unwrap_or(0);
        let y = 20.0 + lane as f64 * lane_h;
        // An info bar ends where the client gave up (the operation itself may still take
        // effect later; the checker treats it as open-ended).
        let stop = iv.complete_time.unwrap_or(end);
        let color = match iv.outcome {
            OpOutcome::Ok => "#43a047",
            OpOutcome::Fail => "#e53935",
            OpOutcome::Info => "#ffa000",
        };
        let x0 = x(iv.invoke_time);
        let w = (x(stop) - x0).max(1.0);
        let _ = write!(
            s,
            "<rect x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{color}\" opacity=\"0.8\"><title>{}</title></rect>",
            lane_h - 2.0,
            escape(&describe(iv))
        );
    }
    for lane in 0..lane_count {
        let _ = write!(
            s,
            "<text x=\"2\" y=\"{:.1}\">lane {lane}</text>",
            20.0 + lane as f64 * lane_h + lane_h - 3.0
        );
    }
    let _ = write!(
        s,
        "<text x=\"{left}\" y=\"12\">0 s</text><text x=\"{:.1}\" y=\"12\" text-anchor=\"end\">{:.1} s</text></svg>",
        left + width,
        end as f64 / 1e9
    );
    s
}

/// Gives each client process a lane, reusing a lane once its previous process is done
/// (a client continues under a new process after an `info`), so the picture has about one
/// lane per client.
fn assign_lanes(intervals: &[Interval], end: u64) -> HashMap<Process, usize> {
    let mut span: HashMap<Process, (u64, u64)> = HashMap::new();
    for iv in intervals.iter().filter(|iv| iv.process != Process::Nemesis) {
        let stop = iv.complete_time.unwrap_or(end);
        let e = span.entry(iv.process).or_insert((iv.invoke_time, stop));
        e.0 = e.0.min(iv.invoke_time);
        e.1 = e.1.max(stop);
    }
    let mut procs: Vec<(Process, (u64, u64))> = span.into_iter().collect();
    procs.sort_by_key(|&(p, (start, _))| (start, p));
    let mut lane_free_at: Vec<u64> = Vec::new();
    let mut lanes = HashMap::new();
    for (p, (start, stop)) in procs {
        let lane = match lane_free_at.iter().position(|&free| free < start) {
            Some(l) => l,
            None => {
                lane_free_at.push(0);
                lane_free_at.len() - 1
            }
        };
        lane_free_at[lane] = stop;
        lanes.insert(p, lane);
    }
    lanes
}

fn fault_band(s: &mut String, start: &Interval, stop: u64, x: &impl Fn(u64) -> f64, height: f64) {
    let x0 = x(start.invoke_time);
    let _ = write!(
        s,
        "<rect x=\"{x0:.1}\" y=\"15\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#9e9e9e\" opacity=\"0.25\"><title>{}</title></rect>",
        (x(stop) - x0).max(2.0),
        height - 15.0,
        escape(&describe(start))
    );
}

fn describe(iv: &Interval) -> String {
    let outcome = match iv.outcome {
        OpOutcome::Ok => "ok",
        OpOutcome::Fail => "fail",
        OpOutcome::Info => "info",
    };
    let mut d = format!(
        "#{} p{} {} {} {} → {} {}",
        iv.invoke_index,
        iv.process,
        iv.f.name(),
        iv.key.as_deref().unwrap_or(""),
        iv.args,
        outcome,
        iv.result
    );
    if let Some(n) = iv.node {
        let _ = write!(d, " (node {n})");
    }
    if let Some(e) = &iv.error {
        let _ = write!(d, " [{e}]");
    }
    d
}

/// The index page across runs.
pub fn index_page(s: &Summary) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>arca-jepsen summary</title><style>{STYLE}</style></head><body>\
         <h1>arca-jepsen</h1><p>{} runs, {} operations, {} anomalies, {} harness failures; outcome <span class=\"{o}\">{o}</span>.</p>",
        s.total.runs,
        s.total.ops,
        s.total.anomalies,
        s.total.harness_failures,
        o = s.outcome.name()
    );
    h.push_str("<h2>Per nemesis</h2><table><tr><th class=\"l\">nemesis</th><th>runs</th><th>ops</th><th>anomalies</th><th>pass</th><th>violation</th><th>unknown</th><th>harness failure</th></tr>");
    for (n, t) in &s.per_nemesis {
        let _ = write!(
            h,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(n),
            t.runs,
            t.ops,
            t.anomalies,
            t.passes,
            t.violations,
            t.unknown,
            t.harness_failures
        );
    }
    h.push_str("</table><h2>Runs</h2><table><tr><th class=\"l\">run</th><th class=\"l\">workload</th><th class=\"l\">nemesis</th><th class=\"l\">outcome</th><th>ops</th><th>faults</th><th>anomalies</th><th>seconds</th><th>checker ms</th></tr>");
    for r in &s.run_list {
        let id = escape(&r.id);
        let _ = write!(
            h,
            "<tr><td class=\"l\"><a href=\"{id}/report.html\">{id}</a></td><td class=\"l\">{}</td><td class=\"l\">{}</td>{}<td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td><td>{}</td></tr>",
            escape(&r.workload),
            escape(&r.nemesis),
            outcome_cell(r.outcome),
            r.ops,
            r.faults,
            r.anomalies,
            r.seconds,
            r.checker_ms
        );
    }
    h.push_str("</table></body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Kind;
    use serde_json::json;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn timeline_has_a_bar_per_operation_and_a_band_per_fault() {
        let mut ops = Vec::new();
        let mut push = |p: Process, kind, f, key: Option<&str>| {
            let mut op = Op::new(p, kind, f, key.map(String::from), json!({"value": 1}));
            op.index = ops.len() as u64;
            op.time = op.index * 1_000_000;
            ops.push(op);
        };
        push(Process::Client(0), Kind::Invoke, F::Write, Some("r<0>"));
        push(Process::Nemesis, Kind::Invoke, F::FaultStart, None);
        push(Process::Nemesis, Kind::Ok, F::FaultStart, None);
        push(Process::Client(0), Kind::Info, F::Write, Some("r<0>"));
        push(Process::Client(1), Kind::Invoke, F::Read, Some("r0"));
        push(Process::Client(1), Kind::Fail, F::Read, Some("r0"));
        let svg = timeline(&ops);
        assert_eq!(svg.matches("<rect").count(), 3, "{svg}");
        assert!(svg.contains("#ffa000") && svg.contains("#e53935"));
        assert!(svg.contains("r&lt;0&gt;"), "keys are escaped");
        assert!(!svg.contains("r<0>"));
        assert!(timeline(&ops[3..]).contains("malformed"));
        // p0 is done (info) before p1 starts: one lane serves both.
        assert!(svg.contains("lane 0") && !svg.contains("lane 1"), "{svg}");
    }
}
