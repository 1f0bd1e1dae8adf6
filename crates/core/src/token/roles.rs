//! Token store roles (`auth/token/roles/:name`): presets and limits for tokens created
//! with `auth/token/create/:name`.

use arca_sdk::{
    Error, Field, FieldData, FieldType, Operation, Request, Response, Storage, StorageExt,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::policies::{dedup_lower, sanitize};

/// Storage prefix of roles.
pub(crate) const ROLES_PREFIX: &str = "sys/token/roles/";
/// Vault's `GenericNameRegex` for role names.
pub(crate) const ROLE_NAME: &str = r"(?P<role_name>\w(([\w.-]+)?\w)?)";

/// A stored role, with Vault's field names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct RoleEntry {
    pub(crate) name: String,
    pub(crate) allowed_policies: Vec<String>,
    pub(crate) disallowed_policies: Vec<String>,
    pub(crate) allowed_policies_glob: Vec<String>,
    pub(crate) disallowed_policies_glob: Vec<String>,
    pub(crate) orphan: bool,
    pub(crate) renewable: bool,
    pub(crate) path_suffix: String,
    /// The deprecated names, kept so reads show what was written.
    pub(crate) period: u64,
    pub(crate) explicit_max_ttl: u64,
    pub(crate) bound_cidrs: Vec<String>,
    pub(crate) token_period: u64,
    pub(crate) token_explicit_max_ttl: u64,
    pub(crate) token_bound_cidrs: Vec<String>,
    /// `default-service`, `default-batch`, `service` or `batch`.
    pub(crate) token_type: String,
    pub(crate) token_no_default_policy: bool,
    pub(crate) token_num_uses: u64,
    pub(crate) allowed_entity_aliases: Vec<String>,
}

impl RoleEntry {
    /// The role's token type as Vault shows it.
    pub(crate) fn token_type(&self) -> &str {
        if self.token_type.is_empty() || self.token_type == "default" {
            "default-service"
        } else {
            &self.token_type
        }
    }
}

/// Reads a role.
pub(crate) async fn get(storage: &dyn Storage, name: &str) -> Result<Option<RoleEntry>, Error> {
    if name.is_empty() || name.contains('/') {
        return Ok(None);
    }
    storage.get_json(&format!("{ROLES_PREFIX}{name}")).await
}

/// The fields of `roles/:name`.
pub(crate) fn fields() -> Vec<Field> {
    let f = Field::new;
    vec![
        f("role_name", FieldType::String, "Name of the role"),
        f(
            "allowed_policies",
            FieldType::CommaStringSlice,
            "If set, tokens can be created with any subset of the policies in this list, \
rather than the normal semantics of tokens being a subset of the calling token's policies.",
        ),
        f(
            "disallowed_policies",
            FieldType::CommaStringSlice,
            "If set, successful token creation via this role will require that no policies \
in the given list are requested.",
        ),
        f(
            "allowed_policies_glob",
            FieldType::CommaStringSlice,
            "Like allowed_policies, with glob patterns.",
        ),
        f(
            "disallowed_policies_glob",
            FieldType::CommaStringSlice,
            "Like disallowed_policies, with glob patterns.",
        ),
        f(
            "orphan",
            FieldType::Bool,
            "If true, tokens created via this role will be orphan tokens (have no parent)",
        ),
        f(
            "period",
            FieldType::DurationSecond,
            "Use 'token_period' instead.",
        ),
        f(
            "path_suffix",
            FieldType::String,
            "If set, tokens created via this role will contain the given suffix as a part of \
their path.",
        ),
        f(
            "explicit_max_ttl",
            FieldType::DurationSecond,
            "Use 'token_explicit_max_ttl' instead.",
        ),
        f(
            "renewable",
            FieldType::Bool,
            "Tokens created via this role will be renewable or not according to this value.",
        )
        .default(json!(true)),
        f(
            "bound_cidrs",
            FieldType::CommaStringSlice,
            "Use 'token_bound_cidrs' instead.",
        ),
        f(
            "allowed_entity_aliases",
            FieldType::CommaStringSlice,
            "String or JSON list of allowed entity aliases.",
        ),
        f(
            "token_bound_cidrs",
            FieldType::CommaStringSlice,
            "CIDR blocks allowed to use the generated tokens.",
        ),
        f(
            "token_explicit_max_ttl",
            FieldType::DurationSecond,
            "If set, tokens created via this role carry an explicit maximum TTL.",
        ),
        f(
            "token_period",
            FieldType::DurationSecond,
            "If set, tokens created via this role will have no max lifetime; instead, their \
renewal period will be fixed to this value.",
        ),
        f(
            "token_type",
            FieldType::Raw,
            "The type of token to generate: service, batch, default-service or default-batch",
        ),
        f(
            "token_no_default_policy",
            FieldType::Bool,
            "If true, the 'default' policy will not automatically be added to generated tokens",
        ),
        f(
            "token_num_uses",
            FieldType::Int,
            "The maximum number of times a token may be used, a value of zero means unlimited",
        ),
    ]
}

