//! Logging set-up: Vault's `log_level` (trace, debug, info, warn, error) and `log_format`
//! (`standard` or `json`), from the config file or `VAULT_LOG_LEVEL`/`VAULT_LOG_FORMAT`.

use tracing_subscriber::{EnvFilter, fmt};

/// Installs the global subscriber. Safe to call more than once (later calls do nothing),
/// which tests that start several servers in one process rely on.
pub fn init(level: &str, format: &str) -> Result<(), String> {
    let level = match level.to_ascii_lowercase().as_str() {
        "" => "info".to_string(),
        l @ ("trace" | "debug" | "info" | "warn" | "error") => l.to_string(),
        "warning" => "warn".to_string(),
        "err" => "error".to_string(),
        other => {
            return Err(format!(
                "unknown log level {other:?} (use trace, debug, info, warn or error)"
            ));
        }
    };
    // Our crates at the chosen level; chatty dependencies one step quieter. kube's
    // request tracer logs every failed API call at ERROR; service registration reports
    // those itself, throttled, so the tracer is off.
    let filter = EnvFilter::try_new(format!(
        "{level},openraft=warn,h2=warn,hyper=warn,tower=warn,rustls=warn,tonic=warn,\
         kube_client=warn,kube_client::client::builder=off"
    ))
    .map_err(|e| format!("log filter: {e}"))?;
    let result = match format.to_ascii_lowercase().as_str() {
        "" | "standard" => fmt()
            .with_env_filter(filter)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_writer(std::io::stderr)
            .try_init(),
        "json" => fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init(),
        other => {
            return Err(format!(
                "unknown log format {other:?} (use standard or json)"
            ));
        }
    };
    // Already installed: keep the first one.
    let _ = result;
    Ok(())
}
