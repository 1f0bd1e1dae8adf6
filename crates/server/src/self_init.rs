//! `self_init`: a fresh node with an auto-unseal seal initialises its cluster at first
//! start, so a deployment needs no operator. The root token and recovery keys are
//! written only to the files the stanza names (created with mode 0600, never
//! overwritten); without `root_token_file` the root token is revoked at once.

use std::{fs::File, io::Write, time::Duration};

use arca_core::{Core, CoreRequest, InitParams};
use arca_sdk::Operation;
use base64::Engine;

use crate::{ServerError, config::SelfInitConfig};

/// Creates `path` for writing, mode 0600; an existing file is an error (it may hold the
/// secrets of an earlier cluster).
fn create_private(path: &str) -> Result<File, ServerError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path)
        .map_err(|e| ServerError::io(format!("self_init: creating {path}"), e))
}

/// Initialises the cluster if it is not yet. Called before the listeners serve, on a
/// node without raft state that is not going to join another cluster.
pub(crate) async fn run(core: &Core, config: &SelfInitConfig) -> Result<(), ServerError> {
    if core.initialized().await? {
        return Ok(());
    }
    // The files first: failing after init would lose the secrets.
    let mut token_file = config
        .root_token_file
        .as_deref()
        .map(create_private)
        .transpose()?;
    let mut keys_file = config
        .recovery_keys_file
        .as_deref()
        .map(create_private)
        .transpose()?;
    let init = core
        .init(
            InitParams {
                recovery_shares: i64::try_from(config.recovery_shares).unwrap_or(i64::MAX),
                recovery_threshold: i64::try_from(config.recovery_threshold).unwrap_or(i64::MAX),
                ..Default::default()
            },
            None,
        )
        .await?;
    match &mut keys_file {
        Some(f) => {
            let mut text = zeroize::Zeroizing::new(String::new());
            for k in &init.recovery_keys {
                text.push_str(&base64::engine::general_purpose::STANDARD.encode(k.as_slice()));
                text.push('\n');
            }
            f.write_all(text.as_bytes())
                .map_err(|e| ServerError::io("self_init: writing the recovery keys", e))?;
        }
        None => tracing::warn!(
            "self_init: no recovery_keys_file, so the recovery keys were not kept anywhere"
        ),
    }
    match &mut token_file {
        Some(f) => f
            .write_all(init.root_token.as_bytes())
            .map_err(|e| ServerError::io("self_init: writing the root token", e))?,
        None => revoke_root(core, &init.root_token).await?,
    }
    tracing::info!(
        recovery_shares = init.recovery_keys.len(),
        root_token_kept = token_file.is_some(),
        "self_init: cluster initialised"
    );
    Ok(())
}

/// Revokes the initial root token (no one asked to keep it). The node just became its
/// cluster's leader, so the request is retried briefly while it takes office.
async fn revoke_root(core: &Core, token: &str) -> Result<(), ServerError> {
    let mut last = None;
    for _ in 0..50 {
        let req = CoreRequest::new(Operation::Update, "auth/token/revoke-self").token(token);
        match core.handle(req).await {
            Ok(_) => return Ok(()),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(ServerError::Startup(format!(
        "self_init: revoking the initial root token failed: {}",
        last.map(|e| e.to_string()).unwrap_or_default()
    )))
}
