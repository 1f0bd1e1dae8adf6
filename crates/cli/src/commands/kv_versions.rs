//! Shared body of `vault kv undelete` and `vault kv destroy`: POST a version list to
//! `<mount>/<undelete|destroy>/<path>`.

use serde_json::json;

use crate::args::FlagSpec;
use crate::commands::Ctx;
use crate::commands::common::{self, Arity, MOUNT_FLAG};
use crate::format::{self, Format};

/// Flags of both commands.
pub const FLAGS: &[FlagSpec] = &[FlagSpec::value("versions"), MOUNT_FLAG];

/// Runs `undelete` (`api_prefix = "undelete"`) or `destroy`.
pub async fn run(ctx: &mut Ctx, argv: &[String], api_prefix: &str, verb: &str) -> i32 {
    let p = common::or_exit!(common::parse_with_args(
        ctx,
        argv,
        FLAGS,
        false,
        Arity::exactly(1)
    ));
    let versions = common::versions(&p);
    if versions.is_empty() {
        return common::usage_error(
            ctx,
            format!(
                "No versions provided, use the \"-versions\" flag to specify the version to {api_prefix}."
            ),
        );
    }
    let client = common::or_exit!(common::client(ctx, &p));
    let target = common::or_exit!(common::kv_target(ctx, &client, &p, &p.positionals[0]).await);
    if !target.v2 {
        return common::usage_error(ctx, format!("{verb} not supported on KV Version 1"));
    }
    let path = target.v2_path(api_prefix, false);
    match client.write(&path, json!({"versions": versions})).await {
        Ok(None) => {
            if ctx.ui.format == Format::Table {
                ctx.ui.output(&format!("Success! Data written to: {path}"));
            }
            0
        }
        Ok(Some(secret)) => format::output_secret(&mut ctx.ui, &secret),
        Err(e) => {
            ctx.ui.error(&format!("Error writing data to {path}: {e}"));
            common::EXIT_API
        }
    }
}
