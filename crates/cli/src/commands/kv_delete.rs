//! `vault kv delete`: soft-deletes the latest version (or `-versions`) of a KV secret.

use serde_json::json;

use crate::args::FlagSpec;
use crate::commands::Ctx;
use crate::commands::common::{self, Arity, MOUNT_FLAG};

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Deletes versions in the KV store";
/// Help text.
pub const HELP: &str = "Usage: vault kv delete [options] PATH

  Deletes the data for the provided version and path in the key-value store.
  The versioned data will not be fully removed, but marked as deleted and will
  no longer be returned in normal get requests.

      $ vault kv delete -mount=secret foo
      $ vault kv delete -mount=secret -versions=3 foo";

const FLAGS: &[FlagSpec] = &[FlagSpec::value("versions"), MOUNT_FLAG];

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let (p, client) = common::or_exit!(common::setup(ctx, argv, FLAGS, false, Arity::exactly(1)));
    let target = common::or_exit!(common::kv_target(ctx, &client, &p, &p.positionals[0]).await);
    let versions = common::versions(&p);
    let full_path = target.full_path("data");
    let result = if target.v2 && !versions.is_empty() {
        client
            .write(
                &target.v2_path("delete", false),
                json!({"versions": versions}),
            )
            .await
    } else {
        client.delete(&full_path, Vec::new()).await
    };
    if let Err(e) = result {
        ctx.ui.error(&format!("Error deleting {full_path}: {e}"));
        return common::EXIT_API;
    }
    ctx.ui.output(&format!(
        "Success! Data deleted (if it existed) at: {full_path}"
    ));
    0
}
