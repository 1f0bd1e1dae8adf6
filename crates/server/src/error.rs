//! Why the server could not start or stopped.

use crate::config::ConfigError;

/// A fatal server error; its text is shown to the operator as is.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Startup(String),
    #[error("storage: {0}")]
    Raft(#[from] arca_raft::RaftError),
    #[error("{0}")]
    Core(#[from] arca_sdk::Error),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl ServerError {
    /// An I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        ServerError::Io {
            context: context.into(),
            source,
        }
    }
}
