//! The recorder behind the `metrics` facade: names each metric as the `telemetry`
//! stanza says (prefix, host name) and feeds both the Prometheus exporter and the
//! in-memory sink of the JSON form.

use std::{
    collections::HashMap,
    num::NonZeroU32,
    sync::{Arc, RwLock},
    time::Duration,
};

use metrics::{
    Counter, CounterFn, Gauge, GaugeFn, Histogram, HistogramFn, Key, KeyName, Label, Metadata,
    Recorder, SharedString, Unit,
};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusRecorder};
use metrics_util::MetricKindMask;

use crate::{
    InstallError, Settings, Telemetry,
    inmem::{InmemSink, Series},
    names::PROCESS_PREFIX,
};

/// Quantiles of every summary, as Vault's Prometheus sink reports them.
const QUANTILES: &[f64] = &[0.5, 0.9, 0.99];
/// Summaries cover the last 10 s (go-metrics' `MaxAge`), in 5 rotating buckets.
const SUMMARY_BUCKET: Duration = Duration::from_secs(2);
const SUMMARY_BUCKETS: u32 = 5;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    Gauge,
    Histogram,
}

/// Renames metrics and fans them out to the Prometheus exporter and the in-memory sink.
pub struct VaultRecorder {
    settings: Settings,
    prometheus: Option<Arc<PrometheusRecorder>>,
    inmem: Arc<InmemSink>,
    counters: RwLock<HashMap<Key, Counter>>,
    gauges: RwLock<HashMap<Key, Gauge>>,
    histograms: RwLock<HashMap<Key, Histogram>>,
}

impl VaultRecorder {
    /// A recorder for `settings` and the [`Telemetry`] that reads what it records. Not
    /// installed: see [`crate::install`] (tests use it with
    /// `metrics::with_local_recorder`).
    pub fn build(settings: Settings) -> Result<(VaultRecorder, Telemetry), InstallError> {
        let prometheus = if settings.prometheus_retention.is_zero() {
            None
        } else {
            let bucket_count = NonZeroU32::new(SUMMARY_BUCKETS)
                .ok_or_else(|| InstallError::Exporter("bucket count".into()))?;
            Some(Arc::new(
                PrometheusBuilder::new()
                    .set_quantiles(QUANTILES)
                    .and_then(|b| b.set_bucket_duration(SUMMARY_BUCKET))
                    .map_err(|e| InstallError::Exporter(e.to_string()))?
                    .set_bucket_count(bucket_count)
                    // `prometheus_retention_time`: a series not updated for that long
                    // leaves the Prometheus output (go-metrics' expiry), and comes back
                    // when it is next updated (see `PromSeries`).
                    .idle_timeout(MetricKindMask::ALL, Some(settings.prometheus_retention))
                    .build_recorder(),
            ))
        };
        let inmem = Arc::new(InmemSink::default());
        let telemetry = Telemetry {
            prometheus: prometheus.as_deref().map(PrometheusRecorder::handle),
            inmem: inmem.clone(),
            settings: settings.clone(),
        };
        let recorder = VaultRecorder {
            settings,
            prometheus,
            inmem,
            counters: RwLock::default(),
            gauges: RwLock::default(),
            histograms: RwLock::default(),
        };
        Ok((recorder, telemetry))
    }

    /// The full dotted name and labels of `key` as this node reports it.
    fn rename(&self, kind: Kind, key: &Key) -> (String, Vec<Label>) {
        let name = key.name();
        let mut labels: Vec<Label> = key.labels().cloned().collect();
        if name.starts_with(PROCESS_PREFIX) {
            return (name.to_string(), labels);
        }
        let mut parts: Vec<&str> = Vec::with_capacity(3);
        if !self.settings.prefix.is_empty() {
            parts.push(&self.settings.prefix);
        }
        if kind == Kind::Gauge
            && let Some(host) = &self.settings.hostname_in_gauges
        {
            parts.push(host);
        }
        parts.push(name);
        if let Some(host) = &self.settings.host_label {
            labels.push(Label::new("host", host.clone()));
        }
        (parts.join("."), labels)
    }

