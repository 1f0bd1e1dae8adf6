//! The `sys/auth` calls of the Go client (`Sys().ListAuth`, `EnableAuthWithOptions`,
//! `DisableAuth`), used by the `vault auth` commands.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::Value;

use crate::client::{Client, ClientError};
use crate::sys::Mount;

impl Client {
    /// `GET sys/auth`: the enabled auth methods by path.
    pub async fn list_auth(&self) -> Result<BTreeMap<String, Mount>, ClientError> {
        self.get_path_table("sys/auth").await
    }

    /// `POST sys/auth/<path>`.
    pub async fn enable_auth(&self, path: &str, body: Value) -> Result<(), ClientError> {
        self.call_ignoring_answer(Method::POST, &format!("sys/auth/{path}"), Some(body))
            .await
    }

    /// `DELETE sys/auth/<path>`.
    pub async fn disable_auth(&self, path: &str) -> Result<(), ClientError> {
        self.call_ignoring_answer(Method::DELETE, &format!("sys/auth/{path}"), None)
            .await
    }
}
