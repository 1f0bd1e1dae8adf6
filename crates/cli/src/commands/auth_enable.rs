//! `vault auth enable [options] TYPE`: enables an auth method.

use serde_json::{Map, Value, json};

use crate::args::{FlagSpec, ParsedArgs, UsageError};
use crate::commands::Ctx;
use crate::commands::common::{self, Arity};
use crate::commands::secrets_enable::{MOUNT_CONFIG_FLAGS, add_optional_config, engine_options};
use crate::duration;
use crate::kv::ensure_trailing_slash;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Enables a new auth method";
/// Help text.
pub const HELP: &str = "Usage: vault auth enable [options] TYPE

  Enables a new auth method. An auth method is responsible for authenticating
  users or machines and assigning them policies with which they can access
  Vault.

      $ vault auth enable userpass
      $ vault auth enable -path=apps approle

Command Options:

  -path=<string>              Place where the auth method will be accessible.
  -description=<string>       Human-friendly description of the auth method.
  -default-lease-ttl=<dur>    Default lease TTL of tokens it issues.
  -max-lease-ttl=<dur>        Maximum lease TTL of tokens it issues.
  -token-type=<string>        default-service, default-batch, service or batch.
  -options=<key=value>        Method options (repeatable).
  -local, -seal-wrap, -external-entropy-access";

const FLAGS: &[FlagSpec] = &[
    FlagSpec::value("path"),
    FlagSpec::value("plugin-name"),
    FlagSpec::value("token-type"),
    FlagSpec::bool("local"),
    FlagSpec::bool("seal-wrap"),
    FlagSpec::bool("external-entropy-access"),
];

/// The mount path and request body for `auth enable`.
pub fn build(p: &ParsedArgs, method: &str) -> Result<(String, String, Value), UsageError> {
    let auth_type = if method == "plugin" {
        p.string_or("plugin-name", "")
    } else {
        method.to_string()
    };
    let path = match p.last("path").filter(|v| !v.is_empty()) {
        Some(path) => path.to_string(),
        None => auth_type.clone(),
    };
    let ttl = |name: &str| -> Result<String, UsageError> {
        Ok(duration::format_go(p.duration_opt(name)?.unwrap_or(0)))
    };
    let mut config = Map::new();
    config.insert("default_lease_ttl".into(), json!(ttl("default-lease-ttl")?));
    config.insert("max_lease_ttl".into(), json!(ttl("max-lease-ttl")?));
    add_optional_config(p, &mut config);
    if let Some(t) = p.last("token-type") {
        config.insert("token_type".into(), json!(t));
    }
    let mut body = Map::new();
    body.insert("type".into(), json!(auth_type));
    body.insert("description".into(), json!(p.string_or("description", "")));
    body.insert("config".into(), Value::Object(config));
    body.insert("local".into(), json!(p.bool_or("local", false)?));
    body.insert("seal_wrap".into(), json!(p.bool_or("seal-wrap", false)?));
    body.insert(
        "external_entropy_access".into(),
        json!(p.bool_or("external-entropy-access", false)?),
    );
    let options = engine_options(p)?;
    if !options.is_empty() {
        body.insert("options".into(), json!(options));
    }
    if let Some(v) = p.last("plugin-version").filter(|v| !v.is_empty()) {
        body.insert("plugin_version".into(), json!(v));
    }
    Ok((auth_type, ensure_trailing_slash(&path), Value::Object(body)))
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let specs: Vec<FlagSpec> = [MOUNT_CONFIG_FLAGS, FLAGS].concat();
    let p = common::or_exit!(common::parse_with_args(
        ctx,
        argv,
        &specs,
        false,
        Arity::exactly(1)
    ));
    let method = p.positionals[0].trim().to_string();
    let (auth_type, path, body) = match build(&p, &method) {
        Ok(v) => v,
        Err(e) => return common::usage_error(ctx, e),
    };
    let client = common::or_exit!(common::client(ctx, &p));
    if let Err(e) = client.enable_auth(&path, body).await {
        ctx.ui
            .error(&format!("Error enabling {auth_type} auth: {e}"));
        return common::EXIT_API;
    }
    let mut thing = if method == "plugin" {
        format!("{auth_type} plugin")
    } else {
        format!("{auth_type} auth method")
    };
    if let Some(v) = p.last("plugin-version").filter(|v| !v.is_empty()) {
        thing.push_str(&format!(" version {v}"));
    }
    ctx.ui
        .output(&format!("Success! Enabled {thing} at: {path}"));
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::parse;

    #[test]
    fn path_defaults_to_the_type() {
        let a: Vec<String> = [
            "-default-lease-ttl=1h",
            "-token-type=batch",
            "-description=x",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let p = parse(&a, &[MOUNT_CONFIG_FLAGS, FLAGS].concat()).unwrap();
        let (t, path, body) = build(&p, "userpass").unwrap();
        assert_eq!((t.as_str(), path.as_str()), ("userpass", "userpass/"));
        assert_eq!(body["type"], "userpass");
        assert_eq!(body["config"]["default_lease_ttl"], "1h0m0s");
        assert_eq!(body["config"]["max_lease_ttl"], "0s");
        assert_eq!(body["config"]["token_type"], "batch");
        assert_eq!(body["description"], "x");
    }
}