/// `LIST roles`.
pub(crate) async fn list(req: Request) -> Result<Option<Response>, Error> {
    let keys = req.storage.list(ROLES_PREFIX).await?;
    Ok(Some(Response::list(keys)))
}

/// Existence check: a write to a missing role is a `create`.
pub(crate) async fn exists(req: Request, d: FieldData) -> Result<bool, Error> {
    let name = d.get_str("role_name")?;
    Ok(get(req.storage.as_ref(), &name).await?.is_some())
}

/// `GET roles/:name`.
pub(crate) async fn read(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let Some(role) = get(req.storage.as_ref(), &d.get_str("role_name")?).await? else {
        return Ok(None);
    };
    let mut data = json!({
        "period": role.period,
        "token_period": role.token_period,
        "explicit_max_ttl": role.explicit_max_ttl,
        "token_explicit_max_ttl": role.token_explicit_max_ttl,
        "disallowed_policies": role.disallowed_policies,
        "allowed_policies": role.allowed_policies,
        "disallowed_policies_glob": role.disallowed_policies_glob,
        "allowed_policies_glob": role.allowed_policies_glob,
        "name": role.name,
        "orphan": role.orphan,
        "path_suffix": role.path_suffix,
        "renewable": role.renewable,
        "token_type": role.token_type(),
        "allowed_entity_aliases": role.allowed_entity_aliases,
        "token_no_default_policy": role.token_no_default_policy,
    });
    if let Value::Object(m) = &mut data {
        if !role.token_bound_cidrs.is_empty() {
            m.insert("token_bound_cidrs".into(), json!(role.token_bound_cidrs));
        }
        if !role.bound_cidrs.is_empty() {
            m.insert("bound_cidrs".into(), json!(role.bound_cidrs));
        }
        if role.token_num_uses > 0 {
            m.insert("token_num_uses".into(), json!(role.token_num_uses));
        }
    }
    Ok(Some(Response::from_json(data)))
}

/// `DELETE roles/:name`.
pub(crate) async fn delete(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let name = d.get_str("role_name")?;
    req.storage.delete(&format!("{ROLES_PREFIX}{name}")).await?;
    Ok(None)
}

/// True when `suffix` contains a run Vault's `pathSuffixSanitize` (`\w[\w-.]+\w`)
/// accepts.
fn suffix_ok(suffix: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let chars: Vec<char> = suffix.chars().collect();
    (0..chars.len()).any(|start| {
        if !word(chars[start]) {
            return false;
        }
        let mut end = start + 1;
        while end < chars.len() && (word(chars[end]) || chars[end] == '-' || chars[end] == '.') {
            end += 1;
        }
        // Backtrack to a word character at least two after the start.
        (start + 2..end).any(|last| word(chars[last]))
    })
}

