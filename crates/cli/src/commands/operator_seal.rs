//! `vault operator seal`: seals the node.

use crate::commands::Ctx;
use crate::commands::common;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Seals the Vault server";
/// Help text.
pub const HELP: &str = "Usage: vault operator seal [options]

  Seals the Vault server. Once sealed, the server must be unsealed with the
  unseal keys before it can serve requests again.

      $ vault operator seal";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = match common::parse(ctx, argv, &[], false) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Err(code) = common::expect_args(ctx, &p, 0, 0) {
        return code;
    }
    let client = match common::client(ctx, &p) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Err(e) = client.seal().await {
        ctx.ui.error(&format!("Error sealing: {e}"));
        return common::EXIT_API;
    }
    ctx.ui.output("Success! Vault is sealed.");
    0
}
