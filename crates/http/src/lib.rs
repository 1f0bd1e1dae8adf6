//! Vault's HTTP API on axum: `/v1/*` requests become [`arca_core::CoreRequest`]s, and
//! results become Vault's JSON envelope or `{"errors": [...]}` with Vault's status codes.
//!
//! This crate owns the only mapping from errors to HTTP status ([`status::status_of`]).

mod envelope;
pub mod forward;
#[cfg(test)]
mod forward_tests;
mod handler;
pub mod listener;
mod metrics;
mod parse;
mod snapshot;
pub mod status;

pub use forward::{ForwardError, ForwardedMarker, Forwarder, RawHttpRequest, RawHttpResponse};
pub use listener::{BoundListener, ListenerError, TlsFiles};

use std::sync::Arc;

use arca_core::Core;
use axum::Router;

/// The client's address as every listener type (plain TCP or TLS) reports it; serve the
/// router with `into_make_service_with_connect_info::<ClientAddr>()`.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub std::net::SocketAddr);

/// Per-listener HTTP settings.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Largest accepted request body in bytes (Vault's `max_request_size`, 32 MiB).
    pub max_request_size: usize,
    /// `telemetry { unauthenticated_metrics_access = true }`: serve `sys/metrics`
    /// without a token on this listener.
    pub unauthenticated_metrics_access: bool,
    /// Standbys serve reads themselves after a ReadIndex round trip to the active node
    /// (the inverse of the server's `disable_standby_reads`); off: they forward them.
    pub standby_reads: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            max_request_size: 32 * 1024 * 1024,
            unauthenticated_metrics_access: false,
            standby_reads: true,
        }
    }
}

/// Shared state of the handlers.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) core: Arc<Core>,
    pub(crate) config: HttpConfig,
    pub(crate) forwarder: Option<Arc<dyn Forwarder>>,
}

/// The axum router serving Vault's API for `core`. With a `forwarder`, a standby hands
/// requests to the active node; without one it answers 503 to them.
pub fn router(
    core: Arc<Core>,
    config: HttpConfig,
    forwarder: Option<Arc<dyn Forwarder>>,
) -> Router {
    Router::new()
        .fallback(handler::handle)
        .with_state(AppState {
            core,
            config,
            forwarder,
        })
}
