//! `vault operator members`: the active node and the standbys it hears from.

use serde_json::json;

use crate::commands::Ctx;
use crate::commands::common;
use crate::format::{self, Format, columns};
use crate::ha::member_rows;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Returns the list of nodes in the cluster";
/// Help text.
pub const HELP: &str = "Usage: vault operator members

  Provides the details of all the nodes in the cluster.

      $ vault operator members";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse(ctx, argv, &[], false));
    let client = common::or_exit!(common::client(ctx, &p));
    let nodes = match client.ha_status().await {
        Ok(n) => n,
        Err(e) => return common::api_error(ctx, e),
    };
    if ctx.ui.format != Format::Table {
        return format::output_structured(&mut ctx.ui, &json!({ "Nodes": nodes }));
    }
    ctx.ui.output(&columns::table(&member_rows(&nodes), "|"));
    0
}
