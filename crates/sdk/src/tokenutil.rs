//! The `token_*` settings every auth method's roles and users share (Vault's
//! `tokenutil`): which policies, TTLs, use count, period, type and CIDR bindings the
//! token issued at login gets.
//!
//! Each auth method stores a [`TokenParams`] in its role or user entry, declares the
//! fields with [`fields`], reads a write with [`TokenParams::parse`], shows the values
//! with [`TokenParams::populate_data`] and fills a login's [`Auth`] with
//! [`TokenParams::populate_auth`]. Older field names (`policies`, `period`, `ttl`,
//! `max_ttl`, `bound_cidrs`) are accepted where a method lists them as [`Legacy`], with
//! Vault's rules for which name wins.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{Auth, Error, Field, FieldData, FieldType, Map, cidr};

/// The kind of token a login issues.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenType {
    /// Whatever the mount is configured for (a service token unless tuned).
    #[default]
    Default,
    Service,
    Batch,
}

impl TokenType {
    /// The name Vault shows on role reads.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenType::Default => "default",
            TokenType::Service => "service",
            TokenType::Batch => "batch",
        }
    }
}

/// A deprecated field name some auth methods still accept in place of a `token_*` one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legacy {
    /// `policies` → `token_policies`
    Policies,
    /// `period` → `token_period`
    Period,
    /// `ttl` → `token_ttl`
    Ttl,
    /// `max_ttl` → `token_max_ttl`
    MaxTtl,
    /// `bound_cidrs` → `token_bound_cidrs`
    BoundCidrs,
}

impl Legacy {
    /// The deprecated name.
    pub fn name(self) -> &'static str {
        match self {
            Legacy::Policies => "policies",
            Legacy::Period => "period",
            Legacy::Ttl => "ttl",
            Legacy::MaxTtl => "max_ttl",
            Legacy::BoundCidrs => "bound_cidrs",
        }
    }

    /// The `token_*` field that replaces it.
    pub fn replacement(self) -> &'static str {
        match self {
            Legacy::Policies => "token_policies",
            Legacy::Period => "token_period",
            Legacy::Ttl => "token_ttl",
            Legacy::MaxTtl => "token_max_ttl",
            Legacy::BoundCidrs => "token_bound_cidrs",
        }
    }

    /// The field declaration of the deprecated name.
    pub fn field(self) -> Field {
        let kind = match self {
            Legacy::Policies | Legacy::BoundCidrs => FieldType::CommaStringSlice,
            Legacy::Period | Legacy::Ttl | Legacy::MaxTtl => FieldType::DurationSecond,
        };
        Field::new(
            self.name(),
            kind,
            "Deprecated: use the token_ field of the same meaning instead. If both are \
specified, only the token_ field is used.",
        )
    }
}

/// Declarations of the nine `token_*` fields.
pub fn fields() -> Vec<Field> {
    vec![
        Field::new(
            "token_bound_cidrs",
            FieldType::CommaStringSlice,
            "Comma separated string or JSON list of CIDR blocks. If set, specifies the blocks \
of IP addresses which are allowed to use the generated token.",
        ),
        Field::new(
            "token_explicit_max_ttl",
            FieldType::DurationSecond,
            "If set, tokens created via this role carry an explicit maximum TTL. During \
renewal, the current maximum TTL values of the role and the mount are not checked for changes.",
        ),
        Field::new(
            "token_max_ttl",
            FieldType::DurationSecond,
            "The maximum lifetime of the generated token",
        ),
        Field::new(
            "token_no_default_policy",
            FieldType::Bool,
            "If true, the 'default' policy will not automatically be added to generated tokens",
        ),
        Field::new(
            "token_period",
            FieldType::DurationSecond,
            "If set, tokens created via this role will have no max lifetime; instead, their \
renewal period will be fixed to this value.",
        ),
        Field::new(
            "token_policies",
            FieldType::CommaStringSlice,
            "Comma-separated list of policies",
        ),
        Field::new(
            "token_type",
            FieldType::String,
            "The type of token to generate, service or batch",
        ),
        Field::new(
            "token_ttl",
            FieldType::DurationSecond,
            "The initial ttl of the token to generate",
        ),
        Field::new(
            "token_num_uses",
            FieldType::Int,
            "The maximum number of times a token may be used, a value of zero means unlimited",
        ),
    ]
}

