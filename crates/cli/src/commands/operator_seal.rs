//! `vault operator seal`: seals the node.

use crate::commands::Ctx;
use crate::commands::common::{self, Arity};

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Seals the Vault server";
/// Help text.
pub const HELP: &str = "Usage: vault operator seal [options]

  Seals the Vault server. Once sealed, the server must be unsealed with the
  unseal keys before it can serve requests again.

      $ vault operator seal";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let (_, client) = common::or_exit!(common::setup(ctx, argv, &[], false, Arity::NONE));
    if let Err(e) = client.seal().await {
        ctx.ui.error(&format!("Error sealing: {e}"));
        return common::EXIT_API;
    }
    ctx.ui.output("Success! Vault is sealed.");
    0
}
