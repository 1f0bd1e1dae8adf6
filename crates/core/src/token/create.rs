//! `auth/token/create`, `create-orphan` and `create/:role`: Vault's rules for child
//! tokens (policies a subset of the parent's unless sudo or a role allows more, orphans
//! need sudo, periodic tokens need sudo, batch tokens have no period, uses or explicit
//! max TTL), then the TTL hierarchy.

use std::collections::BTreeMap;

use arca_sdk::{Error, FieldData, Request, Response, Storage, duration::parse_duration_value};
use serde_json::Value;

use super::{
    TokenEntry, TokenStore, TokenType,
    caller::current,
    policies::{NON_ASSIGNABLE, is_subset, matches_any_glob, sanitize},
    renew::mount_ttls_for,
    roles::RoleEntry,
    ttl::{TtlRequest, calculate_ttl},
};
use crate::{Core, policy_store::POLICY_PREFIX};

/// A duration field (seconds or a duration string); `None` when unset or empty.
pub(crate) fn duration_field(d: &FieldData, name: &str) -> Result<Option<u64>, Error> {
    match d.get(name)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(v) => parse_duration_value(&v)
            .map(|d| Some(d.as_secs()))
            .map_err(Error::bad_request),
    }
}

/// True when the caller may use `sudo`-only options on `path` (root tokens always).
pub(crate) async fn is_sudo(
    core: &Core,
    storage: &dyn Storage,
    entry: &TokenEntry,
    path: &str,
) -> Result<bool, Error> {
    if entry.is_root() {
        return Ok(true);
    }
    let acl = core.acl_for(storage, &entry.policies).await?;
    Ok(acl
        .check(arca_sdk::Operation::Update, path, &arca_sdk::Map::new())
        .sudo)
}

/// Vault's display names: `token-<name>` with anything but `[a-zA-Z0-9-]` replaced.
fn display_name(raw: &str) -> String {
    let full: String = format!("token-{raw}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    full.strip_suffix('-').unwrap_or(&full).to_string()
}

fn meta(d: &FieldData) -> Result<BTreeMap<String, String>, Error> {
    let map = match d.get_map("meta")? {
        Some(m) => m,
        None => d.get_map("metadata")?.unwrap_or_default(),
    };
    Ok(map
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, v)
        })
        .collect())
}

