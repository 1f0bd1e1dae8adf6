//! What the token store keeps about one token, and how Vault shows it in `lookup`.

use std::collections::BTreeMap;

use arca_sdk::{Auth, Map};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Service tokens are stored and can be renewed, revoked and have children; batch tokens
/// are self-contained encrypted blobs that only expire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenType {
    #[default]
    Service,
    Batch,
}

impl TokenType {
    /// Vault's name of the type (`service`, `batch`).
    pub fn as_str(self) -> &'static str {
        match self {
            TokenType::Service => "service",
            TokenType::Batch => "batch",
        }
    }
}

/// What a token grants and who it belongs to. Times are unix seconds (`creation_time`,
/// as Vault shows it) or unix milliseconds (`*_ms`, for exact expiry); durations are
/// seconds. Zero means "unset" throughout, as in Vault.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TokenEntry {
    /// HMAC of the token: the storage id, and the opaque id engines see.
    pub id_hash: String,
    pub accessor: String,
    pub policies: Vec<String>,
    /// `id_hash` of the parent; empty for orphans.
    #[serde(default)]
    pub parent_hash: String,
    /// The path that created the token (`auth/token/create`, `auth/userpass/login/x`).
    pub path: String,
    pub display_name: String,
    /// Unix seconds.
    pub creation_time: i64,
    /// The TTL the token was created with (seconds); 0 means no expiry (root tokens).
    pub ttl: u64,
    /// Uses left; 0 means unlimited.
    #[serde(default)]
    pub num_uses: u64,
    #[serde(default)]
    pub meta: BTreeMap<String, String>,
    #[serde(default)]
    pub explicit_max_ttl: u64,
    #[serde(default)]
    pub period: u64,
    /// The auth method's max TTL for this token (bounds renewals); 0: mount max.
    #[serde(default)]
    pub max_ttl: u64,
    /// The TTL of the latest renewal (the base of the next one); 0: `ttl`.
    #[serde(default)]
    pub last_ttl: u64,
    /// Token store role the token was created against.
    #[serde(default)]
    pub role: String,
    #[serde(default, rename = "type")]
    pub token_type: TokenType,
    #[serde(default)]
    pub entity_id: String,
    #[serde(default)]
    pub renewable: bool,
    /// When the token expires (unix ms); 0 derives it from `creation_time + ttl`.
    #[serde(default)]
    pub expire_time_ms: i64,
    /// When the token was issued (unix ms); 0 means `creation_time`.
    #[serde(default)]
    pub issue_time_ms: i64,
    /// Latest renewal (unix ms); 0: never renewed.
    #[serde(default)]
    pub last_renewal_ms: i64,
    /// CIDR blocks the token may be used from; empty: anywhere.
    #[serde(default)]
    pub bound_cidrs: Vec<String>,
    /// Accessor of the auth mount that issued the token (for disabling the mount).
    #[serde(default)]
    pub mount_accessor: String,
}

impl TokenEntry {
    /// True for tokens holding the `root` policy.
    pub fn is_root(&self) -> bool {
        self.policies.iter().any(|p| p == "root")
    }

    /// True for tokens without a parent.
    pub fn is_orphan(&self) -> bool {
        self.parent_hash.is_empty()
    }

    /// True for batch tokens.
    pub fn is_batch(&self) -> bool {
        self.token_type == TokenType::Batch
    }

    /// When the token expires (unix ms), `None` for tokens that never expire.
    pub fn expires_at_ms(&self) -> Option<i64> {
        if self.expire_time_ms > 0 {
            Some(self.expire_time_ms)
        } else if self.ttl > 0 {
            Some(
                self.creation_time
                    .saturating_add(self.ttl as i64)
                    .saturating_mul(1000),
            )
        } else {
            None
        }
    }

    /// True when the token has a TTL that has passed at `now` (unix seconds).
    pub fn expired(&self, now: i64) -> bool {
        self.expired_at_ms(now.saturating_mul(1000))
    }

    /// True when the token has a TTL that has passed at `now_ms` (unix ms).
    pub fn expired_at_ms(&self, now_ms: i64) -> bool {
        self.expires_at_ms().is_some_and(|at| now_ms >= at)
    }

    /// When the token was issued (unix ms).
    pub fn issue_time_ms(&self) -> i64 {
        if self.issue_time_ms > 0 {
            self.issue_time_ms
        } else {
            self.creation_time.saturating_mul(1000)
        }
    }

