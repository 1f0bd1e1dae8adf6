//! A parsed ACL policy: named rules, one per `path` block, validated as Vault does.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::{
    Capabilities, PolicyError,
    parse::{RawAttr, RawRule, read_rules},
    pattern::PathPattern,
};

/// Keys a `path` block may hold. The last four are Vault features Arca does not
/// implement (MFA, control groups, events); they are accepted and ignored so policies
/// written for Vault still load.
const PATH_KEYS: &[&str] = &[
    "capabilities",
    "policy",
    "allowed_parameters",
    "denied_parameters",
    "required_parameters",
    "min_wrapping_ttl",
    "max_wrapping_ttl",
    "comment",
    "mfa_methods",
    "control_group",
    "subscribe_event_types",
];

/// What one rule grants on its path.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Permissions {
    pub capabilities: Capabilities,
    /// Parameter name (lower-case) → allowed values; an empty list allows any value.
    /// `*` as a name allows every parameter not otherwise listed.
    pub allowed_parameters: BTreeMap<String, Vec<Value>>,
    /// Parameter name (lower-case) → denied values; an empty list denies any value.
    /// `*` as a name denies every parameter.
    pub denied_parameters: BTreeMap<String, Vec<Value>>,
    /// Parameters that must be present (names as written).
    pub required_parameters: Vec<String>,
    /// Seconds; 0 = no bound. A non-zero bound means the request must be wrapped.
    pub min_wrapping_ttl: u64,
    pub max_wrapping_ttl: u64,
}

/// One `path` block.
#[derive(Debug, Clone, PartialEq)]
pub struct PathRule {
    /// The pattern as written (leading `/` removed).
    pub path: String,
    pub pattern: PathPattern,
    pub permissions: Permissions,
}

/// A named, parsed policy, with the text it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub name: String,
    /// The policy text exactly as submitted (returned by the read endpoints).
    pub raw: String,
    pub rules: Vec<PathRule>,
}

/// Vault's policy name rule: surrounding whitespace is dropped and names are
/// case-insensitive (stored lower-case).
pub fn normalize_name(name: &str) -> Result<String, PolicyError> {
    let name = name.trim().to_lowercase();
    if name.is_empty() {
        return Err(PolicyError::EmptyName);
    }
    Ok(name)
}

impl Policy {
    /// Parses `text` (HCL or JSON) as the policy `name`.
    pub fn parse(name: &str, text: &str) -> Result<Policy, PolicyError> {
        let name = normalize_name(name)?;
        let rules = read_rules(text)?
            .into_iter()
            .map(build_rule)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Policy {
            name,
            raw: text.to_string(),
            rules,
        })
    }

    /// The built-in `root` policy: no rules, but an ACL containing it allows everything.
    pub fn root() -> Policy {
        Policy {
            name: crate::ROOT_POLICY.into(),
            raw: String::new(),
            rules: Vec::new(),
        }
    }
}