/// [`fields`] plus the declarations of the given legacy names.
pub fn fields_with_legacy(legacy: &[Legacy]) -> Vec<Field> {
    let mut f = fields();
    f.extend(legacy.iter().map(|l| l.field()));
    f
}

/// The token settings of one role or user, as stored (JSON) in the auth method's
/// storage. Durations are seconds; zero means "fall back to the mount/system value".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TokenParams {
    pub token_bound_cidrs: Vec<String>,
    pub token_explicit_max_ttl: u64,
    pub token_max_ttl: u64,
    pub token_no_default_policy: bool,
    pub token_num_uses: u64,
    pub token_period: u64,
    pub token_policies: Vec<String>,
    pub token_type: TokenType,
    pub token_ttl: u64,
    /// Legacy names used by the last write that set them: Vault echoes those names
    /// back on reads, so clients written against the old names keep working.
    pub legacy_names: BTreeSet<String>,
}

impl TokenParams {
    /// Applies the token fields the client sent (others keep their values) and checks
    /// the result. Returns warnings to attach to the response.
    pub fn parse(&mut self, fd: &FieldData, legacy: &[Legacy]) -> Result<Vec<String>, Error> {
        let mut warnings = Vec::new();
        if sent(fd, "token_bound_cidrs") {
            self.token_bound_cidrs = parse_cidrs(fd, "token_bound_cidrs")?;
        }
        if sent(fd, "token_explicit_max_ttl") {
            self.token_explicit_max_ttl = secs(fd, "token_explicit_max_ttl")?;
        }
        if sent(fd, "token_max_ttl") {
            self.token_max_ttl = secs(fd, "token_max_ttl")?;
        }
        if sent(fd, "token_no_default_policy") {
            self.token_no_default_policy = fd.get_bool("token_no_default_policy")?;
        }
        if sent(fd, "token_period") {
            self.token_period = secs(fd, "token_period")?;
        }
        if sent(fd, "token_policies") {
            self.token_policies = sanitize_policies(fd.get_strings("token_policies")?);
        }
        if sent(fd, "token_type") {
            let (kind, warning) = parse_token_type(&fd.get_str("token_type")?)?;
            self.token_type = kind;
            warnings.extend(warning);
        }
        if sent(fd, "token_num_uses") {
            let n = fd.get_i64("token_num_uses")?.unwrap_or(0);
            self.token_num_uses = u64::try_from(n)
                .map_err(|_| Error::bad_request("'token_num_uses' cannot be negative"))?;
        }
        if sent(fd, "token_ttl") {
            self.token_ttl = secs(fd, "token_ttl")?;
        }
        for l in legacy {
            self.upgrade(fd, *l)?;
        }
        self.validate()?;
        Ok(warnings)
    }

    /// Vault's `UpgradeValue`: the `token_*` name wins when both are sent; a legacy
    /// name alone sets the value and is remembered so reads echo it.
    fn upgrade(&mut self, fd: &FieldData, l: Legacy) -> Result<(), Error> {
        let (old, new) = (l.name(), l.replacement());
        match (sent(fd, new), sent(fd, old)) {
            (true, true) => {
                self.legacy_names.insert(old.to_string());
            }
            (true, false) => {
                self.legacy_names.remove(old);
            }
            (false, true) => {
                match l {
                    Legacy::Policies => {
                        self.token_policies = sanitize_policies(fd.get_strings(old)?)
                    }
                    Legacy::Period => self.token_period = secs(fd, old)?,
                    Legacy::Ttl => self.token_ttl = secs(fd, old)?,
                    Legacy::MaxTtl => self.token_max_ttl = secs(fd, old)?,
                    Legacy::BoundCidrs => self.token_bound_cidrs = parse_cidrs(fd, old)?,
                }
                self.legacy_names.insert(old.to_string());
            }
            (false, false) => {}
        }
        Ok(())
    }

    /// The cross-field rules of Vault's `ParseTokenFields`.
    pub fn validate(&self) -> Result<(), Error> {
        if self.token_type == TokenType::Batch {
            if self.token_period != 0 {
                return Err(Error::bad_request(
                    "'token_type' cannot be 'batch' or 'default_batch' when set to generate \
periodic tokens",
                ));
            }
            if self.token_num_uses != 0 {
                return Err(Error::bad_request(
                    "'token_type' cannot be 'batch' or 'default_batch' when set to generate \
tokens with limited use count",
                ));
            }
        }
        if self.token_ttl > 0 && self.token_max_ttl > 0 && self.token_ttl > self.token_max_ttl {
            return Err(Error::bad_request(
                "'token_ttl' cannot be greater than 'token_max_ttl'",
            ));
        }
        Ok(())
    }

