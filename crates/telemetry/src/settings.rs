//! What the `telemetry` stanza decides about metric names and sinks.

use std::time::Duration;

/// How the recorder names metrics and which sinks it feeds. Built by the server from the
/// `telemetry` stanza; [`Settings::default`] is Vault's behaviour without one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `metrics_prefix`: first name segment of every non-process metric (`vault`).
    pub prefix: String,
    /// The host name inserted after the prefix in gauge names (go-metrics does this for
    /// gauges only), `None` with `disable_hostname = true` or `enable_hostname_label`.
    pub hostname_in_gauges: Option<String>,
    /// With `enable_hostname_label = true`: a `host` label on every metric instead.
    pub host_label: Option<String>,
    /// `prometheus_retention_time`; zero turns the Prometheus rendering off.
    pub prometheus_retention: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            prefix: "vault".into(),
            hostname_in_gauges: None,
            host_label: None,
            prometheus_retention: Duration::from_secs(24 * 3600),
        }
    }
}
