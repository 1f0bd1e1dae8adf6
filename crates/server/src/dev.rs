//! `arca server -dev`: initialise with one key share, unseal, mount kv-v2 at `secret/`,
//! and print what `vault server -dev` prints.

use arca_core::{Core, CoreRequest, InitParams};
use arca_sdk::Operation;
use base64::Engine;

use crate::ServerError;

/// Brings a fresh dev node to the state `vault server -dev` starts in.
pub(crate) async fn bootstrap(
    core: &Core,
    root_token_id: Option<String>,
    api_addr: &str,
) -> Result<(), ServerError> {
    let init = core
        .init(
            InitParams {
                secret_shares: 1,
                secret_threshold: 1,
                ..Default::default()
            },
            root_token_id,
        )
        .await?;
    let key = init
        .keys
        .first()
        .ok_or_else(|| ServerError::Startup("dev init returned no key".into()))?;
    core.unseal(key).await?;
    core.handle(
        CoreRequest::new(Operation::Update, "sys/mounts/secret")
            .token(init.root_token.clone())
            .data(serde_json::json!({"type": "kv", "options": {"version": "2"}, "description": "key/value secret storage"})),
    )
    .await?;
    // Like Vault, dev mode logs the CLI in by writing the token helper file.
    if let Some(home) = std::env::var_os("HOME") {
        let path = std::path::Path::new(&home).join(".vault-token");
        if let Err(e) = write_private(&path, &init.root_token) {
            tracing::warn!(error = %e, "could not write ~/.vault-token");
        }
    }
    let key_b64 = base64::engine::general_purpose::STANDARD.encode(key.as_slice());
    println!(
        "WARNING! dev mode is enabled! In this mode, Arca runs with its data in a temporary\n\
         directory and starts unsealed with a single unseal key. The root token is already\n\
         authenticated to the CLI, so you can immediately begin using it.\n\n\
         You may need to set the following environment variables:\n\n    \
         $ export VAULT_ADDR='{api_addr}'\n\n\
         The unseal key and root token are displayed below in case you want to\n\
         seal/unseal the Vault or re-authenticate.\n\n\
         Unseal Key: {key_b64}\n\
         Root Token: {}\n\n\
         Development mode should NOT be used in production installations!\n",
        init.root_token
    );
    Ok(())
}

fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    opts.mode(0o600);
    opts.open(path)?.write_all(contents.as_bytes())
}
