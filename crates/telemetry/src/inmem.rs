//! The in-memory sink behind Vault's JSON `sys/metrics`: go-metrics' `InmemSink`
//! semantics. Counters and samples aggregate over 10-second intervals and the summary
//! shows the most recent finished interval (the current one when no other exists);
//! intervals older than a minute are forgotten. Gauges keep their last value.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex, MutexGuard},
    time::{SystemTime, UNIX_EPOCH},
};

use serde_json::{Map, Value, json};

/// Length of one aggregation interval (go-metrics' default in Vault).
const INTERVAL_SECS: u64 = 10;
/// How long a finished interval stays displayable.
const RETAIN_SECS: u64 = 60;

/// One series: the full dotted name (prefix included) and its labels, sorted by name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Series {
    pub(crate) name: String,
    pub(crate) labels: Vec<(String, String)>,
}

/// Count, sum, extremes and sum of squares of the values seen, as go-metrics keeps them.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Aggregate {
    count: u64,
    sum: f64,
    sum_sq: f64,
    min: f64,
    max: f64,
}

impl Aggregate {
    fn new(v: f64) -> Self {
        Aggregate {
            count: 1,
            sum: v,
            sum_sq: v * v,
            min: v,
            max: v,
        }
    }

    fn ingest(&mut self, v: f64) {
        self.count += 1;
        self.sum += v;
        self.sum_sq += v * v;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }

    fn mean(&self) -> f64 {
        self.sum / self.count as f64
    }

    /// Sample standard deviation; 0 below two values.
    fn stddev(&self) -> f64 {
        let n = self.count as f64;
        let div = n * (n - 1.0);
        if div == 0.0 {
            return 0.0;
        }
        ((n * self.sum_sq - self.sum * self.sum) / div)
            .max(0.0)
            .sqrt()
    }
}

#[derive(Debug, Default)]
struct Interval {
    /// Unix seconds, a multiple of [`INTERVAL_SECS`].
    start: u64,
    counters: BTreeMap<Arc<Series>, Aggregate>,
    samples: BTreeMap<Arc<Series>, Aggregate>,
}

#[derive(Debug, Default)]
struct State {
    gauges: BTreeMap<Arc<Series>, f64>,
    current: Option<Interval>,
    previous: Option<Interval>,
}

impl State {
    /// Makes the interval containing `now` current, finishing the old one.
    fn rotate(&mut self, now: u64) {
        let start = now - now % INTERVAL_SECS;
        if self.current.as_ref().is_some_and(|c| c.start == start) {
            return;
        }
        if let Some(old) = self.current.take() {
            self.previous = Some(old);
        }
        if self
            .previous
            .as_ref()
            .is_some_and(|p| p.start + RETAIN_SECS <= now)
        {
            self.previous = None;
        }
        self.current = Some(Interval {
            start,
            ..Interval::default()
        });
    }

    fn current(&mut self, now: u64) -> &mut Interval {
        self.rotate(now);
        self.current.get_or_insert_with(Interval::default)
    }
}

/// The in-memory sink; cheap to share.
#[derive(Debug, Default)]
pub struct InmemSink {
    state: Mutex<State>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn add(map: &mut BTreeMap<Arc<Series>, Aggregate>, series: &Arc<Series>, v: f64) {
    match map.get_mut(series) {
        Some(a) => a.ingest(v),
        None => {
            map.insert(series.clone(), Aggregate::new(v));
        }
    }
}

fn labels_json(series: &Series) -> Value {
    Value::Object(
        series
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect::<Map<_, _>>(),
    )
}

fn sampled(map: &BTreeMap<Arc<Series>, Aggregate>) -> Vec<Value> {
    map.iter()
        .map(|(s, a)| {
            json!({
                "Name": s.name,
                "Count": a.count,
                "Rate": a.sum / INTERVAL_SECS as f64,
                "Sum": a.sum,
                "Min": a.min,
                "Max": a.max,
                "Mean": a.mean(),
                "Stddev": a.stddev(),
                "Labels": labels_json(s),
            })
        })
        .collect()
}

/// Go's `time.Time.String()` of a UTC instant, as go-metrics prints `Timestamp`.
fn go_time(unix: u64) -> String {
    let t = i64::try_from(unix)
        .ok()
        .and_then(|u| time::OffsetDateTime::from_unix_timestamp(u).ok())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} +0000 UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

impl InmemSink {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain numbers behind: still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn set_gauge(&self, series: &Arc<Series>, v: f64) {
        self.lock().gauges.insert(series.clone(), v);
    }

    pub(crate) fn add_gauge(&self, series: &Arc<Series>, delta: f64) {
        *self.lock().gauges.entry(series.clone()).or_insert(0.0) += delta;
    }

