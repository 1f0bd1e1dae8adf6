//! `vault kv list`: lists keys below a KV path (v2 lists `metadata/`).

use crate::commands::Ctx;
use crate::commands::common::{self, MOUNT_FLAG};
use crate::commands::list::print_list;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "List data or secrets";
/// Help text.
pub const HELP: &str = "Usage: vault kv list [options] PATH

  Lists data from Vault's key-value store at the given path.

      $ vault kv list -mount=secret my-app/
      $ vault kv list secret/my-app/";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let mut p = common::or_exit!(common::parse(ctx, argv, &[MOUNT_FLAG], false));
    if p.positionals.is_empty() && p.last("mount").is_some_and(|m| !m.is_empty()) {
        p.positionals.push(String::new());
    }
    common::or_exit!(common::expect_args(ctx, &p, 1, 1));
    let client = common::or_exit!(common::client(ctx, &p));
    let target = common::or_exit!(common::kv_target(ctx, &client, &p, &p.positionals[0]).await);
    let full_path = if target.v2 {
        target.v2_path("metadata", true)
    } else {
        target.v1_path()
    };
    let result = client.list(&full_path).await;
    print_list(ctx, &full_path, result)
}
