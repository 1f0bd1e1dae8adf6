//! `vault operator unseal [KEY]`: submits one unseal key share and prints the seal status.
//!
//! Without a key argument the share is prompted for with hidden input when stdin is a
//! terminal; when stdin is not a terminal one line is read from it (Vault refuses instead; a
//! pipe is accepted here so automation does not need to put keys on the command line).

use serde_json::json;
use zeroize::Zeroizing;

use crate::args::FlagSpec;
use crate::commands::Ctx;
use crate::commands::common::{self, Arity};
use crate::commands::status::output_seal_status;
use crate::format::wrap::wrap_at_length;
use crate::globals;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Unseals the Vault server";
/// Help text.
pub const HELP: &str = "Usage: vault operator unseal [options] [KEY]

  Provides a portion of the root key to unseal a Vault server. Run this once
  per key share until the threshold is reached. Without KEY the share is read
  with hidden input.

      $ vault operator unseal
      $ vault operator unseal -reset

Common Options:

  -reset      Discard previously-provided key shares.
  -migrate    Indicate that this share is part of a seal migration.";

const FLAGS: &[FlagSpec] = &[FlagSpec::bool("reset"), FlagSpec::bool("migrate")];

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse_with_args(
        ctx,
        argv,
        FLAGS,
        false,
        Arity::between(0, 1)
    ));
    let (reset, migrate) = match (p.bool_or("reset", false), p.bool_or("migrate", false)) {
        (Ok(r), Ok(m)) => (r, m),
        (Err(e), _) | (_, Err(e)) => return common::usage_error(ctx, e),
    };
    let mut key = Zeroizing::new(
        p.positionals
            .first()
            .map(|k| k.trim().to_string())
            .unwrap_or_default(),
    );
    let client = common::or_exit!(common::client(ctx, &p));
    if reset {
        return match client.unseal(json!({"reset": true})).await {
            Ok(status) => output_seal_status(ctx, &client, status).await,
            Err(e) => {
                ctx.ui
                    .error(&format!("Error resetting unseal process: {e}"));
                common::EXIT_API
            }
        };
    }
    if key.is_empty() {
        if globals::non_interactive(&p) {
            return common::usage_error(
                ctx,
                "An unseal key must be provided as an argument when -non-interactive is set",
            );
        }
        match ctx.ui.read_secret("Unseal Key (will be hidden): ", true) {
            Ok(v) => key = Zeroizing::new(v.trim().to_string()),
            Err(e) => {
                ctx.ui.error(&wrap_at_length(&format!(
                    "An error occurred attempting to ask for an unseal key. The raw error \
                     message is shown below, but usually this is because you attempted to \
                     pipe a value into the unseal command or you are executing outside of a \
                     terminal (tty). The raw error was:\n\n{e}"
                )));
                return 1;
            }
        }
    }
    let body = json!({"key": key.as_str(), "reset": false, "migrate": migrate});
    match client.unseal(body).await {
        Ok(status) => output_seal_status(ctx, &client, status).await,
        Err(e) => {
            ctx.ui.error(&format!("Error unsealing: {e}"));
            common::EXIT_API
        }
    }
}