    fn series(name: &str, labels: &[Label]) -> Arc<Series> {
        let mut labels: Vec<(String, String)> = labels
            .iter()
            .map(|l| (l.key().to_string(), l.value().to_string()))
            .collect();
        labels.sort();
        Arc::new(Series {
            name: name.to_string(),
            labels,
        })
    }
}

/// Looks `key` up in `cache`, or builds and remembers its handle.
fn cached<H: Clone>(cache: &RwLock<HashMap<Key, H>>, key: &Key, make: impl FnOnce() -> H) -> H {
    if let Some(h) = cache.read().unwrap_or_else(|p| p.into_inner()).get(key) {
        return h.clone();
    }
    let mut w = cache.write().unwrap_or_else(|p| p.into_inner());
    w.entry(key.clone()).or_insert_with(make).clone()
}

/// Metadata of every series handed to the Prometheus recorder (it does not use it).
const METADATA: Metadata<'static> = Metadata::new("arca", metrics::Level::INFO, None);

/// One series in the Prometheus recorder, looked up on every update rather than held:
/// once the idle timeout has expired a series, the exporter forgets its handle, and only
/// a fresh registration puts the series back in the output.
struct PromSeries {
    recorder: Arc<PrometheusRecorder>,
    key: Key,
}

impl PromSeries {
    fn counter(&self) -> Counter {
        self.recorder.register_counter(&self.key, &METADATA)
    }
    fn gauge(&self) -> Gauge {
        self.recorder.register_gauge(&self.key, &METADATA)
    }
    fn histogram(&self) -> Histogram {
        self.recorder.register_histogram(&self.key, &METADATA)
    }
}

struct TeeCounter {
    prometheus: Option<PromSeries>,
    inmem: Arc<InmemSink>,
    series: Arc<Series>,
}

impl CounterFn for TeeCounter {
    fn increment(&self, value: u64) {
        if let Some(p) = &self.prometheus {
            p.counter().increment(value);
        }
        self.inmem.add_counter(&self.series, value as f64);
    }

    fn absolute(&self, value: u64) {
        // Registers a counter at a known total (zero for subsystems with no events yet);
        // the JSON form only aggregates increments, as go-metrics does.
        if let Some(p) = &self.prometheus {
            p.counter().absolute(value);
        }
    }
}

struct TeeGauge {
    prometheus: Option<PromSeries>,
    inmem: Arc<InmemSink>,
    series: Arc<Series>,
}

impl GaugeFn for TeeGauge {
    fn increment(&self, value: f64) {
        if let Some(p) = &self.prometheus {
            p.gauge().increment(value);
        }
        self.inmem.add_gauge(&self.series, value);
    }

    fn decrement(&self, value: f64) {
        if let Some(p) = &self.prometheus {
            p.gauge().decrement(value);
        }
        self.inmem.add_gauge(&self.series, -value);
    }

    fn set(&self, value: f64) {
        if let Some(p) = &self.prometheus {
            p.gauge().set(value);
        }
        self.inmem.set_gauge(&self.series, value);
    }
}

struct TeeHistogram {
    prometheus: Option<PromSeries>,
    inmem: Arc<InmemSink>,
    series: Arc<Series>,
}

impl HistogramFn for TeeHistogram {
    fn record(&self, value: f64) {
        if let Some(p) = &self.prometheus {
            p.histogram().record(value);
        }
        self.inmem.add_sample(&self.series, value);
    }
}