    /// Adds the token settings to a read response, plus the legacy names in use.
    pub fn populate_data(&self, data: &mut Map, legacy: &[Legacy]) {
        data.insert("token_bound_cidrs".into(), json!(self.token_bound_cidrs));
        data.insert(
            "token_explicit_max_ttl".into(),
            json!(self.token_explicit_max_ttl),
        );
        data.insert("token_max_ttl".into(), json!(self.token_max_ttl));
        data.insert(
            "token_no_default_policy".into(),
            json!(self.token_no_default_policy),
        );
        data.insert("token_period".into(), json!(self.token_period));
        data.insert("token_policies".into(), json!(self.token_policies));
        data.insert("token_type".into(), json!(self.token_type.as_str()));
        data.insert("token_ttl".into(), json!(self.token_ttl));
        data.insert("token_num_uses".into(), json!(self.token_num_uses));
        for l in legacy {
            if !self.legacy_names.contains(l.name()) {
                continue;
            }
            let value = match l {
                Legacy::Policies if !self.token_policies.is_empty() => {
                    json!(self.token_policies)
                }
                Legacy::BoundCidrs if !self.token_bound_cidrs.is_empty() => {
                    json!(self.token_bound_cidrs)
                }
                Legacy::Period if self.token_period > 0 => json!(self.token_period),
                Legacy::Ttl if self.token_ttl > 0 => json!(self.token_ttl),
                Legacy::MaxTtl if self.token_max_ttl > 0 => json!(self.token_max_ttl),
                _ => continue,
            };
            data.insert(l.name().into(), value);
        }
    }

    /// Fills the token request of a login response. `lease_duration` carries the
    /// requested TTL (0: the mount's default); the core adds `default` to the policies
    /// unless `no_default_policy`, applies the TTL hierarchy and creates the token.
    /// `token_type` is "default" (the mount's `token_type` tune decides), "service" or
    /// "batch".
    pub fn populate_auth(&self, auth: &mut Auth) {
        auth.policies = self.token_policies.clone();
        auth.token_policies = self.token_policies.clone();
        auth.lease_duration = self.token_ttl;
        auth.max_ttl = self.token_max_ttl;
        auth.period = self.token_period;
        auth.explicit_max_ttl = self.token_explicit_max_ttl;
        auth.no_default_policy = self.token_no_default_policy;
        auth.num_uses = self.token_num_uses;
        auth.bound_cidrs = self.token_bound_cidrs.clone();
        auth.renewable = true;
        auth.token_type = self.token_type.as_str().to_string();
    }
}

/// Vault's `policyutil.ParsePolicies`: trimmed, lower-cased, without empties or
/// duplicates, sorted; a list containing `root` is just `["root"]`.
pub fn sanitize_policies(raw: Vec<String>) -> Vec<String> {
    let set: BTreeSet<String> = raw
        .into_iter()
        .map(|p| p.trim().to_lowercase())
        .filter(|p| !p.is_empty())
        .collect();
    if set.contains("root") {
        return vec!["root".to_string()];
    }
    set.into_iter().collect()
}

fn parse_token_type(s: &str) -> Result<(TokenType, Option<String>), Error> {
    Ok(match s {
        "" | "default" => (TokenType::Default, None),
        "service" => (TokenType::Service, None),
        "batch" => (TokenType::Batch, None),
        // Older clients send these; Vault adjusts them with a warning.
        "default-service" => (
            TokenType::Service,
            Some("default-service has no useful meaning; adjusting to service".to_string()),
        ),
        "default-batch" => (
            TokenType::Batch,
            Some("default-batch has no useful meaning; adjusting to batch".to_string()),
        ),
        other => {
            return Err(Error::bad_request(format!(
                "invalid 'token_type' value {other:?}"
            )));
        }
    })
}

/// True when the client sent `name` and the path declares it (a body may carry any
/// key; undeclared ones are ignored, as Vault does).
pub fn sent(fd: &FieldData, name: &str) -> bool {
    fd.is_set(name) && fd.get(name).is_ok()
}

fn secs(fd: &FieldData, name: &str) -> Result<u64, Error> {
    Ok(fd.get_duration(name)?.map(|d| d.as_secs()).unwrap_or(0))
}

