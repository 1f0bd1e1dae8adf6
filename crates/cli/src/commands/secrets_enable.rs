//! `vault secrets enable TYPE`: mounts a secrets engine.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::args::{FlagSpec, ParsedArgs, UsageError};
use crate::commands::Ctx;
use crate::commands::common::{self, Arity};
use crate::duration;
use crate::kv::ensure_trailing_slash;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Enable a secrets engine";
/// Help text.
pub const HELP: &str = "Usage: vault secrets enable [options] TYPE

  Enables a secrets engine. By default, secrets engines are enabled at the path
  corresponding to their TYPE, but users can customize the path using the
  -path option.

      $ vault secrets enable kv
      $ vault secrets enable -path=secret kv-v2
      $ vault secrets enable -path=secret -version=2 kv
      $ vault secrets enable -description=\"My KV\" -max-lease-ttl=30m kv

Command Options:

  -path=<string>              Place where the secrets engine will be accessible.
  -description=<string>       Human-friendly description.
  -default-lease-ttl=<dur>    Default lease TTL for this engine.
  -max-lease-ttl=<dur>        Maximum lease TTL for this engine.
  -options=<key=value>        Engine options (repeatable).
  -version=<int>              Engine version (sets options version).
  -local, -seal-wrap, -external-entropy-access, -force-no-cache";

/// Flags shared by `secrets enable` and `secrets tune`.
pub const MOUNT_CONFIG_FLAGS: &[FlagSpec] = &[
    FlagSpec::value("description"),
    FlagSpec::value("default-lease-ttl"),
    FlagSpec::value("max-lease-ttl"),
    FlagSpec::value("audit-non-hmac-request-keys"),
    FlagSpec::value("audit-non-hmac-response-keys"),
    FlagSpec::value("listing-visibility"),
    FlagSpec::value("passthrough-request-headers"),
    FlagSpec::value("allowed-response-headers"),
    FlagSpec::value("options"),
    FlagSpec::value("version"),
    FlagSpec::value("plugin-version"),
];

const FLAGS: &[FlagSpec] = &[
    FlagSpec::value("path"),
    FlagSpec::bool("force-no-cache"),
    FlagSpec::value("plugin-name"),
    FlagSpec::bool("local"),
    FlagSpec::bool("seal-wrap"),
    FlagSpec::bool("external-entropy-access"),
];

/// Adds the optional list/string config flags that were given to `config`.
pub fn add_optional_config(p: &ParsedArgs, config: &mut Map<String, Value>) {
    for (flag, key) in [
        ("audit-non-hmac-request-keys", "audit_non_hmac_request_keys"),
        (
            "audit-non-hmac-response-keys",
            "audit_non_hmac_response_keys",
        ),
        ("passthrough-request-headers", "passthrough_request_headers"),
        ("allowed-response-headers", "allowed_response_headers"),
    ] {
        if p.is_set(flag) {
            config.insert(key.into(), json!(p.string_slice(flag)));
        }
    }
    if let Some(v) = p.last("listing-visibility") {
        config.insert("listing_visibility".into(), json!(v));
    }
}

/// `-options` plus `-version` as the engine options map.
pub fn engine_options(p: &ParsedArgs) -> Result<BTreeMap<String, String>, UsageError> {
    let mut options = p.string_map("options")?;
    if let Some(v) = p.int_opt("version")?
        && v > 0
    {
        options.insert("version".into(), v.to_string());
    }
    Ok(options)
}

