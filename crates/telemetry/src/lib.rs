//! Arca's telemetry: metric names as Vault spells them, and the process-wide recorder
//! that turns `metrics` facade calls into Vault's two `sys/metrics` renderings.
//!
//! Every crate emits through the global `metrics` facade with a name from [`names`]
//! (without the `vault` prefix); [`install`] puts a [`VaultRecorder`] behind the facade
//! that applies the `telemetry` stanza (prefix, host name) and feeds both the Prometheus
//! exporter and an in-memory sink shaped like Vault's JSON form.

pub mod emit;
mod inmem;
pub mod names;
pub mod process;
mod recorder;
mod settings;

use std::sync::{Arc, OnceLock};

use metrics_exporter_prometheus::PrometheusHandle;
use thiserror::Error;

pub use inmem::InmemSink;
pub use recorder::VaultRecorder;
pub use settings::Settings;

/// The `Content-Type` of the Prometheus text exposition format (version 0.0.4).
pub const PROMETHEUS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Why metrics could not be rendered.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RenderError {
    /// `prometheus_retention_time` is zero, which turns the Prometheus sink off (Vault's
    /// exact message).
    #[error("prometheus is not enabled")]
    PrometheusDisabled,
}

/// Why the recorder could not be installed.
#[derive(Debug, Error)]
pub enum InstallError {
    /// Another recorder owns the `metrics` facade (not ours: ours is reused).
    #[error("a different metrics recorder is already installed")]
    Foreign,
    /// The Prometheus exporter refused its settings.
    #[error("configuring the Prometheus exporter: {0}")]
    Exporter(String),
}

/// Read access to the installed recorder's data: what `sys/metrics` renders.
#[derive(Clone)]
pub struct Telemetry {
    prometheus: Option<PrometheusHandle>,
    inmem: Arc<InmemSink>,
    settings: Settings,
}

impl std::fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Telemetry")
            .field("prometheus", &self.prometheus.is_some())
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Telemetry {
    /// The Prometheus text exposition of every metric.
    pub fn render_prometheus(&self) -> Result<String, RenderError> {
        self.prometheus
            .as_ref()
            .map(PrometheusHandle::render)
            .ok_or(RenderError::PrometheusDisabled)
    }

    /// Vault's JSON form (go-metrics' in-memory summary): `Timestamp`, `Gauges`,
    /// `Points`, `Counters`, `Samples`.
    pub fn render_json(&self) -> serde_json::Value {
        self.inmem.summary()
    }

    /// Housekeeping of the Prometheus exporter (drains histogram samples into summaries);
    /// call about once a second.
    pub fn run_upkeep(&self) {
        if let Some(p) = &self.prometheus {
            p.run_upkeep();
        }
    }

    /// The settings this recorder was built with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

static GLOBAL: OnceLock<Telemetry> = OnceLock::new();

/// Installs a [`VaultRecorder`] built from `settings` behind the `metrics` facade, once
/// per process. Later calls return the first installation unchanged (tests run several
/// servers in one process), so the first server's settings win.
pub fn install(settings: Settings) -> Result<&'static Telemetry, InstallError> {
    if let Some(t) = GLOBAL.get() {
        return Ok(t);
    }
    let (recorder, telemetry) = VaultRecorder::build(settings)?;
    // Two racing installers: the loser's recorder is dropped and the winner's returned.
    if GLOBAL.set(telemetry).is_ok() {
        metrics::set_global_recorder(recorder).map_err(|_| InstallError::Foreign)?;
    }
    GLOBAL.get().ok_or(InstallError::Foreign)
}

/// The installed telemetry, if [`install`] ran in this process.
pub fn installed() -> Option<&'static Telemetry> {
    GLOBAL.get()
}
