//! The `sys/audit` calls of the Go client (`Sys().ListAudit`, `EnableAuditWithOptions`,
//! `DisableAudit`), used by the `vault audit` commands.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::{Client, ClientError};

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
        self.get_path_table("sys/audit").await
    }

    /// `PUT sys/audit/<path>`.
    pub async fn enable_audit(&self, path: &str, body: Value) -> Result<(), ClientError> {
        self.call_ignoring_answer(Method::PUT, &format!("sys/audit/{path}"), Some(body))
            .await
    }

    /// `DELETE sys/audit/<path>`.
    pub async fn disable_audit(&self, path: &str) -> Result<(), ClientError> {
        self.call_ignoring_answer(Method::DELETE, &format!("sys/audit/{path}"), None)
            .await
    }
}
