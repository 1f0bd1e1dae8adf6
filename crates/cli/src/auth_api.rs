//! The `sys/auth` calls of the Go client (`Sys().ListAuth`, `EnableAuthWithOptions`,
//! `DisableAuth`), used by the `vault auth` commands.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::Value;

use crate::client::{Client, ClientError, Request};
use crate::sys::Mount;

impl Client {
    /// `GET sys/auth`: the enabled auth methods by path.
    pub async fn list_auth(&self) -> Result<BTreeMap<String, Mount>, ClientError> {
        let v: Value = self
            .send(Request::new(Method::GET, "sys/auth"))
            .await?
            .ok()?
            .json()?;
        let table = match v {
            Value::Object(mut m) => match m.remove("data") {
                Some(Value::Object(d)) => d,
                _ => m,
            },
            _ => serde_json::Map::new(),
        };
        let mut out = BTreeMap::new();
        for (path, m) in table {
            if !m.is_object() {
                continue;
            }
            let mount: Mount =
                serde_json::from_value(m).map_err(|e| ClientError::Decode(e.to_string()))?;
            out.insert(path, mount);
        }
        Ok(out)
    }

    /// `POST sys/auth/<path>`.
    pub async fn enable_auth(&self, path: &str, body: Value) -> Result<(), ClientError> {
        self.send(Request::new(Method::POST, &format!("sys/auth/{path}")).json(body))
            .await?
            .ok()
            .map(|_| ())
    }

    /// `DELETE sys/auth/<path>`.
    pub async fn disable_auth(&self, path: &str) -> Result<(), ClientError> {
        self.send(Request::new(Method::DELETE, &format!("sys/auth/{path}")))
            .await?
            .ok()
            .map(|_| ())
    }
}
