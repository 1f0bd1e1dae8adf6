//! `vault kv put`: writes a KV secret (v1 or v2, detected by the preflight).

use serde_json::{Map, Value, json};

use crate::args::FlagSpec;
use crate::commands::Ctx;
use crate::commands::common::{self, MOUNT_FLAG};
use crate::format::{self, Format};
use crate::kvdata;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Sets or updates data in the KV store";
/// Help text.
pub const HELP: &str = "Usage: vault kv put [options] KEY [DATA]

  Writes the data to the given path in the key-value store. The data can be of
  any type.

      $ vault kv put -mount=secret foo bar=baz
      $ vault kv put secret/foo bar=baz
      $ vault kv put -mount=secret foo @data.json
      $ echo \"abcd1234\" | vault kv put -mount=secret foo bar=-
      $ vault kv put -mount=secret -cas=1 foo bar=baz";

const FLAGS: &[FlagSpec] = &[FlagSpec::value("cas"), MOUNT_FLAG];

/// The KV v2 write body: data plus options (with `cas` when given).
pub fn v2_body(data: Map<String, Value>, cas: Option<i64>) -> Value {
    let mut options = Map::new();
    if let Some(c) = cas.filter(|c| *c > -1) {
        options.insert("cas".into(), json!(c));
    }
    json!({"data": data, "options": options})
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse(ctx, argv, FLAGS, true));
    match p.positionals.len() {
        0 => {
            return common::usage_error(ctx, "Not enough arguments (expected >1, got 0)");
        }
        1 => return common::usage_error(ctx, "Must supply data"),
        _ => {}
    }
    let cas = match p.int_opt("cas") {
        Ok(c) => c,
        Err(e) => return common::usage_error(ctx, e),
    };
    let client = common::or_exit!(common::client(ctx, &p));
    let data = match kvdata::parse_args_data(ctx.ui.stdin(), &p.positionals[1..]) {
        Ok(d) => d,
        Err(e) => return common::usage_error(ctx, format!("Failed to parse K=V data: {e}")),
    };
    let target = common::or_exit!(common::kv_target(ctx, &client, &p, &p.positionals[0]).await);
    let full_path = target.full_path("data");
    let body = if target.v2 {
        v2_body(data, cas)
    } else {
        Value::Object(data)
    };
    let secret = match client.write(&full_path, body).await {
        Ok(s) => s,
        Err(e) => return common::api_error(ctx, format!("Error writing data to {full_path}: {e}")),
    };
    let Some(secret) = secret else {
        if ctx.ui.format == Format::Table {
            ctx.ui
                .output(&format!("Success! Data written to: {full_path}"));
        }
        return 0;
    };
    if let Some(field) = common::field(&p) {
        return format::print_raw_field(&mut ctx.ui, format::raw_field(&secret, &field), &field);
    }
    if secret.wrap_info.as_ref().is_some_and(|w| w.ttl != 0) {
        return format::output_secret(&mut ctx.ui, &secret);
    }
    if ctx.ui.format == Format::Table {
        return common::output_write_metadata(ctx, &full_path, &secret);
    }
    format::output_secret(&mut ctx.ui, &secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_body_shape() {
        let mut d = Map::new();
        d.insert("a".into(), json!("b"));
        assert_eq!(
            v2_body(d.clone(), None),
            json!({"data": {"a": "b"}, "options": {}})
        );
        assert_eq!(
            v2_body(d.clone(), Some(-1)),
            json!({"data": {"a": "b"}, "options": {}})
        );
        assert_eq!(
            v2_body(d, Some(0)),
            json!({"data": {"a": "b"}, "options": {"cas": 0}})
        );
    }
}
