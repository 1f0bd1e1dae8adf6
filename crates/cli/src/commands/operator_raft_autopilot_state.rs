//! `vault operator raft autopilot state`: the cluster as autopilot sees it.

use crate::args::FlagSpec;
use crate::commands::Ctx;
use crate::commands::common;
use crate::format::{self, Format};
use crate::ha::pretty_autopilot_state;

/// One-line description for the command list.
pub const SYNOPSIS: &str =
    "Displays the state of the raft cluster under integrated storage as seen by autopilot";
/// Help text.
pub const HELP: &str = "Usage: vault operator raft autopilot state

  Displays the state of the raft cluster under integrated storage as seen by autopilot.";

const FLAGS: &[FlagSpec] = &[FlagSpec::value("dr-token")];

/// Runs the command. Its default output is Vault's "pretty" layout.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse(ctx, argv, FLAGS, false));
    if !p.positionals.is_empty() {
        return common::usage_error(
            ctx,
            format!(
                "Incorrect arguments (expected 0, got {})",
                p.positionals.len()
            ),
        );
    }
    let client = common::or_exit!(common::client(ctx, &p));
    let secret = match client.autopilot_state().await {
        Ok(Some(s)) => s,
        Ok(None) => return 0,
        Err(e) => return common::api_error(ctx, format!("Error checking autopilot state: {e}")),
    };
    let data = secret.data.clone().unwrap_or_default();
    if matches!(ctx.ui.format, Format::Table | Format::Pretty) {
        ctx.ui.output(&pretty_autopilot_state(&data));
        return 0;
    }
    format::output_structured(&mut ctx.ui, &data)
}
