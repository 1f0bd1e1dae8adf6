//! `vault print token`: the token the other commands would send.
//!
//! Used by the `curl` lines `-output-curl-string` prints (`$(vault print token)`), so it
//! resolves the token exactly as every command does: `VAULT_TOKEN`, then the token helper.

use crate::commands::Ctx;
use crate::commands::common::{self, Arity};

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Prints the vault token currently in use";
/// Help text.
pub const HELP: &str = "Usage: vault print token

  Prints the value of the Vault token that will be used for commands, after
  taking into account the configured token-helper and the environment.

      $ vault print token";

/// Runs the command.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let (_, client) = common::or_exit!(common::setup(ctx, argv, &[], false, Arity::NONE));
    let token = client.token().unwrap_or_default().to_string();
    ctx.ui.output(&token);
    0
}
