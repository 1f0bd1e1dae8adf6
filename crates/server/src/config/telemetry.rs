//! The top-level `telemetry { .. }` stanza (Prometheus only).

use std::time::Duration;

use super::decode::Section;
use super::error::ConfigError;
use super::tree::Node;

/// `telemetry` parameters, with Vault's defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct TelemetryConfig {
    /// How long Prometheus metrics are kept; zero turns the Prometheus sink off.
    pub prometheus_retention_time: Duration,
    /// Do not prefix gauge names with the host name.
    pub disable_hostname: bool,
    /// Add a `host` label to every metric.
    pub enable_hostname_label: bool,
    /// Metric name prefix (`vault`, so dashboards built for Vault keep working).
    pub metrics_prefix: String,
    /// How often usage gauges are collected; `None` when set to `"none"`.
    pub usage_gauge_period: Option<Duration>,
    /// Most label values a gauge may carry.
    pub maximum_gauge_cardinality: u64,
    /// Bucket width for lease-expiry metrics.
    pub lease_metrics_epsilon: Duration,
    /// Number of lease-expiry buckets.
    pub num_lease_metrics_buckets: u64,
    /// Split lease-expiry metrics by namespace.
    pub add_lease_metrics_namespace_labels: bool,
    /// Whether metrics no filter mentions are allowed.
    pub filter_default: bool,
    /// `+prefix` / `-prefix` allow and block rules.
    pub prefix_filter: Vec<String>,
}

impl Default for TelemetryConfig {
    /// Vault's values for a `telemetry {}` block with nothing in it.
    fn default() -> Self {
        TelemetryConfig {
            prometheus_retention_time: Duration::from_secs(24 * 3600),
            disable_hostname: false,
            enable_hostname_label: false,
            metrics_prefix: "vault".into(),
            usage_gauge_period: Some(Duration::from_secs(600)),
            maximum_gauge_cardinality: 500,
            lease_metrics_epsilon: Duration::from_secs(3600),
            num_lease_metrics_buckets: 168,
            add_lease_metrics_namespace_labels: false,
            filter_default: true,
            prefix_filter: Vec::new(),
        }
    }
}

/// Decodes the `telemetry` block body.
pub(crate) fn decode(file: &str, node: &Node) -> Result<TelemetryConfig, ConfigError> {
    let mut s = Section::new(file, "telemetry", "telemetry", node)?;
    let d = TelemetryConfig::default();
    let usage_gauge_period = s
        .duration_or_none("usage_gauge_period")?
        .unwrap_or(d.usage_gauge_period);
    let t = TelemetryConfig {
        prometheus_retention_time: s
            .duration("prometheus_retention_time")?
            .unwrap_or(d.prometheus_retention_time),
        disable_hostname: s.boolean("disable_hostname")?.unwrap_or(false),
        enable_hostname_label: s.boolean("enable_hostname_label")?.unwrap_or(false),
        metrics_prefix: s.string("metrics_prefix")?.unwrap_or(d.metrics_prefix),
        usage_gauge_period,
        maximum_gauge_cardinality: s
            .unsigned("maximum_gauge_cardinality")?
            .unwrap_or(d.maximum_gauge_cardinality),
        lease_metrics_epsilon: s
            .duration("lease_metrics_epsilon")?
            .unwrap_or(d.lease_metrics_epsilon),
        num_lease_metrics_buckets: s
            .unsigned("num_lease_metrics_buckets")?
            .unwrap_or(d.num_lease_metrics_buckets),
        add_lease_metrics_namespace_labels: s
            .boolean("add_lease_metrics_namespace_labels")?
            .unwrap_or(false),
        filter_default: s.boolean("filter_default")?.unwrap_or(true),
        prefix_filter: s.string_list("prefix_filter")?.unwrap_or_default(),
    };
    s.finish()?;
    Ok(t)
}
