//! `vault secrets tune PATH`: changes a mount's configuration.

use serde_json::{Map, Value, json};

use crate::args::{ParsedArgs, UsageError};
use crate::commands::Ctx;
use crate::commands::common::{self, Arity};
use crate::commands::secrets_enable::{MOUNT_CONFIG_FLAGS, add_optional_config, engine_options};
use crate::duration;
use crate::kv::{ensure_trailing_slash, sanitize_path};

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Tune a secrets engine configuration";
/// Help text.
pub const HELP: &str = "Usage: vault secrets tune [options] PATH

  Tunes the configuration options for the secrets engine at the given PATH.

      $ vault secrets tune -default-lease-ttl=72h pki/
      $ vault secrets tune -options=version=2 secret/";

/// Vault's `ttlToAPI`: zero means "unchanged" (empty), negative means "system".
pub fn ttl_to_api(nanos: i128) -> String {
    if nanos == 0 {
        String::new()
    } else if nanos < 0 {
        "system".to_string()
    } else {
        duration::format_go(nanos)
    }
}

/// The tune request body, holding only what the user asked to change.
pub fn build(p: &ParsedArgs) -> Result<Value, UsageError> {
    let mut body = Map::new();
    for (flag, key) in [
        ("default-lease-ttl", "default_lease_ttl"),
        ("max-lease-ttl", "max_lease_ttl"),
    ] {
        if let Some(n) = p.duration_opt(flag)? {
            body.insert(key.into(), json!(ttl_to_api(n)));
        }
    }
    if let Some(d) = p.last("description") {
        body.insert("description".into(), json!(d));
    }
    add_optional_config(p, &mut body);
    let options = engine_options(p)?;
    if !options.is_empty() {
        body.insert("options".into(), json!(options));
    }
    if let Some(v) = p.last("plugin-version") {
        body.insert("plugin_version".into(), json!(v));
    }
    Ok(Value::Object(body))
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse_with_args(
        ctx,
        argv,
        MOUNT_CONFIG_FLAGS,
        false,
        Arity::exactly(1)
    ));
    let body = match build(&p) {
        Ok(b) => b,
        Err(e) => return common::usage_error(ctx, e),
    };
    let path = ensure_trailing_slash(&sanitize_path(&p.positionals[0]));
    let client = common::or_exit!(common::client(ctx, &p));
    if let Err(e) = client.tune_mount(&path, body).await {
        ctx.ui
            .error(&format!("Error tuning secrets engine {path}: {e}"));
        return common::EXIT_API;
    }
    ctx.ui
        .output(&format!("Success! Tuned the secrets engine at: {path}"));
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::parse;

    #[test]
    fn only_given_fields_are_sent() {
        let a: Vec<String> = ["-max-lease-ttl=72h", "-version=2", "-description="]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let p = parse(&a, MOUNT_CONFIG_FLAGS).unwrap();
        assert_eq!(
            build(&p).unwrap(),
            json!({"max_lease_ttl": "72h0m0s", "description": "", "options": {"version": "2"}})
        );
        assert_eq!(ttl_to_api(0), "");
        assert_eq!(ttl_to_api(-1), "system");
    }
}
