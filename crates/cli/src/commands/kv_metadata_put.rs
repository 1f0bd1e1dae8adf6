//! `vault kv metadata put`: creates or updates a KV v2 key's metadata.

use serde_json::{Map, Value, json};

use crate::args::{FlagSpec, ParsedArgs, UsageError};
use crate::commands::Ctx;
use crate::commands::common::{self, Arity, MOUNT_FLAG};
use crate::duration;
use crate::format::{self, Format};

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Sets or updates key settings in the KV store";
/// Help text.
pub const HELP: &str = "Usage: vault kv metadata put [options] KEY

  This command can be used to create a blank key in the key-value store or to
  update key configuration for a specified key.

      $ vault kv metadata put -mount=secret foo
      $ vault kv metadata put -mount=secret -max-versions=5 foo
      $ vault kv metadata put -mount=secret -delete-version-after=3h25m19s foo
      $ vault kv metadata put -mount=secret -cas-required foo
      $ vault kv metadata put -mount=secret -custom-metadata=foo=abc foo";

const FLAGS: &[FlagSpec] = &[
    FlagSpec::value("max-versions"),
    FlagSpec::bool("cas-required"),
    FlagSpec::value("delete-version-after"),
    FlagSpec::value("custom-metadata"),
    MOUNT_FLAG,
];

/// The metadata body: only the settings that were given.
pub fn build(p: &ParsedArgs) -> Result<Value, UsageError> {
    let mut data = Map::new();
    if let Some(n) = p.int_opt("max-versions")?
        && n >= 0
    {
        data.insert("max_versions".into(), json!(n));
    }
    if let Some(b) = p.bool_opt("cas-required")? {
        data.insert("cas_required".into(), json!(b));
    }
    if let Some(d) = p.duration_opt("delete-version-after")?
        && d >= 0
    {
        data.insert("delete_version_after".into(), json!(duration::format_go(d)));
    }
    let custom = p.string_map("custom-metadata")?;
    if !custom.is_empty() {
        data.insert("custom_metadata".into(), json!(custom));
    }
    Ok(Value::Object(data))
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    send(ctx, argv, FLAGS, build, Write::Replace).await
}

/// How a metadata body reaches the server.
pub(crate) enum Write {
    /// `POST`: the settings given replace the stored ones (`kv metadata put`).
    Replace,
    /// `PATCH` with a JSON merge patch: settings not given are kept (`kv metadata patch`).
    MergePatch,
}

/// The body of `kv metadata put` and `kv metadata patch`: parse the flags, build the body,
/// find the KV v2 mount and send it, printing Vault's answers.
pub(crate) async fn send(
    ctx: &mut Ctx,
    argv: &[String],
    flags: &[FlagSpec],
    build: fn(&ParsedArgs) -> Result<Value, UsageError>,
    how: Write,
) -> i32 {
    let p = common::or_exit!(common::parse_with_args(
        ctx,
        argv,
        flags,
        false,
        Arity::exactly(1)
    ));
    let body = match build(&p) {
        Ok(b) => b,
        Err(e) => return common::usage_error(ctx, e),
    };
    let client = common::or_exit!(common::client(ctx, &p));
    let target = common::or_exit!(common::kv_target(ctx, &client, &p, &p.positionals[0]).await);
    if !target.v2 {
        return common::usage_error(ctx, "Metadata not supported on KV Version 1");
    }
    let full_path = target.v2_path("metadata", false);
    let answer = match how {
        Write::Replace => client.write(&full_path, body).await,
        Write::MergePatch => client.merge_patch(&full_path, body).await,
    };
    match answer {
        Ok(None) => {
            if ctx.ui.format == Format::Table {
                ctx.ui
                    .output(&format!("Success! Data written to: {full_path}"));
            }
            0
        }
        Ok(Some(secret)) => format::output_secret(&mut ctx.ui, &secret),
        Err(e) => common::api_error(ctx, format!("Error writing data to {full_path}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::parse;

    #[test]
    fn only_given_settings() {
        let a: Vec<String> = [
            "-max-versions=5",
            "-cas-required",
            "-delete-version-after=3h25m19s",
            "-custom-metadata=a=1",
            "-custom-metadata=b=2",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let p = parse(&a, FLAGS).unwrap();
        assert_eq!(
            build(&p).unwrap(),
            json!({"max_versions": 5, "cas_required": true,
                   "delete_version_after": "3h25m19s", "custom_metadata": {"a": "1", "b": "2"}})
        );
        let p = parse(&[], FLAGS).unwrap();
        assert_eq!(build(&p).unwrap(), json!({}));
    }
}