    /// The `auth` block Vault returns for this token (create, renew): `client_token` is
    /// the token where the response shows it, `lease_duration` the TTL granted now.
    pub fn to_auth(&self, client_token: &str, lease_duration: u64) -> Auth {
        Auth {
            client_token: client_token.to_string(),
            accessor: self.accessor.clone(),
            policies: self.policies.clone(),
            token_policies: self.policies.clone(),
            metadata: (!self.meta.is_empty()).then(|| self.meta.clone()),
            lease_duration,
            renewable: self.renewable,
            entity_id: self.entity_id.clone(),
            token_type: self.token_type.as_str().to_string(),
            orphan: self.is_orphan(),
            num_uses: self.num_uses,
            ..Default::default()
        }
    }

    /// The `data` of `auth/token/lookup*` in Vault's shape. `id` is the token itself
    /// where Vault shows it (lookup, lookup-self) and `""` for lookup-accessor.
    pub fn lookup_data(&self, id: &str, now_ms: i64) -> Map {
        let expire = self.expires_at_ms();
        let ttl = expire.map(|at| ((at - now_ms).max(0)) / 1000).unwrap_or(0);
        let mut data = json!({
            "id": id,
            "accessor": self.accessor,
            "policies": self.policies,
            "path": self.path,
            "meta": if self.meta.is_empty() { Value::Null } else { json!(self.meta) },
            "display_name": self.display_name,
            "num_uses": self.num_uses,
            "orphan": self.is_orphan(),
            "creation_time": self.creation_time,
            "creation_ttl": self.ttl,
            "expire_time": expire.map(rfc3339_ms).map(Value::String).unwrap_or(Value::Null),
            "ttl": ttl,
            "explicit_max_ttl": self.explicit_max_ttl,
            "entity_id": self.entity_id,
            "type": self.token_type.as_str(),
            "renewable": self.renewable && expire.is_some() && self.token_type == TokenType::Service,
            "issue_time": rfc3339_ms(self.issue_time_ms()),
        });
        let Value::Object(map) = &mut data else {
            return Map::new();
        };
        if !self.role.is_empty() {
            map.insert("role".into(), json!(self.role));
        }
        if self.period > 0 {
            map.insert("period".into(), json!(self.period));
        }
        if !self.bound_cidrs.is_empty() {
            map.insert("bound_cidrs".into(), json!(self.bound_cidrs));
        }
        if self.last_renewal_ms > 0 {
            map.insert(
                "last_renewal_time".into(),
                json!(self.last_renewal_ms / 1000),
            );
            map.insert(
                "last_renewal".into(),
                json!(rfc3339_ms(self.last_renewal_ms)),
            );
        }
        std::mem::take(map)
    }
}

/// RFC 3339 in UTC for a unix-ms time (Go's JSON form of `time.Time`).
pub fn rfc3339_ms(ms: i64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_from_ttl_or_explicit_time() {
        let mut e = TokenEntry {
            creation_time: 1000,
            ttl: 10,
            ..Default::default()
        };
        assert_eq!(e.expires_at_ms(), Some(1_010_000));
        assert!(!e.expired(1009));
        assert!(e.expired(1010));
        e.expire_time_ms = 2_000_500;
        assert!(!e.expired_at_ms(2_000_499));
        assert!(e.expired_at_ms(2_000_500));
        e.ttl = 0;
        e.expire_time_ms = 0;
        assert_eq!(e.expires_at_ms(), None);
        assert!(!e.expired(i64::MAX / 2000));
    }

    #[test]
    fn lookup_shape() {
        let e = TokenEntry {
            accessor: "acc".into(),
            policies: vec!["default".into()],
            path: "auth/token/create".into(),
            display_name: "token".into(),
            creation_time: 1_700_000_000,
            ttl: 60,
            renewable: true,
            role: "r".into(),
            ..Default::default()
        };
        let d = e.lookup_data("hvs.x", 1_700_000_030_000);
        assert_eq!(d["ttl"], 30);
        assert_eq!(d["creation_ttl"], 60);
        assert_eq!(d["expire_time"], "2023-11-14T22:14:20Z");
        assert_eq!(d["issue_time"], "2023-11-14T22:13:20Z");
        assert_eq!(d["orphan"], true);
        assert_eq!(d["renewable"], true);
        assert_eq!(d["meta"], Value::Null);
        assert_eq!(d["role"], "r");
        assert_eq!(d["type"], "service");
        assert!(!d.contains_key("period"));
    }
}
