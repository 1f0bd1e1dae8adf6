//! `vault delete PATH [k=v...]`: deletes at any path.

use crate::commands::Ctx;
use crate::commands::common::{self, Arity};
use crate::kv::sanitize_path;
use crate::kvdata;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Delete secrets and configuration";
/// Help text.
pub const HELP: &str = "Usage: vault delete [options] PATH

  Deletes secrets and configuration from Vault at the given path. The behavior
  of \"delete\" is delegated to the backend corresponding to the given path.

      $ vault delete secret/my-secret";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse_with_args(
        ctx,
        argv,
        &[],
        false,
        Arity::at_least(1)
    ));
    let path = sanitize_path(&p.positionals[0]);
    let query = match kvdata::parse_args_data_string_lists(ctx.ui.stdin(), &p.positionals[1..]) {
        Ok(d) => kvdata::to_query(d),
        Err(e) => {
            return common::usage_error(ctx, format!("Failed to parse K=V data: {e}"));
        }
    };
    let client = common::or_exit!(common::client(ctx, &p));
    if let Err(e) = client.delete(&path, query).await {
        ctx.ui.error(&format!("Error deleting {path}: {e}"));
        return common::EXIT_API;
    }
    ctx.ui
        .output(&format!("Success! Data deleted (if it existed) at: {path}"));
    0
}
