//! The system under test, behind a trait so other key-value servers (etcd, for the
//! observability comparison) can be driven by the same runner and reported the same way.

use std::future::Future;

use thiserror::Error;

/// Why one request failed. Texts never contain the token or written values.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum OpError {
    /// The server answered with an unexpected status.
    #[error("HTTP {status}{}", detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Status {
        /// HTTP status code.
        status: u16,
        /// First message of the server's `errors` array, if any (truncated).
        detail: Option<String>,
    },
    /// The request did not finish within `--timeout`.
    #[error("timeout")]
    Timeout,
    /// No connection could be made.
    #[error("connect error: {0}")]
    Connect(String),
    /// Any other transport or protocol failure.
    #[error("transport error: {0}")]
    Transport(String),
}

/// A server the runner can write keys to and read them from.
///
/// Implementations are shared by all workers, so they must be cheap to call concurrently
/// (a pooled HTTP client, for example).
pub trait Target: Send + Sync + 'static {
    /// Short name for reports, e.g. `vault-kv-v2`.
    fn kind(&self) -> &'static str;

    /// Stores `value` under `key`.
    fn write(&self, key: &str, value: &str) -> impl Future<Output = Result<(), OpError>> + Send;

    /// Reads `key`, which must exist; a missing key is an error.
    fn read(&self, key: &str) -> impl Future<Output = Result<(), OpError>> + Send;
}