/// Creates a token for the caller. `orphan_path` is `create-orphan`; `role` is set for
/// `create/:role`.
pub(crate) async fn create(
    core: &Core,
    req: &Request,
    d: &FieldData,
    orphan_path: bool,
    role: Option<RoleEntry>,
) -> Result<Option<Response>, Error> {
    let parent = current().ok_or(Error::PermissionDenied)?.entry;
    if parent.is_batch() {
        return Err(Error::bad_request("batch tokens cannot create more tokens"));
    }
    if parent.num_uses > 0 {
        return Err(Error::bad_request(
            "restricted use token cannot generate child tokens",
        ));
    }
    let storage = req.storage.as_ref();
    let full_path = format!("{}{}", req.mount_point, req.path);
    let sudo = is_sudo(core, storage, &parent, &full_path).await?;
    let mut resp = Response::default();

    let mut renewable = if d.is_set("renewable") {
        d.get_bool("renewable")?
    } else {
        true
    };
    let explicit_max = duration_field(d, "explicit_max_ttl")?;
    let period = duration_field(d, "period")?;
    let num_uses = d.get_i64("num_uses")?.unwrap_or(0);

    let mut type_name = d.get_str("type")?;
    if let Some(role) = &role {
        match role.token_type() {
            "default-service" => {}
            "default-batch" => {
                if type_name.is_empty() {
                    type_name = "batch".into();
                }
            }
            "service" | "batch" => type_name = role.token_type().to_string(),
            other => {
                return Err(Error::bad_request(format!(
                    "role being used for token creation contains invalid token type {other:?}"
                )));
            }
        }
    }
    let token_type = match type_name.as_str() {
        "" | "service" => TokenType::Service,
        "batch" => {
            let bad = if explicit_max.unwrap_or(0) != 0 {
                Some("explicit_max_ttl")
            } else if num_uses != 0 {
                Some("num_uses")
            } else if period.unwrap_or(0) != 0 {
                Some("period")
            } else {
                None
            };
            if let Some(bad) = bad {
                return Err(Error::bad_request(format!(
                    "batch tokens cannot have {bad:?} set"
                )));
            }
            renewable = false;
            TokenType::Batch
        }
        _ => return Err(Error::bad_request("invalid 'token_type' value")),
    };
    if num_uses < 0 {
        return Err(Error::bad_request("number of uses cannot be negative"));
    }
    if !d.get_str("entity_alias")?.is_empty() && role.is_none() {
        return Err(Error::bad_request(
            "'entity_alias' is only allowed in combination with token role",
        ));
    }

    let mut te = TokenEntry {
        parent_hash: parent.id_hash.clone(),
        path: format!("auth/token/{}", req.path),
        meta: meta(d)?,
        display_name: "token".into(),
        num_uses: num_uses as u64,
        token_type,
        ..Default::default()
    };
    if let Some(role) = &role {
        te.role = role.name.clone();
        if renewable && !role.renewable {
            renewable = false;
        }
        if role.token_num_uses > 0 && (te.num_uses == 0 || role.token_num_uses < te.num_uses) {
            te.num_uses = role.token_num_uses;
        }
        if !role.path_suffix.is_empty() {
            te.path = format!("{}/{}", te.path, role.path_suffix);
        }
    }
    let name = d.get_str("display_name")?;
    if !name.is_empty() {
        te.display_name = display_name(&name);
    }

    let id = d.get_str("id")?;
    let custom_id = if id.is_empty() {
        None
    } else {
        if !sudo {
            return Err(Error::bad_request(
                "root or sudo privileges required to specify token id",
            ));
        }
        if id.starts_with("hvs.") {
            return Err(Error::bad_request(
                "custom token ID cannot have the 'hvs.' prefix",
            ));
        }
        if id.starts_with("s.") {
            return Err(Error::bad_request(
                "custom token ID cannot have the 's.' prefix",
            ));
        }
        if id.contains('.') {
            return Err(Error::bad_request(
                "custom token ID cannot have a '.' in the value",
            ));
        }
        Some(id)
    };

    let no_default = d.get_bool("no_default_policy")?;
    let requested = d.get_strings("policies")?;
    let mut add_default = false;
    let mut policies = requested.clone();
    match &role {
        Some(role)
            if !role.allowed_policies.is_empty()
                || !role.disallowed_policies.is_empty()
                || !role.allowed_policies_glob.is_empty()
                || !role.disallowed_policies_glob.is_empty() =>
        {
            let local_default = !no_default
                && !role.token_no_default_policy
                && !role.disallowed_policies.iter().any(|p| p == "default")
                && !matches_any_glob(&role.disallowed_policies_glob, "default");
            let mut finals = if requested.is_empty() {
                Vec::new()
            } else {
                sanitize(&requested, local_default)
            };
            if !role.allowed_policies.is_empty() || !role.allowed_policies_glob.is_empty() {
                let allowed = sanitize(&role.allowed_policies, local_default);
                if finals.is_empty() {
                    finals = allowed;
                } else {
                    let globs = sanitize(&role.allowed_policies_glob, false);
                    if let Some(_bad) = finals
                        .iter()
                        .find(|p| !allowed.contains(p) && !matches_any_glob(&globs, p))
                    {
                        return Err(Error::bad_request(format!(
                            "token policies ({}) must be subset of the role's allowed policies ({}) or glob policies ({})",
                            go_quoted_list(&finals),
                            go_quoted_list(&allowed),
                            go_quoted_list(&globs)
                        )));
                    }
                }
            } else if finals.is_empty() {
                finals = sanitize(&parent.policies, local_default);
            }
            if let Some(bad) = finals.iter().find(|p| {
                role.disallowed_policies.contains(p)
                    || matches_any_glob(&role.disallowed_policies_glob, p)
            }) {
                return Err(Error::bad_request(format!(
                    "token policy {bad:?} is disallowed by this role"
                )));
            }
            policies = finals;
        }
        _ if requested.is_empty() => {
            // Inherit the parent's; "default" only if the parent has it.
            policies = sanitize(&parent.policies, false);
        }
        _ if !sudo => {
            let asked = sanitize(&requested, false);
            let own = sanitize(&parent.policies, false);
            if !is_subset(&own, &asked) {
                return Err(Error::bad_request(
                    "child policies must be subset of parent",
                ));
            }
            add_default = !no_default && parent.policies.iter().any(|p| p == "default");
        }
        _ => add_default = !no_default,
    }
    te.policies = sanitize(&policies, add_default);
    if no_default {
        te.policies.retain(|p| p != "default");
    }
    if let Some(p) = te
        .policies
        .iter()
        .find(|p| NON_ASSIGNABLE.contains(&p.as_str()))
    {
        return Err(Error::bad_request(format!("cannot assign policy {p:?}")));
    }
    if te.is_root() {
        if !parent.is_root() {
            return Err(Error::bad_request(
                "root tokens may not be created without parent token being root",
            ));
        }
        if te.is_batch() {
            return Err(Error::bad_request("batch tokens cannot be root tokens"));
        }
    }

    match &role {
        Some(role) => {
            if role.orphan {
                te.parent_hash.clear();
            }
            if !role.token_bound_cidrs.is_empty() {
                te.bound_cidrs = role.token_bound_cidrs.clone();
            }
        }
        None if d.get_bool("no_parent")? => {
            if !sudo {
                return Err(Error::bad_request(
                    "root or sudo privileges required to create orphan token",
                ));
            }
            te.parent_hash.clear();
        }
        None if orphan_path => te.parent_hash.clear(),
        None => {}
    }
    if !te.parent_hash.is_empty() {
        te.entity_id = parent.entity_id.clone();
        if role.is_none() {
            te.bound_cidrs = parent.bound_cidrs.clone();
        }
    }

    let mut explicit_to_use = explicit_max.unwrap_or(0);
    te.explicit_max_ttl = explicit_to_use;
    let mut period_to_use = 0;
    if let Some(p) = period.filter(|p| *p > 0) {
        if !sudo {
            return Err(Error::bad_request(
                "root or sudo privileges required to create periodic token",
            ));
        }
        period_to_use = p;
    }
    te.ttl = match duration_field(d, "ttl")? {
        Some(t) => t,
        None => duration_field(d, "lease")?.unwrap_or(0),
    };
    if let Some(role) = &role
        && te.token_type != TokenType::Batch
    {
        if role.token_explicit_max_ttl != 0 {
            if explicit_to_use == 0 {
                explicit_to_use = role.token_explicit_max_ttl;
            } else {
                explicit_to_use = explicit_to_use.min(role.token_explicit_max_ttl);
                resp.warnings.push(format!(
                    "Explicit max TTL specified both during creation call and in role; using the lesser value of {explicit_to_use} seconds"
                ));
            }
        }
        if role.token_period != 0 {
            if period_to_use == 0 {
                period_to_use = role.token_period;
            } else {
                period_to_use = period_to_use.min(role.token_period);
                resp.warnings.push(format!(
                    "Period specified both during creation call and in role; using the lesser value of {period_to_use} seconds"
                ));
            }
        }
    }
    te.explicit_max_ttl = explicit_to_use;
    te.period = period_to_use;

    let now = core.now_ms();
    if period_to_use > 0 || te.ttl > 0 || !te.is_root() {
        let (ttl, warnings) = calculate_ttl(
            mount_ttls_for(storage, "auth/token/").await?,
            TtlRequest {
                ttl: te.ttl,
                period: period_to_use,
                explicit_max_ttl: explicit_to_use,
                start_ms: Some(now),
                ..Default::default()
            },
            now,
        )?;
        resp.warnings.extend(warnings);
        te.ttl = ttl;
    }
    if te.ttl == 0 && explicit_to_use > 0 {
        te.ttl = explicit_to_use;
    }
    if te.ttl == 0 {
        if parent.expires_at_ms().is_some() {
            return Err(Error::bad_request(
                "expiring root tokens cannot create non-expiring root tokens",
            ));
        }
        renewable = false;
        te.bound_cidrs.clear();
    }
    te.renewable = renewable;

    let token = TokenStore::create(storage, &mut te, custom_id, now).await?;
    tracing::debug!(path = %te.path, "token created");

    for p in &te.policies {
        if p == "root" || p == "default" {
            continue;
        }
        if storage.get(&format!("{POLICY_PREFIX}{p}")).await?.is_none() {
            resp.warnings.push(format!("Policy {p:?} does not exist"));
        }
    }
    resp.auth = Some(te.to_auth(&token, te.ttl));
    Ok(Some(resp))
}

/// A list as Go's `%q` prints a `[]string`: `["a" "b"]`.
fn go_quoted_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("{i:?}")).collect();
    format!("[{}]", quoted.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_are_sanitised() {
        assert_eq!(display_name("my app"), "token-my-app");
        assert_eq!(display_name("ok-name"), "token-ok-name");
        assert_eq!(display_name("trail!"), "token-trail");
        assert_eq!(go_quoted_list(&["a".into(), "b".into()]), "[\"a\" \"b\"]");
    }
}
