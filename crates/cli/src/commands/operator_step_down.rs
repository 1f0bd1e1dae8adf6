//! `vault operator step-down`: the active node hands over to another voter.

use crate::commands::Ctx;
use crate::commands::common;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Forces Vault to resign active duty";
/// Help text.
pub const HELP: &str = "Usage: vault operator step-down [options]

  Forces the Vault server at the given address to step down from active duty.
  Another voter of the Raft cluster becomes the active node; if there is none,
  the same node stays active.

  Force Vault to step down as the leader:

      $ vault operator step-down";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse(ctx, argv, &[], false));
    if !p.positionals.is_empty() {
        return common::usage_error(
            ctx,
            format!(
                "Too many arguments (expected 0, got {})",
                p.positionals.len()
            ),
        );
    }
    let client = common::or_exit!(common::client(ctx, &p));
    if let Err(e) = client.step_down().await {
        ctx.ui.error(&format!("Error stepping down: {e}"));
        return common::EXIT_API;
    }
    ctx.ui
        .output(&format!("Success! Stepped down: {}", client.address()));
    0
}