/// `POST roles/:name`: creates or updates a role. On update, unset fields keep their
/// values; on create they take their defaults.
pub(crate) async fn write(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let name = d.get_str("role_name")?;
    if name.is_empty() {
        return Err(Error::bad_request("role name cannot be empty"));
    }
    let storage = req.storage.as_ref();
    let create = req.operation == Operation::Create;
    let mut role = get(storage, &name).await?.unwrap_or_else(|| RoleEntry {
        name: name.clone(),
        ..Default::default()
    });
    let set = |field: &str| d.is_set(field) || create;

    if set("orphan") {
        role.orphan = d.get_bool("orphan")?;
    }
    if set("renewable") {
        role.renewable = d.get_bool("renewable")?;
    }
    if set("path_suffix") {
        let suffix = d.get_str("path_suffix")?;
        if !suffix.is_empty() && !suffix_ok(&suffix) {
            return Err(Error::bad_request(
                "given role path suffix contains invalid characters; must match \\w[\\w-.]+\\w",
            ));
        }
        role.path_suffix = suffix;
    }
    if role.path_suffix.contains("..") {
        return Err(Error::bad_request(
            "error registering path suffix: path cannot contain parent references",
        ));
    }
    if set("allowed_policies") {
        role.allowed_policies = sanitize(&d.get_strings("allowed_policies")?, false);
    }
    if set("disallowed_policies") {
        role.disallowed_policies = dedup_lower(&d.get_strings("disallowed_policies")?);
    }
    if set("allowed_policies_glob") {
        role.allowed_policies_glob = sanitize(&d.get_strings("allowed_policies_glob")?, false);
    }
    if set("disallowed_policies_glob") {
        role.disallowed_policies_glob = dedup_lower(&d.get_strings("disallowed_policies_glob")?);
    }

    let mut resp = Response::default();
    if let Some(raw) = d.raw().get("token_type") {
        let t = match raw {
            Value::String(s) => s.clone(),
            Value::Null => return Err(Error::bad_request("Invalid 'token_type' value: null")),
            other => other.to_string(),
        };
        role.token_type = match t.as_str() {
            "service" | "batch" | "default-service" | "default-batch" => t,
            "default" | "" => "default-service".into(),
            _ => {
                return Err(Error::bad_request(format!(
                    "invalid 'token_type' value {t:?}"
                )));
            }
        };
    } else if role.token_type.is_empty() {
        role.token_type = "default-service".into();
    }

    let secs = |field: &str| -> Result<u64, Error> {
        Ok(d.get_duration(field)?.map(|v| v.as_secs()).unwrap_or(0))
    };
    if d.is_set("token_period") {
        if d.is_set("period") {
            resp.warnings.push(
                "Both 'token_period' and deprecated 'period' value supplied, ignoring the deprecated value"
                    .into(),
            );
        }
        role.token_period = secs("token_period")?;
        role.period = 0;
    } else if d.is_set("period") {
        role.period = secs("period")?;
        role.token_period = role.period;
    }
    if d.is_set("token_bound_cidrs") {
        if d.is_set("bound_cidrs") {
            resp.warnings.push(
                "Both 'token_bound_cidrs' and deprecated 'bound_cidrs' value supplied, ignoring the deprecated value"
                    .into(),
            );
        }
        role.token_bound_cidrs = cidrs(&d, "token_bound_cidrs")?;
        role.bound_cidrs.clear();
    } else if d.is_set("bound_cidrs") {
        role.bound_cidrs = cidrs(&d, "bound_cidrs")?;
        role.token_bound_cidrs = role.bound_cidrs.clone();
    }
    if d.is_set("token_explicit_max_ttl") {
        if d.is_set("explicit_max_ttl") {
            resp.warnings.push(
                "Both 'token_explicit_max_ttl' and deprecated 'explicit_max_ttl' value supplied, ignoring the deprecated value"
                    .into(),
            );
        }
        role.token_explicit_max_ttl = secs("token_explicit_max_ttl")?;
        role.explicit_max_ttl = 0;
    } else if d.is_set("explicit_max_ttl") {
        role.explicit_max_ttl = secs("explicit_max_ttl")?;
        role.token_explicit_max_ttl = role.explicit_max_ttl;
    }
    let max = crate::mounts::SYSTEM_MAX_TTL;
    if role.token_explicit_max_ttl > max {
        resp.warnings.push(format!(
            "Given explicit max TTL of {} is greater than system/mount allowed value of {max} seconds; until this is fixed attempting to create tokens against this role will result in an error",
            role.token_explicit_max_ttl
        ));
    }
    if d.is_set("token_num_uses") {
        let n = d.get_i64("token_num_uses")?.unwrap_or(0);
        if n < 0 {
            return Err(Error::bad_request(
                "error parsing role fields: token_num_uses cannot be negative",
            ));
        }
        role.token_num_uses = n as u64;
    }
    if d.is_set("token_no_default_policy") {
        role.token_no_default_policy = d.get_bool("token_no_default_policy")?;
    }
    if d.is_set("allowed_entity_aliases") {
        role.allowed_entity_aliases = dedup_lower(&d.get_strings("allowed_entity_aliases")?);
    }

    if role.token_type == "batch" {
        let reason = if !role.orphan {
            Some("when role is set to generate non-orphan tokens")
        } else if role.period != 0 || role.token_period != 0 {
            Some("when role is set to generate periodic tokens")
        } else if role.renewable {
            Some("when role is set to generate renewable tokens")
        } else if role.explicit_max_ttl != 0 || role.token_explicit_max_ttl != 0 {
            Some("when role is set to generate tokens with an explicit max TTL")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(Error::bad_request(format!(
                "'token_type' cannot be 'batch' {reason}"
            )));
        }
    }

    storage
        .put_json(&format!("{ROLES_PREFIX}{name}"), &role)
        .await?;
    Ok((!resp.warnings.is_empty()).then_some(resp))
}

fn cidrs(d: &FieldData, field: &str) -> Result<Vec<String>, Error> {
    let list = d.get_strings(field)?;
    if arca_sdk::cidr::parse_list(&list).is_none() {
        return Err(Error::bad_request(format!(
            "error parsing role fields: invalid {field}"
        )));
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_suffixes() {
        assert!(!suffix_ok("v1"), "Vault's pattern needs three characters");
        assert!(suffix_ok("v10"));
        assert!(suffix_ok("abc"));
        assert!(suffix_ok("a-b.c"));
        assert!(!suffix_ok("a"));
        assert!(!suffix_ok("--"));
        assert!(!suffix_ok("a-"));
    }
}
