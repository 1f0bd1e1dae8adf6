//! `vault operator init`: initialises the server and prints the unseal keys and root token.
//!
//! Like current Vault, the command first reads `sys/seal-status`: with an auto-unseal seal
//! only recovery shares are sent (defaulting to 5/3), with Shamir only key shares, because the
//! server rejects parameters that do not apply to its seal.

use crate::args::FlagSpec;
use crate::commands::Ctx;
use crate::commands::common::{self, Arity};
use crate::format::{self, Format, wrap::wrap_at_length};
use crate::sys::{InitRequest, InitResponse, MachineInit};

/// Vault's default number of key shares.
pub const DEFAULT_SHARES: i64 = 5;
/// Vault's default key threshold.
pub const DEFAULT_THRESHOLD: i64 = 3;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Initializes a server";
/// Help text.
pub const HELP: &str = "Usage: vault operator init [options]

  Initializes a Vault server. Initialization prepares the storage backend,
  generates the root key and splits it into key shares (\"unseal keys\").
  This can only be done once per cluster.

      $ vault operator init
      $ vault operator init -key-shares=3 -key-threshold=2
      $ vault operator init -status

Common Options:

  -key-shares=<int>         Number of unseal key shares (default 5).
  -key-threshold=<int>      Shares required to unseal (default 3).
  -recovery-shares=<int>    Recovery key shares for auto-unseal seals.
  -recovery-threshold=<int> Recovery shares required (auto-unseal).
  -status                   Exit 0 if initialized, 2 if not, 1 on error.";

const FLAGS: &[FlagSpec] = &[
    FlagSpec::bool("status"),
    FlagSpec::value("key-shares").with_aliases(&["n"]),
    FlagSpec::value("key-threshold").with_aliases(&["t"]),
    FlagSpec::value("pgp-keys"),
    FlagSpec::value("root-token-pgp-key"),
    FlagSpec::value("recovery-shares"),
    FlagSpec::value("recovery-threshold"),
    FlagSpec::value("recovery-pgp-keys"),
    FlagSpec::value("stored-shares"),
    FlagSpec::bool("consul-auto"),
    FlagSpec::value("consul-service"),
];

/// The table-format output of a successful init.
pub fn init_text(req: &InitRequest, resp: &InitResponse) -> Vec<String> {
    let mut out = Vec::new();
    for (i, key) in resp.keys.iter().enumerate() {
        let shown = if resp.keys_base64.len() == resp.keys.len() {
            &resp.keys_base64[i]
        } else {
            key
        };
        out.push(format!("Unseal Key {}: {shown}", i + 1));
    }
    for (i, key) in resp.recovery_keys.iter().enumerate() {
        let shown = if resp.recovery_keys_base64.len() == resp.recovery_keys.len() {
            &resp.recovery_keys_base64[i]
        } else {
            key
        };
        out.push(format!("Recovery Key {}: {shown}", i + 1));
    }
    out.push(String::new());
    out.push(format!("Initial Root Token: {}", resp.root_token));
    if !resp.keys.is_empty() {
        out.push(String::new());
        out.push(wrap_at_length(&format!(
            "Vault initialized with {} key shares and a key threshold of {}. Please \
             securely distribute the key shares printed above. When the Vault is \
             re-sealed, restarted, or stopped, you must supply at least {} of these keys \
             to unseal it before it can start servicing requests.",
            req.secret_shares, req.secret_threshold, req.secret_threshold
        )));
        out.push(String::new());
        out.push(wrap_at_length(&format!(
            "Vault does not store the generated root key. Without at least {} keys to \
             reconstruct the root key, Vault will remain permanently sealed!",
            req.secret_threshold
        )));
        out.push(String::new());
        out.push(wrap_at_length(
            "It is possible to generate new unseal keys, provided you have a quorum of \
             existing unseal keys shares. See \"vault operator rekey\" for more information.",
        ));
    } else {
        out.push(String::new());
        out.push("Success! Vault is initialized".to_string());
    }
    if !resp.recovery_keys.is_empty() {
        out.push(String::new());
        out.push(wrap_at_length(&format!(
            "Recovery key initialized with {} key shares and a key threshold of {}. \
             Please securely distribute the key shares printed above.",
            req.recovery_shares, req.recovery_threshold
        )));
    }
    out
}

/// Fills in defaults for the seal in use, as Vault does after reading `sys/seal-status`.
pub fn build_request(
    recovery_seal: bool,
    shares: Option<i64>,
    threshold: Option<i64>,
    recovery_shares: Option<i64>,
    recovery_threshold: Option<i64>,
) -> InitRequest {
    let mut req = InitRequest {
        secret_shares: shares.unwrap_or(0),
        secret_threshold: threshold.unwrap_or(0),
        recovery_shares: recovery_shares.unwrap_or(0),
        recovery_threshold: recovery_threshold.unwrap_or(0),
        ..Default::default()
    };
    if recovery_seal {
        if req.recovery_shares == 0 {
            req.recovery_shares = DEFAULT_SHARES;
        }
        if req.recovery_threshold == 0 {
            req.recovery_threshold = DEFAULT_THRESHOLD;
        }
    } else {
        if req.secret_shares == 0 {
            req.secret_shares = DEFAULT_SHARES;
        }
        if req.secret_threshold == 0 {
            req.secret_threshold = DEFAULT_THRESHOLD;
        }
    }
    req
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse_with_args(
        ctx,
        argv,
        FLAGS,
        false,
        Arity::NONE
    ));
    for unsupported in ["pgp-keys", "root-token-pgp-key", "recovery-pgp-keys"] {
        if p.is_set(unsupported) {
            return common::usage_error(
                ctx,
                format!(
                    "-{unsupported} is not supported by this client: PGP encryption of keys is not available"
                ),
            );
        }
    }
    if p.bool_or("consul-auto", false).unwrap_or(false) {
        return common::usage_error(ctx, "-consul-auto is not supported by this client");
    }
    let ints = (|| -> Result<_, crate::args::UsageError> {
        Ok((
            p.int_opt("key-shares")?,
            p.int_opt("key-threshold")?,
            p.int_opt("recovery-shares")?,
            p.int_opt("recovery-threshold")?,
            p.bool_or("status", false)?,
        ))
    })();
    let (shares, threshold, rshares, rthreshold, status) = match ints {
        Ok(v) => v,
        Err(e) => return common::usage_error(ctx, e),
    };
    let client = common::or_exit!(common::client(ctx, &p));
    if status {
        return match client.init_status().await {
            Ok(true) => {
                ctx.ui.output("Vault is initialized");
                0
            }
            Ok(false) => {
                ctx.ui.output("Vault is not initialized");
                2
            }
            Err(e) => {
                ctx.ui.error(&format!("Error checking init status: {e}"));
                1
            }
        };
    }
    let seal = match client.seal_status().await {
        Ok(s) => s,
        Err(e) => return common::api_error(ctx, e),
    };
    let req = build_request(seal.recovery_seal, shares, threshold, rshares, rthreshold);
    let resp = match client.init(&req).await {
        Ok(r) => r,
        Err(e) => return common::api_error(ctx, format!("Error initializing: {e}")),
    };
    if ctx.ui.format != Format::Table {
        return format::output_structured(&mut ctx.ui, &MachineInit::new(&req, &resp));
    }
    for line in init_text(&req, &resp) {
        ctx.ui.output(&line);
    }
    if !resp.recovery_keys.is_empty()
        && (shares.is_some_and(|s| s != DEFAULT_SHARES)
            || threshold.is_some_and(|t| t != DEFAULT_THRESHOLD))
    {
        ctx.ui.output("");
        ctx.ui.error(&wrap_at_length(
            "WARNING! -key-shares and -key-threshold is ignored when Auto Unseal is used. \
             Use -recovery-shares and -recovery-threshold instead.",
        ));
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_seal() {
        let r = build_request(false, None, None, None, None);
        assert_eq!((r.secret_shares, r.secret_threshold), (5, 3));
        assert_eq!((r.recovery_shares, r.recovery_threshold), (0, 0));
        let r = build_request(true, None, None, None, None);
        assert_eq!((r.secret_shares, r.secret_threshold), (0, 0));
        assert_eq!((r.recovery_shares, r.recovery_threshold), (5, 3));
        let r = build_request(false, Some(1), Some(1), None, None);
        assert_eq!((r.secret_shares, r.secret_threshold), (1, 1));
    }

    #[test]
    fn table_text_matches_vault() {
        let req = build_request(false, Some(1), Some(1), None, None);
        let resp = InitResponse {
            keys: vec!["aa".into()],
            keys_base64: vec!["NXw7=".into()],
            recovery_keys: Vec::new(),
            recovery_keys_base64: Vec::new(),
            root_token: "hvs.root".into(),
        };
        assert_eq!(
            init_text(&req, &resp).join("\n"),
            "Unseal Key 1: NXw7=\n\
             \n\
             Initial Root Token: hvs.root\n\
             \n\
             Vault initialized with 1 key shares and a key threshold of 1. Please securely\n\
             distribute the key shares printed above. When the Vault is re-sealed,\n\
             restarted, or stopped, you must supply at least 1 of these keys to unseal it\n\
             before it can start servicing requests.\n\
             \n\
             Vault does not store the generated root key. Without at least 1 keys to\n\
             reconstruct the root key, Vault will remain permanently sealed!\n\
             \n\
             It is possible to generate new unseal keys, provided you have a quorum of\n\
             existing unseal keys shares. See \"vault operator rekey\" for more information."
        );
    }

    #[test]
    fn stored_shares_response() {
        let req = build_request(true, None, None, None, None);
        let resp = InitResponse {
            keys: Vec::new(),
            keys_base64: Vec::new(),
            recovery_keys: vec!["aa".into(), "bb".into()],
            recovery_keys_base64: vec!["qg==".into(), "uw==".into()],
            root_token: "hvs.r".into(),
        };
        let text = init_text(&req, &resp).join("\n");
        assert!(text.starts_with("Recovery Key 1: qg==\nRecovery Key 2: uw==\n\nInitial Root Token: hvs.r\n\nSuccess! Vault is initialized\n\nRecovery key initialized with 5 key shares"));
    }
}
