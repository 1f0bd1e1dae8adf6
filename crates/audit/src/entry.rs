//! The JSON shapes of audit entries (Vault's `audit/types.go`: empty fields are
//! omitted) and how a [`LogInput`] becomes one, hashed with the device's salt.

use std::collections::BTreeMap;

use arca_sdk::{Map, Response};
use serde::Serialize;
use serde_json::Value;

use crate::{AuthInfo, LogInput, MountInfo, Salt};

/// `request` or `response`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryType {
    Request,
    Response,
}

/// How secrets are written (from the device's options).
#[derive(Debug, Clone, Copy)]
pub struct HashOptions {
    /// Write everything in clear (`log_raw`).
    pub log_raw: bool,
    /// Hash token accessors too (`hmac_accessor`, default true).
    pub hmac_accessor: bool,
    /// Replace the `keys` (and `key_info`) of list responses by their count.
    pub elide_list_responses: bool,
}

/// One line of the log.
#[derive(Debug, Serialize)]
pub struct Entry {
    pub time: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub auth: AuthEntry,
    pub request: RequestEntry,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseEntry>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub error: String,
}

/// The `auth` object (of the entry, and of a response that issued a token).
#[derive(Debug, Default, Serialize)]
pub struct AuthEntry {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub client_token: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub accessor: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub token_policies: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub entity_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub token_type: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub token_ttl: u64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub token_issue_time: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub num_uses: u64,
}

/// Vault's namespace object; Arca has only the root namespace.
#[derive(Debug, Serialize)]
pub struct Namespace {
    pub id: &'static str,
}

/// The `request` object.
#[derive(Debug, Serialize)]
pub struct RequestEntry {
    pub id: String,
    pub operation: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mount_type: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mount_accessor: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mount_class: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mount_point: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub client_token: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub client_token_accessor: String,
    pub namespace: Namespace,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Map>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub remote_address: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub wrap_ttl: u64,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, Vec<String>>,
}

/// The `response` object.
#[derive(Debug, Default, Serialize)]
pub struct ResponseEntry {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mount_type: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mount_accessor: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mount_class: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mount_point: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Map>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wrap_info: Option<WrapInfoEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The lease of a response that carries a secret.
#[derive(Debug, Serialize)]
pub struct SecretEntry {
    pub lease_id: String,
}

/// The `wrap_info` of a wrapped response.
#[derive(Debug, Serialize)]
pub struct WrapInfoEntry {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub token: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub accessor: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub ttl: u64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub creation_time: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub creation_path: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub wrapped_accessor: String,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The current time as Vault writes it (RFC 3339, UTC, nanoseconds).
pub fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Builds the entry of `kind` for `input`, with secrets hashed by `salt` unless
/// `opts.log_raw`.
pub fn build(kind: EntryType, input: &LogInput, salt: &Salt, opts: HashOptions) -> Entry {
    let hasher = Hasher { salt, opts };
    let auth = input
        .auth
        .as_ref()
        .map(|a| hasher.auth(a))
        .unwrap_or_default();
    let req = &input.request;
    let mount = req.mount.clone().unwrap_or_default();
    let mut request = RequestEntry {
        id: req.id.clone(),
        operation: req.operation.as_str(),
        mount_type: mount.mount_type.clone(),
        mount_accessor: mount.mount_accessor.clone(),
        mount_class: mount.mount_class.clone(),
        mount_point: mount.mount_point.clone(),
        client_token: auth.client_token.clone(),
        client_token_accessor: auth.accessor.clone(),
        namespace: Namespace { id: "root" },
        path: req.path.clone(),
        data: (!req.data.is_empty()).then(|| hasher.map(&req.data)),
        remote_address: req.remote_address.clone().unwrap_or_default(),
        wrap_ttl: req.wrap_ttl,
        headers: req.headers.clone(),
    };
    // Audited headers are hashed like data (none are configured by default).
    for v in request.headers.values_mut().flatten() {
        hasher.string(v);
    }
    let response = match (kind, &input.response) {
        (EntryType::Response, Some(resp)) => Some(hasher.response(resp, &mount, req)),
        (EntryType::Response, None) => Some(ResponseEntry {
            mount_type: mount.mount_type.clone(),
            mount_accessor: mount.mount_accessor.clone(),
            mount_class: mount.mount_class.clone(),
            mount_point: mount.mount_point.clone(),
            ..Default::default()
        }),
        (EntryType::Request, _) => None,
    };
    Entry {
        time: now(),
        kind: match kind {
            EntryType::Request => "request",
            EntryType::Response => "response",
        },
        auth,
        request,
        response,
        error: input.error.clone().unwrap_or_default(),
    }
}

/// Applies the device's hashing rules.
struct Hasher<'a> {
    salt: &'a Salt,
    opts: HashOptions,
}

impl Hasher<'_> {
    fn string(&self, s: &mut String) {
        if !self.opts.log_raw {
            self.salt.hash_in_place(s);
        }
    }

