//! `vault kv metadata patch`: changes some of a KV v2 key's metadata settings, keeping the
//! rest (an HTTP PATCH with a JSON merge patch, as Vault sends it).

use serde_json::{Map, Value, json};

use crate::args::{FlagSpec, ParsedArgs, UsageError};
use crate::commands::Ctx;
use crate::commands::common::MOUNT_FLAG;
use crate::commands::kv_metadata_put;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Patches key settings in the KV store";
/// Help text.
pub const HELP: &str = "Usage: vault kv metadata patch [options] KEY

  This command can be used to update key configuration for a specified key,
  keeping the settings that are not given.

      $ vault kv metadata patch -mount=secret -max-versions=5 foo
      $ vault kv metadata patch -mount=secret -delete-version-after=3h25m19s foo
      $ vault kv metadata patch -mount=secret -cas-required foo
      $ vault kv metadata patch -mount=secret -custom-metadata=foo=abc foo
      $ vault kv metadata patch -mount=secret -remove-custom-metadata=foo foo";

const FLAGS: &[FlagSpec] = &[
    FlagSpec::value("max-versions"),
    FlagSpec::bool("cas-required"),
    FlagSpec::value("delete-version-after"),
    FlagSpec::value("custom-metadata"),
    FlagSpec::value("remove-custom-metadata"),
    MOUNT_FLAG,
];

/// The merge-patch body: the given settings, and `custom_metadata` always present with
/// `null` for each removed key.
pub fn build(p: &ParsedArgs) -> Result<Value, UsageError> {
    let mut body = kv_metadata_put::build(p)?;
    let mut custom: Map<String, Value> = p
        .string_map("custom-metadata")?
        .into_iter()
        .map(|(k, v)| (k, json!(v)))
        .collect();
    for key in p.string_slice("remove-custom-metadata") {
        custom.insert(key, Value::Null);
    }
    if let Some(obj) = body.as_object_mut() {
        obj.insert("custom_metadata".into(), Value::Object(custom));
    }
    Ok(body)
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    kv_metadata_put::send(ctx, argv, FLAGS, build, kv_metadata_put::Write::MergePatch).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::parse;

    #[test]
    fn body_keeps_unset_settings_out_and_nulls_removed_keys() {
        let args: Vec<String> = [
            "-max-versions=3",
            "-custom-metadata=a=1",
            "-remove-custom-metadata=b",
            "k",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let p = parse(&args, FLAGS).unwrap();
        assert_eq!(
            build(&p).unwrap(),
            json!({"max_versions": 3, "custom_metadata": {"a": "1", "b": null}})
        );
        let p = parse(&["k".to_string()], FLAGS).unwrap();
        assert_eq!(build(&p).unwrap(), json!({"custom_metadata": {}}));
    }
}