fn build_rule(raw: RawRule) -> Result<PathRule, PolicyError> {
    let path = raw.pattern.trim_start_matches('/').to_string();
    let pattern = PathPattern::parse(&raw.pattern)?;
    let mut perms = Permissions::default();
    let mut names: Vec<String> = Vec::new();
    let mut legacy: Option<String> = None;
    let where_ = |attr: &RawAttr| match attr.line {
        Some(l) => format!("path {:?}, line {l}", raw.pattern),
        None => format!("path {:?}", raw.pattern),
    };
    for attr in &raw.attrs {
        match attr.key.as_str() {
            "capabilities" => {
                names.extend(string_list(&attr.value, &where_(attr), "capabilities")?)
            }
            "policy" => match &attr.value {
                Value::String(s) => legacy = Some(s.clone()),
                _ => return Err(PolicyError::value(where_(attr), "policy must be a string")),
            },
            "allowed_parameters" => {
                perms.allowed_parameters = parameter_map(&attr.value, &where_(attr), &attr.key)?
            }
            "denied_parameters" => {
                perms.denied_parameters = parameter_map(&attr.value, &where_(attr), &attr.key)?
            }
            "required_parameters" => {
                perms.required_parameters =
                    string_list(&attr.value, &where_(attr), "required_parameters")?
            }
            "min_wrapping_ttl" => {
                perms.min_wrapping_ttl = ttl(&attr.value, &where_(attr), &attr.key)?
            }
            "max_wrapping_ttl" => {
                perms.max_wrapping_ttl = ttl(&attr.value, &where_(attr), &attr.key)?
            }
            key if PATH_KEYS.contains(&key) => {}
            other => {
                return Err(PolicyError::InvalidKey {
                    key: other.to_string(),
                    line: attr.line.or(raw.line).unwrap_or(0),
                });
            }
        }
    }
    if let Some(old) = legacy {
        let expanded: &[&str] = match old.as_str() {
            "deny" => &["deny"],
            "read" => &["read", "list"],
            "write" => &["create", "read", "update", "delete", "list"],
            "sudo" => &["create", "read", "update", "delete", "list", "sudo"],
            _ => {
                return Err(PolicyError::InvalidLegacyPolicy {
                    path: raw.pattern.clone(),
                    policy: old,
                });
            }
        };
        names.extend(expanded.iter().map(|s| s.to_string()));
    }
    for name in &names {
        let cap = Capabilities::from_name(name).ok_or_else(|| PolicyError::InvalidCapability {
            path: raw.pattern.clone(),
            capability: name.clone(),
        })?;
        perms.capabilities = perms.capabilities.union(cap);
    }
    // `deny` alone is kept: the path grants nothing else.
    if perms.capabilities.contains(Capabilities::DENY) {
        perms.capabilities = Capabilities::DENY;
    }
    if perms.min_wrapping_ttl > 0
        && perms.max_wrapping_ttl > 0
        && perms.max_wrapping_ttl < perms.min_wrapping_ttl
    {
        return Err(PolicyError::value(
            format!("path {:?}", raw.pattern),
            "max_wrapping_ttl cannot be less than min_wrapping_ttl",
        ));
    }
    Ok(PathRule {
        path,
        pattern,
        permissions: perms,
    })
}

fn string_list(value: &Value, location: &str, key: &str) -> Result<Vec<String>, PolicyError> {
    let Value::Array(items) = value else {
        return Err(PolicyError::value(
            location,
            format!("{key} must be a list of strings"),
        ));
    };
    items
        .iter()
        .map(|v| match v {
            Value::String(s) => Ok(s.clone()),
            _ => Err(PolicyError::value(
                location,
                format!("{key} must be a list of strings"),
            )),
        })
        .collect()
}

/// `{ name = [values] }`; a single value counts as a one-element list, `null` as `[]`.
fn parameter_map(
    value: &Value,
    location: &str,
    key: &str,
) -> Result<BTreeMap<String, Vec<Value>>, PolicyError> {
    let Value::Object(map) = value else {
        return Err(PolicyError::value(
            location,
            format!("{key} must be an object of parameter names to lists of values"),
        ));
    };
    Ok(map
        .iter()
        .map(|(name, values)| {
            let values = match values {
                Value::Array(items) => items.clone(),
                Value::Null => Vec::new(),
                other => vec![other.clone()],
            };
            (name.to_lowercase(), values)
        })
        .collect())
}

