//! `vault operator raft autopilot get-config`: autopilot's effective settings.

use crate::args::FlagSpec;
use crate::commands::Ctx;
use crate::commands::common;
use crate::format::{self, Format, columns};
use crate::ha::autopilot_config_rows;

/// One-line description for the command list.
pub const SYNOPSIS: &str =
    "Returns the configuration of the autopilot subsystem under integrated storage";
/// Help text.
pub const HELP: &str = "Usage: vault operator raft autopilot get-config

 Returns the configuration of the autopilot subsystem under integrated storage.";

const FLAGS: &[FlagSpec] = &[FlagSpec::value("dr-token")];

/// Runs the command.
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
    let secret = match client.autopilot_config().await {
        Ok(Some(s)) => s,
        Ok(None) => return 0,
        Err(e) => return common::api_error(ctx, e),
    };
    let data = secret.data.clone().unwrap_or_default();
    if ctx.ui.format != Format::Table {
        return format::output_structured(&mut ctx.ui, &data);
    }
    ctx.ui
        .output(&columns::table(&autopilot_config_rows(&data), "|"));
    0
}