fn parse_cidrs(fd: &FieldData, name: &str) -> Result<Vec<String>, Error> {
    let list = fd.get_strings(name)?;
    for item in &list {
        if cidr::Cidr::parse(item).is_none() {
            return Err(Error::bad_request(format!(
                "error parsing {name}: invalid address or CIDR block {item:?}"
            )));
        }
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn fd(body: Value, legacy: &[Legacy]) -> FieldData {
        FieldData::new(
            &fields_with_legacy(legacy),
            body.as_object().unwrap(),
            vec![],
            false,
        )
        .unwrap()
    }

    #[test]
    fn parses_and_shows_token_fields() {
        let mut t = TokenParams::default();
        let w = t
            .parse(
                &fd(
                    json!({"token_policies": "B, a,a, ", "token_ttl": "1h", "token_max_ttl": 7200,
                        "token_num_uses": 3, "token_bound_cidrs": ["10.0.0.0/8"],
                        "token_type": "default-service", "token_no_default_policy": true}),
                    &[],
                ),
                &[],
            )
            .unwrap();
        assert_eq!(w.len(), 1);
        assert_eq!(t.token_policies, vec!["a", "b"]);
        assert_eq!((t.token_ttl, t.token_max_ttl), (3600, 7200));
        assert_eq!(t.token_type, TokenType::Service);
        let mut m = Map::new();
        t.populate_data(&mut m, &[]);
        assert_eq!(m["token_type"], "service");
        assert_eq!(m["token_num_uses"], 3);
        assert_eq!(m["token_bound_cidrs"], json!(["10.0.0.0/8"]));
        let mut auth = Auth::default();
        t.populate_auth(&mut auth);
        assert_eq!(auth.lease_duration, 3600);
        assert_eq!(auth.max_ttl, 7200);
        assert!(auth.no_default_policy && auth.renewable);
        assert_eq!(auth.token_type, "service");
    }

    #[test]
    fn rejects_bad_combinations() {
        let mut t = TokenParams::default();
        let e = t
            .parse(&fd(json!({"token_ttl": 10, "token_max_ttl": 5}), &[]), &[])
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "'token_ttl' cannot be greater than 'token_max_ttl'"
        );
        let mut t = TokenParams::default();
        assert!(
            t.parse(
                &fd(json!({"token_type": "batch", "token_period": 60}), &[]),
                &[]
            )
            .is_err()
        );
        let mut t = TokenParams::default();
        let e = t
            .parse(&fd(json!({"token_type": "weird"}), &[]), &[])
            .unwrap_err();
        assert_eq!(e.to_string(), "invalid 'token_type' value \"weird\"");
        let mut t = TokenParams::default();
        assert!(
            t.parse(&fd(json!({"token_num_uses": -1}), &[]), &[])
                .is_err()
        );
        let mut t = TokenParams::default();
        assert!(
            t.parse(&fd(json!({"token_bound_cidrs": "10.0.0.0/99"}), &[]), &[])
                .is_err()
        );
    }

    #[test]
    fn legacy_names_follow_vault_rules() {
        let legacy = [Legacy::Policies, Legacy::Ttl];
        let mut t = TokenParams::default();
        t.parse(
            &fd(json!({"policies": "dev,ops", "ttl": 60}), &legacy),
            &legacy,
        )
        .unwrap();
        assert_eq!(t.token_policies, vec!["dev", "ops"]);
        assert_eq!(t.token_ttl, 60);
        let mut m = Map::new();
        t.populate_data(&mut m, &legacy);
        assert_eq!(m["policies"], json!(["dev", "ops"]));
        assert_eq!(m["ttl"], 60);
        // The new name alone replaces the value and stops the echo.
        t.parse(&fd(json!({"token_policies": "x"}), &legacy), &legacy)
            .unwrap();
        let mut m = Map::new();
        t.populate_data(&mut m, &legacy);
        assert_eq!(m["token_policies"], json!(["x"]));
        assert!(!m.contains_key("policies"));
        assert_eq!(m["ttl"], 60);
        // Both: the new one wins.
        t.parse(&fd(json!({"token_ttl": 5, "ttl": 99}), &legacy), &legacy)
            .unwrap();
        assert_eq!(t.token_ttl, 5);
    }

    #[test]
    fn sanitizes_policies() {
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(sanitize_policies(v(&["b", " A", "", "b"])), v(&["a", "b"]));
        assert_eq!(sanitize_policies(v(&["dev", "root"])), v(&["root"]));
    }
}
