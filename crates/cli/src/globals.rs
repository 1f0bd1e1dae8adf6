//! Flags and environment variables every command shares, and the client built from them.
//!
//! Every Vault command accepts the HTTP options (`-address`, `-ca-cert`, `-namespace`,
//! `-wrap-ttl`, ...) with the matching `VAULT_*` variables as defaults, and finds its token in
//! `VAULT_TOKEN` or the token helper file.

use std::path::PathBuf;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::args::{FlagSpec, ParsedArgs, parse_go_bool};
use crate::client::ClientConfig;
use crate::duration;
use crate::env::Env;
use crate::token_helper;

/// Vault's default address.
pub const DEFAULT_ADDRESS: &str = "https://127.0.0.1:8200";

/// The HTTP option flags of every command.
pub const HTTP_FLAGS: &[FlagSpec] = &[
    FlagSpec::value("address"),
    FlagSpec::value("agent-address"),
    FlagSpec::value("ca-cert"),
    FlagSpec::value("ca-path"),
    FlagSpec::value("client-cert"),
    FlagSpec::value("client-key"),
    FlagSpec::value("namespace"),
    FlagSpec::value("ns"),
    FlagSpec::value("tls-server-name"),
    FlagSpec::bool("tls-skip-verify"),
    FlagSpec::bool("policy-override"),
    FlagSpec::value("wrap-ttl"),
    FlagSpec::value("mfa"),
    FlagSpec::bool("non-interactive"),
    FlagSpec::bool("disable-redirects"),
    FlagSpec::bool("output-curl-string"),
];

/// Output flags that Vault reads globally (before the command parses its own flags).
pub const GLOBAL_OUTPUT_FLAGS: &[FlagSpec] =
    &[FlagSpec::value("format"), FlagSpec::bool("detailed")];

/// The `-field` flag, for commands that print single values.
pub const FIELD_FLAG: FlagSpec = FlagSpec::value("field");

fn path_flag(p: &ParsedArgs, env: &Env, flag: &str, var: &str) -> Option<PathBuf> {
    p.last(flag)
        .filter(|v| !v.is_empty())
        .or_else(|| env.get(var))
        .map(PathBuf::from)
}

/// Vault's `namespace.Canonicalize`: no leading slash, one trailing slash.
pub fn canonical_namespace(ns: &str) -> Option<String> {
    let ns = ns.trim().trim_start_matches('/');
    if ns.is_empty() {
        return None;
    }
    Some(if ns.ends_with('/') {
        ns.to_string()
    } else {
        format!("{ns}/")
    })
}

/// Whether `-non-interactive` was given.
pub fn non_interactive(p: &ParsedArgs) -> bool {
    p.bool_or("non-interactive", false).unwrap_or(false)
}

