//! `vault kv patch`: updates some keys of a KV v2 secret.
//!
//! By default an HTTP PATCH (JSON merge patch) is tried and, if the server or policy refuses
//! it (405/403), the command falls back to read-modify-write with check-and-set, exactly as
//! Vault does; `-method=patch` and `-method=rw` force one strategy.

use serde_json::{Map, Value, json};

use crate::args::FlagSpec;
use crate::client::Client;
use crate::commands::Ctx;
use crate::commands::common::{self, MOUNT_FLAG};
use crate::format::{self, Format};
use crate::kvdata;
use crate::secret::Secret;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Sets or updates data in the KV store without overwriting";
/// Help text.
pub const HELP: &str = "Usage: vault kv patch [options] KEY [DATA]

  *NOTE*: This is only supported for KV v2 engine mounts.

  Writes the data to the corresponding path in the key-value store, keeping
  keys that are not mentioned.

      $ vault kv patch -mount=secret foo bar=baz
      $ vault kv patch -mount=secret -cas=1 foo bar=baz
      $ vault kv patch -mount=secret -method=rw foo bar=baz
      $ vault kv patch -mount=secret -remove-data=bar foo";

const FLAGS: &[FlagSpec] = &[
    FlagSpec::value("cas"),
    FlagSpec::value("method"),
    MOUNT_FLAG,
    FlagSpec::value("remove-data"),
];

/// Outcome of one patch strategy: a secret to print, or an exit code already decided.
enum Outcome {
    Secret(Box<Secret>),
    Done(i32),
}

struct Patcher<'a> {
    client: &'a Client,
    path: String,
    field: Option<String>,
}

impl Patcher<'_> {
    fn finish(&self, ctx: &mut Ctx, secret: Option<Secret>) -> Outcome {
        let Some(secret) = secret else {
            if ctx.ui.format == Format::Table {
                ctx.ui
                    .output(&format!("Success! Data written to: {}", self.path));
            }
            return Outcome::Done(0);
        };
        if let Some(field) = &self.field {
            return Outcome::Done(format::print_raw_field(
                &mut ctx.ui,
                format::raw_field(&secret, field),
                field,
            ));
        }
        Outcome::Secret(Box::new(secret))
    }

    async fn read_then_write(&self, ctx: &mut Ctx, new_data: &Map<String, Value>) -> Outcome {
        let path = &self.path;
        let secret = match self.client.read(path, Vec::new()).await {
            Ok(s) => s,
            Err(e) => {
                ctx.ui
                    .error(&format!("Error doing pre-read at {path}: {e}"));
                return Outcome::Done(2);
            }
        };
        let Some(secret) = secret.filter(|s| s.data.is_some()) else {
            ctx.ui.error(&format!("No value found at {path}"));
            return Outcome::Done(2);
        };
        let meta = match secret.data_field("metadata") {
            None | Some(Value::Null) => {
                ctx.ui.error(&format!(
                    "No metadata found at {path}; patch only works on existing data"
                ));
                return Outcome::Done(2);
            }
            Some(Value::Object(m)) => m.clone(),
            Some(_) => {
                ctx.ui.error(&format!(
                    "Metadata found at {path} is not the expected type (JSON object)"
                ));
                return Outcome::Done(2);
            }
        };
        let mut data = match secret.data_field("data") {
            None | Some(Value::Null) => {
                ctx.ui.error(&format!(
                    "No data found at {path}; patch only works on existing data"
                ));
                return Outcome::Done(2);
            }
            Some(Value::Object(m)) => m.clone(),
            Some(_) => {
                ctx.ui.error(&format!(
                    "Data found at {path} is not the expected type (JSON object)"
                ));
                return Outcome::Done(2);
            }
        };
        for (k, v) in new_data {
            data.insert(k.clone(), v.clone());
        }
        let cas = meta.get("version").cloned().unwrap_or(Value::Null);
        let body = json!({"data": data, "options": {"cas": cas}});
        match self.client.write(path, body).await {
            Ok(s) => self.finish(ctx, s),
            Err(e) => {
                ctx.ui.error(&format!("Error writing data to {path}: {e}"));
                Outcome::Done(2)
            }
        }
    }

    async fn merge_patch(
        &self,
        ctx: &mut Ctx,
        new_data: &Map<String, Value>,
        cas: i64,
        rw_fallback: bool,
    ) -> Outcome {
        let mut options = Map::new();
        if cas > 0 {
            options.insert("cas".into(), json!(cas));
        }
        let body = json!({"data": new_data, "options": options});
        match self.client.merge_patch(&self.path, body).await {
            Ok(s) => self.finish(ctx, s),
            Err(e) if rw_fallback && e.status() == Some(405) => {
                Box::pin(self.read_then_write(ctx, new_data)).await
            }
            Err(e) if rw_fallback && e.status() == Some(403) => {
                ctx.ui.error(&format!(
                    "Data was written to {} but we recommend that you add the \"patch\" \
                     capability to your ACL policy in order to use HTTP PATCH in the future.",
                    self.path
                ));
                Box::pin(self.read_then_write(ctx, new_data)).await
            }
            Err(e) => {
                ctx.ui
                    .error(&format!("Error writing data to {}: {e}", self.path));
                Outcome::Done(2)
            }
        }
    }
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse(ctx, argv, FLAGS, true));
    let remove = p.string_slice("remove-data");
    if p.positionals.is_empty() {
        return common::usage_error(ctx, "Not enough arguments (expected >1, got 0)");
    }
    if remove.is_empty() && p.positionals.len() == 1 {
        return common::usage_error(ctx, "Must supply data");
    }
    let cas = match p.int_opt("cas") {
        Ok(c) => c.unwrap_or(0),
        Err(e) => return common::usage_error(ctx, e),
    };
    let client = common::or_exit!(common::client(ctx, &p));
    let mut new_data = match kvdata::parse_args_data(ctx.ui.stdin(), &p.positionals[1..]) {
        Ok(d) => d,
        Err(e) => return common::usage_error(ctx, format!("Failed to parse K=V data: {e}")),
    };
    let target = common::or_exit!(common::kv_target(ctx, &client, &p, &p.positionals[0]).await);
    if !target.v2 {
        ctx.ui
            .error("KV engine mount must be version 2 for patch support");
        return common::EXIT_API;
    }
    for key in remove {
        new_data.insert(key, Value::Null);
    }
    let patcher = Patcher {
        client: &client,
        path: target.v2_path("data", false),
        field: common::field(&p),
    };
    let outcome = match p.last("method").unwrap_or("") {
        "rw" => patcher.read_then_write(ctx, &new_data).await,
        "patch" => patcher.merge_patch(ctx, &new_data, cas, false).await,
        "" => patcher.merge_patch(ctx, &new_data, cas, true).await,
        other => {
            ctx.ui.error(&format!(
                "Unsupported method provided to -method flag: {other}"
            ));
            return common::EXIT_API;
        }
    };
    let secret = match outcome {
        Outcome::Done(code) => return code,
        Outcome::Secret(s) => *s,
    };
    if secret.wrap_info.as_ref().is_some_and(|w| w.ttl != 0) {
        return format::output_secret(&mut ctx.ui, &secret);
    }
    if ctx.ui.format == Format::Table {
        let path = patcher.path.clone();
        return common::output_write_metadata(ctx, &path, &secret);
    }
    format::output_secret(&mut ctx.ui, &secret)
}
