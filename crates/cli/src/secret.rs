//! The response envelope Vault returns for logical requests, as the Go API client models it.
//!
//! `vault read -format=json` prints this structure re-encoded, so the field order, the
//! `null`s for absent slices and maps, and the omitted `auth` / `wrap_info` must match Go's
//! `api.Secret`. Debug output is redacted because the envelope carries secrets and tokens.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Go's `api.Secret`.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Secret {
    /// Request ID assigned by the server.
    #[serde(default, deserialize_with = "nullable")]
    pub request_id: String,
    /// Lease ID, empty for non-leased data.
    #[serde(default, deserialize_with = "nullable")]
    pub lease_id: String,
    /// Lease (or refresh) duration in seconds.
    #[serde(default, deserialize_with = "nullable")]
    pub lease_duration: i64,
    /// Whether the lease can be renewed.
    #[serde(default, deserialize_with = "nullable")]
    pub renewable: bool,
    /// Response data; `null` when absent.
    #[serde(default)]
    pub data: Option<Map<String, Value>>,
    /// Warnings; `null` when absent.
    #[serde(default)]
    pub warnings: Option<Vec<String>>,
    /// Authentication information (login responses, token creation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<SecretAuth>,
    /// Response-wrapping information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrap_info: Option<WrapInfo>,
    /// Type of the mount that answered (newer servers only).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub mount_type: String,
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("request_id", &self.request_id)
            .field("data_keys", &self.data.as_ref().map(|d| d.len()))
            .field("auth", &self.auth.is_some())
            .field("wrap_info", &self.wrap_info.is_some())
            .finish_non_exhaustive()
    }
}

/// Go's `api.SecretAuth`.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SecretAuth {
    /// The token itself.
    #[serde(default, deserialize_with = "nullable")]
    pub client_token: String,
    /// Token accessor.
    #[serde(default, deserialize_with = "nullable")]
    pub accessor: String,
    /// All policies (token and identity).
    #[serde(default)]
    pub policies: Option<Vec<String>>,
    /// Policies attached to the token.
    #[serde(default)]
    pub token_policies: Option<Vec<String>>,
    /// Policies from the identity system.
    #[serde(default)]
    pub identity_policies: Option<Vec<String>>,
    /// Token metadata.
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
    /// Whether the token has no parent.
    #[serde(default, deserialize_with = "nullable")]
    pub orphan: bool,
    /// Identity entity ID.
    #[serde(default, deserialize_with = "nullable")]
    pub entity_id: String,
    /// Token TTL in seconds (0 for root tokens).
    #[serde(default, deserialize_with = "nullable")]
    pub lease_duration: i64,
    /// Whether the token can be renewed.
    #[serde(default, deserialize_with = "nullable")]
    pub renewable: bool,
    /// MFA requirement, printed as `null` when absent like Go's nil pointer.
    #[serde(default)]
    pub mfa_requirement: Option<Value>,
}

/// Go's `api.SecretWrapInfo`.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct WrapInfo {
    /// The wrapping token.
    #[serde(default, deserialize_with = "nullable")]
    pub token: String,
    /// Accessor of the wrapping token.
    #[serde(default, deserialize_with = "nullable")]
    pub accessor: String,
    /// TTL of the wrapping token in seconds.
    #[serde(default, deserialize_with = "nullable")]
    pub ttl: i64,
    /// RFC 3339 creation time.
    #[serde(default = "zero_time", deserialize_with = "nullable_time")]
    pub creation_time: String,
    /// Path whose response was wrapped.
    #[serde(default, deserialize_with = "nullable")]
    pub creation_path: String,
    /// Accessor of a wrapped token, if any.
    #[serde(default, deserialize_with = "nullable")]
    pub wrapped_accessor: String,
}

/// Go's zero `time.Time` in JSON.
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

fn zero_time() -> String {
    ZERO_TIME.to_string()
}

fn nullable_time<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_else(zero_time))
}

impl Secret {
    /// Go's `api.ParseSecret`: an empty body means "no secret".
    pub fn parse(body: &[u8]) -> Result<Option<Secret>, serde_json::Error> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        serde_json::from_slice(body).map(Some)
    }

    /// A data field, or `None`.
    pub fn data_field(&self, key: &str) -> Option<&Value> {
        self.data.as_ref().and_then(|d| d.get(key))
    }

    /// Whether the envelope has data or warnings (what Vault's 404 handling looks for).
    pub fn has_data_or_warnings(&self) -> bool {
        self.data.as_ref().is_some_and(|d| !d.is_empty())
            || self.warnings.as_ref().is_some_and(|w| !w.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::gojson;

    #[test]
    fn round_trip_keeps_go_shape() {
        let body = br#"{"request_id":"r1","lease_id":"","renewable":false,"lease_duration":0,
            "data":{"b":1,"a":"x"},"wrap_info":null,"warnings":null,"auth":null,"mount_type":"kv"}"#;
        let s = Secret::parse(body).unwrap().unwrap();
        assert_eq!(
            gojson::to_string(&s).unwrap(),
            "{\n  \"request_id\": \"r1\",\n  \"lease_id\": \"\",\n  \"lease_duration\": 0,\n  \
             \"renewable\": false,\n  \"data\": {\n    \"a\": \"x\",\n    \"b\": 1\n  },\n  \
             \"warnings\": null,\n  \"mount_type\": \"kv\"\n}"
        );
    }

    #[test]
    fn empty_body_is_no_secret_and_nulls_are_defaults() {
        assert!(Secret::parse(b"").unwrap().is_none());
        assert!(Secret::parse(b"  \n").unwrap().is_none());
        let s = Secret::parse(br#"{"lease_id":null,"data":null}"#)
            .unwrap()
            .unwrap();
        assert_eq!(s.lease_id, "");
        assert!(s.data.is_none());
        assert!(!s.has_data_or_warnings());
    }

    #[test]
    fn debug_does_not_leak_data_or_tokens() {
        let s = Secret::parse(
            br#"{"data":{"password":"hunter2"},"auth":{"client_token":"hvs.SECRET"}}"#,
        )
        .unwrap()
        .unwrap();
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("hunter2"));
        assert!(!dbg.contains("hvs.SECRET"));
    }

    #[test]
    fn auth_serialises_nulls_like_go() {
        let s = Secret {
            auth: Some(SecretAuth {
                client_token: "t".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let out = gojson::to_string(&s).unwrap();
        assert!(out.contains("\"policies\": null"));
        assert!(out.contains("\"mfa_requirement\": null"));
        assert!(!out.contains("wrap_info"));
    }
}