/// Resolves the client configuration from flags, environment and the token helper.
pub fn client_config(p: &ParsedArgs, env: &Env) -> Result<ClientConfig, String> {
    let mut address = p
        .last("address")
        .filter(|v| !v.is_empty())
        .or_else(|| env.get("VAULT_ADDR"))
        .unwrap_or(DEFAULT_ADDRESS)
        .to_string();
    if let Some(agent) = p
        .last("agent-address")
        .filter(|v| !v.is_empty())
        .or_else(|| env.get("VAULT_AGENT_ADDR"))
    {
        address = agent.to_string();
    }
    let tls_skip_verify = match p.bool_opt("tls-skip-verify").map_err(|e| e.to_string())? {
        Some(v) => v,
        None => match env.get("VAULT_SKIP_VERIFY") {
            Some(v) => parse_go_bool(v).ok_or_else(|| {
                "failed to read environment: could not parse VAULT_SKIP_VERIFY".to_string()
            })?,
            None => false,
        },
    };
    let token = match env.get("VAULT_TOKEN") {
        Some(t) => Some(Zeroizing::new(t.to_string())),
        // Without a home directory there is simply no stored token; commands that need
        // none (status, init, unseal) must still work.
        None => match token_helper::token_path(env) {
            Ok(path) => token_helper::get(&path)
                .map_err(|e| format!("failed to get token from token helper: {e}"))?,
            Err(_) => None,
        },
    };
    let namespace = p
        .last("ns")
        .or_else(|| p.last("namespace"))
        .or_else(|| env.get("VAULT_NAMESPACE"))
        .and_then(canonical_namespace);
    let wrap_ttl = match p.last("wrap-ttl") {
        Some(v) => {
            let nanos = duration::parse(v)
                .ok_or_else(|| format!("invalid value {v:?} for flag -wrap-ttl: parse error"))?;
            (nanos != 0).then(|| duration::format_go(nanos))
        }
        None => env.get("VAULT_WRAP_TTL").map(str::to_string),
    };
    let timeout = env
        .get("VAULT_CLIENT_TIMEOUT")
        .and_then(duration::parse)
        .filter(|n| *n > 0)
        .map(|n| Duration::from_nanos(u64::try_from(n).unwrap_or(u64::MAX)))
        .unwrap_or(Duration::from_secs(60));
    Ok(ClientConfig {
        address,
        ca_cert: path_flag(p, env, "ca-cert", "VAULT_CACERT"),
        ca_path: path_flag(p, env, "ca-path", "VAULT_CAPATH"),
        client_cert: path_flag(p, env, "client-cert", "VAULT_CLIENT_CERT"),
        client_key: path_flag(p, env, "client-key", "VAULT_CLIENT_KEY"),
        tls_skip_verify,
        token,
        namespace,
        wrap_ttl,
        policy_override: p.bool_or("policy-override", false).unwrap_or(false),
        timeout,
        output_curl_string: p.bool_or("output-curl-string", false).unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::parse;

    fn parsed(args: &[&str]) -> ParsedArgs {
        let a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse(&a, HTTP_FLAGS).unwrap()
    }

    #[test]
    fn defaults_and_env() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().to_str().unwrap().to_string();
        let c = client_config(&parsed(&[]), &Env::from_pairs([("HOME", home.as_str())])).unwrap();
        assert_eq!(c.address, "https://127.0.0.1:8200");
        assert!(c.token.is_none());
        assert!(!c.tls_skip_verify);
        let env = Env::from_pairs([
            ("HOME", home.as_str()),
            ("VAULT_ADDR", "http://10.0.0.1:8200"),
            ("VAULT_TOKEN", "hvs.env"),
            ("VAULT_SKIP_VERIFY", "true"),
            ("VAULT_NAMESPACE", "/team"),
            ("VAULT_CACERT", "/etc/ca.pem"),
            ("VAULT_WRAP_TTL", "5m"),
        ]);
        let c = client_config(&parsed(&[]), &env).unwrap();
        assert_eq!(c.address, "http://10.0.0.1:8200");
        assert_eq!(c.token.as_deref().map(String::as_str), Some("hvs.env"));
        assert!(c.tls_skip_verify);
        assert_eq!(c.namespace.as_deref(), Some("team/"));
        assert_eq!(c.ca_cert, Some(PathBuf::from("/etc/ca.pem")));
        assert_eq!(c.wrap_ttl.as_deref(), Some("5m"));
    }

    #[test]
    fn flags_override_env() {
        let env = Env::from_pairs([
            ("VAULT_ADDR", "http://env:8200"),
            ("VAULT_TOKEN", "t"),
            ("VAULT_SKIP_VERIFY", "true"),
        ]);
        let c = client_config(
            &parsed(&[
                "-address=http://flag:8200",
                "-tls-skip-verify=false",
                "-namespace",
                "a/b",
                "-ns=c",
                "-wrap-ttl=300",
            ]),
            &env,
        )
        .unwrap();
        assert_eq!(c.address, "http://flag:8200");
        assert!(!c.tls_skip_verify);
        assert_eq!(c.namespace.as_deref(), Some("c/"));
        assert_eq!(c.wrap_ttl.as_deref(), Some("5m0s"));
    }

    #[test]
    fn token_helper_file_is_used_without_vault_token() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".vault-token"), "hvs.file\n").unwrap();
        let env = Env::from_pairs([("HOME", dir.path().to_str().unwrap())]);
        let c = client_config(&parsed(&[]), &env).unwrap();
        assert_eq!(c.token.as_deref().map(String::as_str), Some("hvs.file"));
    }

    #[test]
    fn missing_home_means_no_token() {
        let c = client_config(&parsed(&[]), &Env::default()).unwrap();
        assert!(c.token.is_none());
    }

    #[test]
    fn bad_skip_verify_env_is_an_error() {
        let env = Env::from_pairs([("VAULT_SKIP_VERIFY", "maybe"), ("VAULT_TOKEN", "t")]);
        assert!(client_config(&parsed(&[]), &env).is_err());
    }
}