impl Recorder for VaultRecorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

    fn register_counter(&self, key: &Key, _metadata: &Metadata<'_>) -> Counter {
        cached(&self.counters, key, || {
            let (name, labels) = self.rename(Kind::Counter, key);
            let series = Self::series(&name, &labels);
            let prometheus = self.prometheus.as_ref().map(|p| PromSeries {
                recorder: p.clone(),
                key: Key::from_parts(name, labels),
            });
            Counter::from_arc(Arc::new(TeeCounter {
                prometheus,
                inmem: self.inmem.clone(),
                series,
            }))
        })
    }

    fn register_gauge(&self, key: &Key, _metadata: &Metadata<'_>) -> Gauge {
        cached(&self.gauges, key, || {
            let (name, labels) = self.rename(Kind::Gauge, key);
            let series = Self::series(&name, &labels);
            let prometheus = self.prometheus.as_ref().map(|p| PromSeries {
                recorder: p.clone(),
                key: Key::from_parts(name, labels),
            });
            Gauge::from_arc(Arc::new(TeeGauge {
                prometheus,
                inmem: self.inmem.clone(),
                series,
            }))
        })
    }

    fn register_histogram(&self, key: &Key, _metadata: &Metadata<'_>) -> Histogram {
        cached(&self.histograms, key, || {
            let (name, labels) = self.rename(Kind::Histogram, key);
            let series = Self::series(&name, &labels);
            let prometheus = self.prometheus.as_ref().map(|p| PromSeries {
                recorder: p.clone(),
                key: Key::from_parts(name, labels),
            });
            Histogram::from_arc(Arc::new(TeeHistogram {
                prometheus,
                inmem: self.inmem.clone(),
                series,
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RenderError, emit, names};

    fn record_some(settings: Settings) -> Telemetry {
        let (recorder, telemetry) = VaultRecorder::build(settings).unwrap();
        metrics::with_local_recorder(&recorder, || {
            emit::gauge(names::CORE_UNSEALED, 1.0);
            emit::incr(names::RAFT_APPLY);
            emit::incr(names::RAFT_APPLY);
            metrics::histogram!(names::CORE_HANDLE_REQUEST).record(2.5);
            metrics::histogram!(names::CORE_HANDLE_REQUEST).record(7.5);
            metrics::gauge!(names::RAFT_STORAGE_FOLLOWER_APPLIED_INDEX_DELTA, "peer_id" => "n2")
                .set(3.0);
            emit::gauge(names::PROCESS_OPEN_FDS, 12.0);
        });
        telemetry.run_upkeep();
        telemetry
    }

    fn line<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
        text.lines().find(|l| l.starts_with(prefix))
    }

    #[test]
    fn prometheus_text_uses_vault_names_and_types() {
        let text = record_some(Settings::default())
            .render_prometheus()
            .unwrap();
        assert_eq!(
            line(&text, "vault_core_unsealed "),
            Some("vault_core_unsealed 1")
        );
        assert!(text.contains("# TYPE vault_core_unsealed gauge"), "{text}");
        // Counters keep Vault's names: no `_total` suffix.
        assert_eq!(line(&text, "vault_raft_apply "), Some("vault_raft_apply 2"));
        assert!(text.contains("# TYPE vault_raft_apply counter"), "{text}");
        assert!(
            text.contains("# TYPE vault_core_handle_request summary"),
            "{text}"
        );
        assert!(
            text.contains("vault_core_handle_request{quantile=\"0.5\"}"),
            "{text}"
        );
        assert!(
            text.contains("vault_core_handle_request{quantile=\"0.99\"}"),
            "{text}"
        );
        assert!(!text.contains("quantile=\"0.999\""), "{text}");
        assert_eq!(
            line(&text, "vault_core_handle_request_sum"),
            Some("vault_core_handle_request_sum 10")
        );
        assert_eq!(
            line(&text, "vault_core_handle_request_count"),
            Some("vault_core_handle_request_count 2")
        );
        assert_eq!(
            line(&text, "vault_raft_storage_follower_applied_index_delta{"),
            Some("vault_raft_storage_follower_applied_index_delta{peer_id=\"n2\"} 3")
        );
        assert_eq!(line(&text, "process_open_fds"), Some("process_open_fds 12"));
    }

    #[test]
    fn hostname_goes_into_gauge_names_only() {
        let s = Settings {
            hostname_in_gauges: Some("node-a".into()),
            ..Settings::default()
        };
        let t = record_some(s);
        let text = t.render_prometheus().unwrap();
        assert!(text.contains("\nvault_node_a_core_unsealed 1"), "{text}");
        assert!(text.contains("\nvault_raft_apply 2"), "{text}");
        assert!(text.contains("\nprocess_open_fds 12"), "{text}");
        let json = t.render_json();
        let names: Vec<&str> = json["Gauges"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|g| g["Name"].as_str())
            .collect();
        assert!(names.contains(&"vault.node-a.core.unsealed"), "{names:?}");
    }

    #[test]
    fn host_label_and_prefix() {
        let s = Settings {
            prefix: "arca".into(),
            host_label: Some("node-a".into()),
            ..Settings::default()
        };
        let text = record_some(s).render_prometheus().unwrap();
        assert!(
            text.contains("\narca_core_unsealed{host=\"node-a\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("\narca_raft_apply{host=\"node-a\"} 2"),
            "{text}"
        );
    }

    #[test]
    fn json_form_has_vaults_shape() {
        let json = record_some(Settings::default()).render_json();
        let gauge = json["Gauges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["Name"] == "vault.core.unsealed")
            .unwrap();
        assert_eq!(gauge["Value"], 1.0);
        assert_eq!(gauge["Labels"], serde_json::json!({}));
        let counter = &json["Counters"][0];
        assert_eq!(counter["Name"], "vault.raft.apply");
        assert_eq!(counter["Count"], 2);
        assert_eq!(counter["Sum"], 2.0);
        let sample = &json["Samples"][0];
        assert_eq!(sample["Name"], "vault.core.handle_request");
        assert_eq!(sample["Count"], 2);
        assert_eq!(sample["Mean"], 5.0);
        assert_eq!(sample["Max"], 7.5);
        assert!(json["Timestamp"].as_str().unwrap().ends_with("+0000 UTC"));
    }

    #[test]
    fn retention_expires_idle_series_until_updated_again() {
        let s = Settings {
            prometheus_retention: Duration::from_millis(200),
            ..Settings::default()
        };
        let (recorder, telemetry) = VaultRecorder::build(s).unwrap();
        metrics::with_local_recorder(&recorder, || {
            emit::gauge(names::CORE_UNSEALED, 1.0);
            emit::incr(names::RAFT_APPLY);
        });
        // The first rendering notes when each series was last seen changing.
        let text = telemetry.render_prometheus().unwrap();
        assert!(text.contains("\nvault_core_unsealed 1"), "{text}");
        std::thread::sleep(Duration::from_millis(300));
        // The gauge is updated within the window, the counter is not.
        metrics::with_local_recorder(&recorder, || emit::gauge(names::CORE_UNSEALED, 1.0));
        let text = telemetry.render_prometheus().unwrap();
        assert!(text.contains("vault_core_unsealed 1"), "{text}");
        assert!(!text.contains("vault_raft_apply"), "{text}");
        // An expired series comes back, with its total, when it is updated again.
        metrics::with_local_recorder(&recorder, || emit::incr(names::RAFT_APPLY));
        let text = telemetry.render_prometheus().unwrap();
        assert!(text.contains("vault_raft_apply 1"), "{text}");
    }

    #[test]
    fn zero_retention_disables_prometheus_only() {
        let s = Settings {
            prometheus_retention: Duration::ZERO,
            ..Settings::default()
        };
        let t = record_some(s);
        assert_eq!(t.render_prometheus(), Err(RenderError::PrometheusDisabled));
        assert_eq!(
            RenderError::PrometheusDisabled.to_string(),
            "prometheus is not enabled"
        );
        assert_eq!(t.render_json()["Counters"][0]["Count"], 2);
    }
}