fn ttl(value: &Value, location: &str, key: &str) -> Result<u64, PolicyError> {
    arca_sdk::duration::parse_duration_value(value)
        .map(|d| d.as_secs())
        .map_err(|e| PolicyError::value(location, format!("invalid {key}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn full_path_block() {
        let text = r#"
path "secret/data/*" {
  capabilities = ["read", "list"]
  allowed_parameters = {
    "Version" = []
  }
  denied_parameters = {
    "bad" = ["x", 2]
  }
  required_parameters = ["version"]
  min_wrapping_ttl = "1m"
  max_wrapping_ttl = 3600
}
"#;
        let p = Policy::parse("  DB-Policy ", text).unwrap();
        assert_eq!(p.name, "db-policy");
        assert_eq!(p.raw, text);
        let r = &p.rules[0];
        assert_eq!(r.pattern, PathPattern::Prefix("secret/data/".into()));
        assert_eq!(r.path, "secret/data/*");
        let perms = &r.permissions;
        assert_eq!(perms.capabilities.names(), ["list", "read"]);
        assert_eq!(perms.allowed_parameters["version"], Vec::<Value>::new());
        assert_eq!(perms.denied_parameters["bad"], vec![json!("x"), json!(2)]);
        assert_eq!(perms.required_parameters, ["version"]);
        assert_eq!((perms.min_wrapping_ttl, perms.max_wrapping_ttl), (60, 3600));
    }

    #[test]
    fn legacy_policy_and_deny_only() {
        let p = Policy::parse("x", "path \"a\" {\n  policy = \"write\"\n}\npath \"b\" {\n  capabilities = [\"read\", \"deny\"]\n}\n").unwrap();
        assert_eq!(
            p.rules[0].permissions.capabilities.names(),
            ["create", "delete", "list", "read", "update"]
        );
        assert_eq!(p.rules[1].permissions.capabilities, Capabilities::DENY);
        let e = Policy::parse("x", "path \"a\" {\n  policy = \"admin\"\n}\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "failed to parse policy: path \"a\": invalid policy \"admin\""
        );
    }

    #[test]
    fn errors_name_the_path_or_line() {
        let e = Policy::parse("x", "path \"secret/*\" {\n  capabilities = [\"reed\"]\n}\n")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "failed to parse policy: path \"secret/*\": invalid capability \"reed\""
        );
        let e = Policy::parse(
            "x",
            "path \"a\" {\n  capabilities = [\"read\"]\n  colour = \"red\"\n}\n",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "failed to parse policy: invalid key \"colour\" on line 3"
        );
        let e = Policy::parse("x", "path \"a\" {\n  capabilities = \"read\"\n}\n").unwrap_err();
        assert!(
            e.to_string().contains("line 2") && e.to_string().contains("list of strings"),
            "{e}"
        );
        let e = Policy::parse(
            "x",
            "path \"a\" {\n min_wrapping_ttl = \"1h\"\n max_wrapping_ttl = \"1m\"\n}\n",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("max_wrapping_ttl cannot be less"),
            "{e}"
        );
        let e = Policy::parse("x", "path \"a\" {\n min_wrapping_ttl = \"soon\"\n}\n").unwrap_err();
        assert!(e.to_string().contains("invalid min_wrapping_ttl"), "{e}");
        let e =
            Policy::parse("x", "path \"a/*/b\" {\n capabilities = [\"read\"]\n}\n").unwrap_err();
        assert!(e.to_string().contains("\"a/*/b\""), "{e}");
        assert_eq!(
            Policy::parse("   ", "").unwrap_err(),
            PolicyError::EmptyName
        );
    }

    #[test]
    fn json_policy_and_empty_policy() {
        let p = Policy::parse(
            "j",
            r#"{"path": {"secret/+/x": {"capabilities": ["create", "subscribe", "recover"]}}}"#,
        )
        .unwrap();
        assert!(matches!(p.rules[0].pattern, PathPattern::Segments(_)));
        assert_eq!(
            p.rules[0].permissions.capabilities.names(),
            ["create", "recover", "subscribe"]
        );
        assert!(Policy::parse("empty", "").unwrap().rules.is_empty());
        assert!(
            Policy::parse("empty", "# only a comment\n")
                .unwrap()
                .rules
                .is_empty()
        );
    }

    #[test]
    fn vault_templated_paths_load_as_literals() {
        // Identity templating is not supported; such paths load and match literally.
        let text = "path \"identity/entity/id/{{identity.entity.id}}\" {\n  capabilities = [\"read\"]\n}\n";
        let p = Policy::parse("x", text).unwrap();
        assert_eq!(p.rules[0].path, "identity/entity/id/{{identity.entity.id}}");
    }

    #[test]
    fn ignored_vault_keys_are_accepted() {
        let text = "path \"a\" {\n  capabilities = [\"read\"]\n  comment = \"x\"\n  mfa_methods = [\"m\"]\n}\n";
        assert!(Policy::parse("x", text).is_ok());
    }
}
