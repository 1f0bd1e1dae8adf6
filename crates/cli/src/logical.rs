//! Logical (path-based) operations with the Go client's response rules.
//!
//! Vault's client treats a 404 on read, list and delete as "nothing here" unless the body
//! still carries data or warnings (a deleted KV v2 version answers 404 with its metadata),
//! while a 404 on write is an error. Commands print "No value found at ..." or the API error
//! depending on which, so the distinction is kept here.

use reqwest::Method;
use serde_json::Value;

use crate::client::{Client, ClientError, Request, Response};
use crate::secret::Secret;

fn parse_lenient_404(resp: Response) -> Result<Option<Secret>, ClientError> {
    if resp.status == 404 {
        let secret = resp.secret()?;
        return Ok(secret.filter(Secret::has_data_or_warnings));
    }
    resp.ok()?.secret()
}

impl Client {
    /// `GET <path>` with optional query parameters.
    pub async fn read(
        &self,
        path: &str,
        query: Vec<(String, String)>,
    ) -> Result<Option<Secret>, ClientError> {
        let resp = self
            .send(Request::new(Method::GET, path).query(query))
            .await?;
        parse_lenient_404(resp)
    }

    /// `LIST <path>` (sent as `GET ?list=true`, like the Go client).
    pub async fn list(&self, path: &str) -> Result<Option<Secret>, ClientError> {
        let resp = self
            .send(Request::new(Method::GET, path).query(vec![("list".into(), "true".into())]))
            .await?;
        parse_lenient_404(resp)
    }

    /// `DELETE <path>` with optional query parameters.
    pub async fn delete(
        &self,
        path: &str,
        query: Vec<(String, String)>,
    ) -> Result<Option<Secret>, ClientError> {
        let resp = self
            .send(Request::new(Method::DELETE, path).query(query))
            .await?;
        parse_lenient_404(resp)
    }

    /// `PUT <path>` with a JSON body.
    pub async fn write(&self, path: &str, body: Value) -> Result<Option<Secret>, ClientError> {
        let resp = self
            .send(Request::new(Method::PUT, path).json(body))
            .await?;
        resp.ok()?.secret()
    }

    /// `PUT sys/wrapping/unwrap`, as the Go client's `Logical().Unwrap`: with no token
    /// configured the wrapping token becomes the client token, a different one goes in
    /// the body. A 404 that still carries data is the unwrapped (not-found) response.
    pub async fn unwrap(&mut self, wrapping_token: &str) -> Result<Option<Secret>, ClientError> {
        let token = wrapping_token.trim();
        let mut body = serde_json::Map::new();
        if !token.is_empty() {
            if !self.has_token() {
                self.set_token(Some(zeroize::Zeroizing::new(token.to_string())));
            } else if !self.token_is(token) {
                body.insert("token".into(), Value::String(token.to_string()));
            }
        }
        let resp = self
            .send(Request::new(Method::PUT, "sys/wrapping/unwrap").json(Value::Object(body)))
            .await?;
        if resp.status == 404 {
            let secret = resp.secret()?;
            if secret.as_ref().is_some_and(|s| s.data.is_some()) {
                return Ok(secret);
            }
        }
        resp.ok()?.secret()
    }

    /// `PATCH <path>` with a JSON merge-patch body.
    pub async fn merge_patch(
        &self,
        path: &str,
        body: Value,
    ) -> Result<Option<Secret>, ClientError> {
        let mut req = Request::new(Method::PATCH, path).json(body);
        req.content_type = "application/merge-patch+json";
        let resp = self.send(req).await?;
        resp.ok()?.secret()
    }
}