    fn accessor(&self, s: &mut String) {
        if self.opts.hmac_accessor {
            self.string(s);
        }
    }

    fn map(&self, data: &Map) -> Map {
        let mut value = Value::Object(data.clone());
        if !self.opts.log_raw {
            self.salt.hash_value(&mut value);
        }
        match value {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn auth(&self, a: &AuthInfo) -> AuthEntry {
        let mut client_token = a.client_token.to_string();
        self.string(&mut client_token);
        let mut accessor = a.accessor.clone();
        self.accessor(&mut accessor);
        AuthEntry {
            client_token,
            accessor,
            display_name: a.display_name.clone(),
            policies: a.policies.clone(),
            token_policies: a.token_policies.clone(),
            metadata: a.metadata.clone(),
            entity_id: a.entity_id.clone(),
            token_type: a.token_type.clone(),
            token_ttl: a.token_ttl,
            token_issue_time: a.token_issue_time.clone(),
            num_uses: a.num_uses,
        }
    }

    fn response(
        &self,
        resp: &Response,
        mount: &MountInfo,
        req: &crate::RequestInfo,
    ) -> ResponseEntry {
        let auth = resp.auth.as_ref().map(|a| {
            self.auth(&AuthInfo {
                client_token: zeroize::Zeroizing::new(a.client_token.clone()),
                accessor: a.accessor.clone(),
                display_name: a.display_name.clone(),
                policies: a.policies.clone(),
                token_policies: a.token_policies.clone(),
                metadata: a.metadata.clone().unwrap_or_default(),
                entity_id: a.entity_id.clone(),
                token_type: a.token_type.clone(),
                token_ttl: a.lease_duration,
                token_issue_time: String::new(),
                num_uses: a.num_uses,
            })
        });
        let data = resp.data.as_ref().map(|d| {
            let mut d = self.map(d);
            if self.opts.elide_list_responses && req.operation == arca_sdk::Operation::List {
                elide_list(&mut d);
            }
            d
        });
        let wrap_info = resp.wrap_info.as_ref().map(|w| {
            let mut token = w.token.clone();
            self.string(&mut token);
            let mut accessor = w.accessor.clone();
            self.accessor(&mut accessor);
            let mut wrapped_accessor = w.wrapped_accessor.clone();
            self.accessor(&mut wrapped_accessor);
            WrapInfoEntry {
                token,
                accessor,
                ttl: w.ttl,
                creation_time: w.creation_time.clone(),
                creation_path: w.creation_path.clone(),
                wrapped_accessor,
            }
        });
        ResponseEntry {
            mount_type: mount.mount_type.clone(),
            mount_accessor: mount.mount_accessor.clone(),
            mount_class: mount.mount_class.clone(),
            mount_point: mount.mount_point.clone(),
            auth,
            data,
            secret: resp
                .lease
                .as_ref()
                .filter(|l| !l.lease_id.is_empty())
                .map(|l| SecretEntry {
                    lease_id: l.lease_id.clone(),
                }),
            wrap_info,
            warnings: resp.warnings.clone(),
        }
    }
}

/// Vault's `elide_list_responses`: `keys` becomes the number of keys, `key_info` the
/// number of its entries.
fn elide_list(data: &mut Map) {
    if let Some(Value::Array(keys)) = data.get("keys") {
        let n = keys.len();
        data.insert("keys".into(), Value::from(n));
    }
    if let Some(Value::Object(info)) = data.get("key_info") {
        let n = info.len();
        data.insert("key_info".into(), Value::from(n));
    }
}
