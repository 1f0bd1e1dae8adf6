//! The `sys/audit` calls of the Go client (`Sys().ListAudit`, `EnableAuditWithOptions`,
//! `DisableAudit`), used by the `vault audit` commands.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::{Client, ClientError, Request};

/// One enabled audit device as `sys/audit` lists it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Audit {
    #[serde(rename = "type", default)]
    pub audit_type: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    #[serde(default)]
    pub local: bool,
    #[serde(default)]
    pub path: String,
}

impl Client {
    /// `GET sys/audit`: the enabled audit devices by path.
    pub async fn list_audit(&self) -> Result<BTreeMap<String, Audit>, ClientError> {
        let v: Value = self
            .send(Request::new(Method::GET, "sys/audit"))
            .await?
            .ok()?
            .json()?;
        let table = match v {
            Value::Object(mut m) => match m.remove("data") {
                Some(Value::Object(d)) => d,
                _ => m,
            },
            _ => Default::default(),
        };
        let mut out = BTreeMap::new();
        for (path, a) in table {
            if !a.is_object() {
                continue;
            }
            let audit: Audit =
                serde_json::from_value(a).map_err(|e| ClientError::Decode(e.to_string()))?;
            out.insert(path, audit);
        }
        Ok(out)
    }

    /// `PUT sys/audit/<path>`.
    pub async fn enable_audit(&self, path: &str, body: Value) -> Result<(), ClientError> {
        self.send(Request::new(Method::PUT, &format!("sys/audit/{path}")).json(body))
            .await?
            .ok()
            .map(|_| ())
    }

    /// `DELETE sys/audit/<path>`.
    pub async fn disable_audit(&self, path: &str) -> Result<(), ClientError> {
        self.send(Request::new(Method::DELETE, &format!("sys/audit/{path}")))
            .await?
            .ok()
            .map(|_| ())
    }
}