    pub(crate) fn add_counter(&self, series: &Arc<Series>, v: f64) {
        self.add_counter_at(series, v, now_secs());
    }

    pub(crate) fn add_sample(&self, series: &Arc<Series>, v: f64) {
        self.add_sample_at(series, v, now_secs());
    }

    fn add_counter_at(&self, series: &Arc<Series>, v: f64, now: u64) {
        add(&mut self.lock().current(now).counters, series, v);
    }

    fn add_sample_at(&self, series: &Arc<Series>, v: f64, now: u64) {
        add(&mut self.lock().current(now).samples, series, v);
    }

    /// Vault's JSON metrics summary at the current time.
    pub fn summary(&self) -> Value {
        self.summary_at(now_secs())
    }

    fn summary_at(&self, now: u64) -> Value {
        let mut state = self.lock();
        state.rotate(now);
        let gauges: Vec<Value> = state
            .gauges
            .iter()
            .map(|(s, v)| json!({ "Name": s.name, "Value": v, "Labels": labels_json(s) }))
            .collect();
        let shown = match (&state.previous, &state.current) {
            (Some(p), _) => Some(p),
            (None, c) => c.as_ref(),
        };
        let (start, counters, samples) = match shown {
            Some(i) => (i.start, sampled(&i.counters), sampled(&i.samples)),
            None => (now - now % INTERVAL_SECS, Vec::new(), Vec::new()),
        };
        json!({
            "Timestamp": go_time(start),
            "Gauges": gauges,
            "Points": [],
            "Counters": counters,
            "Samples": samples,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(name: &str) -> Arc<Series> {
        Arc::new(Series {
            name: name.into(),
            labels: vec![("peer_id".into(), "n2".into())],
        })
    }

    #[test]
    fn aggregates_like_go_metrics() {
        let mut a = Aggregate::new(2.0);
        a.ingest(4.0);
        a.ingest(6.0);
        assert_eq!((a.count, a.sum, a.min, a.max), (3, 12.0, 2.0, 6.0));
        assert_eq!(a.mean(), 4.0);
        assert_eq!(a.stddev(), 2.0);
        assert_eq!(Aggregate::new(5.0).stddev(), 0.0);
    }

    #[test]
    fn shows_the_last_finished_interval() {
        let sink = InmemSink::default();
        let s = series("vault.raft.apply");
        sink.add_counter_at(&s, 1.0, 1_000);
        sink.add_counter_at(&s, 3.0, 1_005);
        // Only the current interval exists: it is shown.
        let v = sink.summary_at(1_006);
        assert_eq!(v["Counters"][0]["Count"], 2);
        assert_eq!(v["Counters"][0]["Sum"], 4.0);
        assert_eq!(v["Counters"][0]["Rate"], 0.4);
        assert_eq!(v["Counters"][0]["Labels"]["peer_id"], "n2");
        assert_eq!(v["Timestamp"], "1970-01-01 00:16:40 +0000 UTC");
        // A new interval started: the finished one is shown, not the new one.
        sink.add_counter_at(&s, 10.0, 1_012);
        let v = sink.summary_at(1_013);
        assert_eq!(v["Counters"][0]["Sum"], 4.0);
        // A minute later nothing is left to show.
        let v = sink.summary_at(1_100);
        assert_eq!(v["Counters"], json!([]));
    }

    #[test]
    fn gauges_keep_their_last_value() {
        let sink = InmemSink::default();
        let s = series("vault.core.in_flight_requests");
        sink.add_gauge(&s, 1.0);
        sink.add_gauge(&s, 1.0);
        sink.add_gauge(&s, -1.0);
        let g = series("vault.core.unsealed");
        sink.set_gauge(&g, 1.0);
        let v = sink.summary_at(5_000);
        let gauges = v["Gauges"].as_array().unwrap();
        assert_eq!(gauges.len(), 2);
        assert_eq!(gauges[0]["Name"], "vault.core.in_flight_requests");
        assert_eq!(gauges[0]["Value"], 1.0);
        assert_eq!(gauges[1]["Value"], 1.0);
        assert_eq!(v["Points"], json!([]));
        assert_eq!(v["Samples"], json!([]));
    }

    #[test]
    fn samples_have_mean_and_stddev() {
        let sink = InmemSink::default();
        let s = series("vault.core.handle_request");
        for v in [1.0, 2.0, 3.0] {
            sink.add_sample_at(&s, v, 100);
        }
        let v = sink.summary_at(101);
        let x = &v["Samples"][0];
        assert_eq!(x["Mean"], 2.0);
        assert_eq!(x["Stddev"], 1.0);
        assert_eq!(
            (x["Min"].as_f64(), x["Max"].as_f64()),
            (Some(1.0), Some(3.0))
        );
    }
}