/// The request body and mount path for `secrets enable`; kv-v2 becomes kv with version 2.
pub fn build(p: &ParsedArgs, engine: &str) -> Result<(String, Value), UsageError> {
    let plugin_name = p.string_or("plugin-name", "");
    let engine_type = if engine == "plugin" {
        plugin_name.clone()
    } else {
        engine.to_string()
    };
    let mount_path = match p.last("path").filter(|v| !v.is_empty()) {
        Some(path) => path.to_string(),
        None => engine_type.clone(),
    };
    let mut options = engine_options(p)?;
    let mut wire_type = engine_type.clone();
    if engine_type == "kv-v2" {
        wire_type = "kv".to_string();
        options.insert("version".into(), "2".into());
    }
    let ttl = |name: &str| -> Result<String, UsageError> {
        Ok(duration::format_go(p.duration_opt(name)?.unwrap_or(0)))
    };
    let mut config = Map::new();
    config.insert("default_lease_ttl".into(), json!(ttl("default-lease-ttl")?));
    config.insert("max_lease_ttl".into(), json!(ttl("max-lease-ttl")?));
    config.insert(
        "force_no_cache".into(),
        json!(p.bool_or("force-no-cache", false)?),
    );
    add_optional_config(p, &mut config);
    let mut body = Map::new();
    body.insert("type".into(), json!(wire_type));
    body.insert("description".into(), json!(p.string_or("description", "")));
    body.insert("config".into(), Value::Object(config));
    body.insert("local".into(), json!(p.bool_or("local", false)?));
    body.insert("seal_wrap".into(), json!(p.bool_or("seal-wrap", false)?));
    body.insert(
        "external_entropy_access".into(),
        json!(p.bool_or("external-entropy-access", false)?),
    );
    if !options.is_empty() {
        body.insert("options".into(), json!(options));
    }
    if let Some(v) = p.last("plugin-version").filter(|v| !v.is_empty()) {
        body.insert("plugin_version".into(), json!(v));
    }
    Ok((ensure_trailing_slash(&mount_path), Value::Object(body)))
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
    let engine = p.positionals[0].trim().to_string();
    let (mount_path, body) = match build(&p, &engine) {
        Ok(v) => v,
        Err(e) => return common::usage_error(ctx, e),
    };
    let client = common::or_exit!(common::client(ctx, &p));
    if let Err(e) = client.mount(&mount_path, body).await {
        ctx.ui.error(&format!("Error enabling: {e}"));
        return common::EXIT_API;
    }
    let mut thing = if engine == "plugin" {
        format!("{} plugin", p.string_or("plugin-name", ""))
    } else {
        format!("{engine} secrets engine")
    };
    if let Some(v) = p.last("plugin-version").filter(|v| !v.is_empty()) {
        thing.push_str(&format!(" version {v}"));
    }
    ctx.ui
        .output(&format!("Success! Enabled the {thing} at: {mount_path}"));
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::parse;

    fn parsed(args: &[&str]) -> ParsedArgs {
        let a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse(&a, &[MOUNT_CONFIG_FLAGS, FLAGS].concat()).unwrap()
    }

    #[test]
    fn kv_v2_becomes_kv_version_2() {
        let (path, body) = build(&parsed(&["-path=secret"]), "kv-v2").unwrap();
        assert_eq!(path, "secret/");
        assert_eq!(body["type"], json!("kv"));
        assert_eq!(body["options"], json!({"version": "2"}));
        assert_eq!(body["config"]["default_lease_ttl"], json!("0s"));
    }

    #[test]
    fn defaults_path_to_type_and_formats_ttls() {
        let (path, body) = build(
            &parsed(&[
                "-description=my kv",
                "-max-lease-ttl=30m",
                "-default-lease-ttl=3600",
                "-options=foo=bar",
                "-version=2",
                "-audit-non-hmac-request-keys=a,b",
            ]),
            "kv",
        )
        .unwrap();
        assert_eq!(path, "kv/");
        assert_eq!(body["description"], json!("my kv"));
        assert_eq!(body["config"]["max_lease_ttl"], json!("30m0s"));
        assert_eq!(body["config"]["default_lease_ttl"], json!("1h0m0s"));
        assert_eq!(
            body["config"]["audit_non_hmac_request_keys"],
            json!(["a", "b"])
        );
        assert_eq!(body["options"], json!({"foo": "bar", "version": "2"}));
    }

    #[test]
    fn bad_ttl_is_a_usage_error() {
        assert!(build(&parsed(&["-max-lease-ttl=soon"]), "kv").is_err());
    }
}
