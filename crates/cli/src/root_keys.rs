//! Client calls for `operator rekey` and `operator generate-root`: Vault's
//! `sys/rekey[-recovery-key]/*` and `sys/generate-root/*`, whose bodies are plain JSON.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::{Client, ClientError, Request};

/// `sys/rekey/init` status (Vault's `api.RekeyStatusResponse`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RekeyStatus {
    #[serde(default)]
    pub nonce: String,
    #[serde(default)]
    pub started: bool,
    #[serde(default)]
    pub t: u64,
    #[serde(default)]
    pub n: u64,
    #[serde(default)]
    pub progress: u64,
    #[serde(default)]
    pub required: u64,
    #[serde(default)]
    pub pgp_fingerprints: Option<Vec<String>>,
    #[serde(default)]
    pub backup: bool,
    #[serde(default)]
    pub verification_required: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub verification_nonce: String,
}

/// The answer to `sys/rekey/update`: a status while incomplete, the new keys once
/// complete (Vault's `api.RekeyUpdateResponse` fields, flattened with the status).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RekeyUpdateResponse {
    #[serde(default)]
    pub nonce: String,
    #[serde(default)]
    pub complete: bool,
    #[serde(default)]
    pub keys: Vec<String>,
    #[serde(default)]
    pub keys_base64: Vec<String>,
    #[serde(default)]
    pub pgp_fingerprints: Option<Vec<String>>,
    #[serde(default)]
    pub backup: bool,
    #[serde(default)]
    pub verification_required: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub verification_nonce: String,
}

/// `sys/rekey/verify` status (Vault's `api.RekeyVerificationStatusResponse`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RekeyVerifyStatus {
    #[serde(default)]
    pub nonce: String,
    #[serde(default)]
    pub started: bool,
    #[serde(default)]
    pub t: u64,
    #[serde(default)]
    pub n: u64,
    #[serde(default)]
    pub progress: u64,
}

/// The answer to `sys/rekey/verify` (PUT): a status while incomplete.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RekeyVerifyUpdate {
    #[serde(default)]
    pub nonce: String,
    #[serde(default)]
    pub complete: bool,
    #[serde(default)]
    pub t: u64,
    #[serde(default)]
    pub progress: u64,
}

/// `sys/generate-root/attempt` status (Vault's `api.GenerateRootStatusResponse`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GenerateRootStatus {
    #[serde(default)]
    pub nonce: String,
    #[serde(default)]
    pub started: bool,
    #[serde(default)]
    pub progress: u64,
    #[serde(default)]
    pub required: u64,
    #[serde(default)]
    pub complete: bool,
    #[serde(default)]
    pub encoded_token: String,
    #[serde(default)]
    pub encoded_root_token: String,
    #[serde(default)]
    pub pgp_fingerprint: String,
    #[serde(default)]
    pub otp: String,
    #[serde(default)]
    pub otp_length: u64,
}

/// `sys/rekey` or `sys/rekey-recovery-key`.
fn rekey_base(recovery: bool) -> &'static str {
    if recovery {
        "sys/rekey-recovery-key"
    } else {
        "sys/rekey"
    }
}

impl Client {
    /// `GET sys/rekey[-recovery-key]/init`.
    pub async fn rekey_status(&self, recovery: bool) -> Result<RekeyStatus, ClientError> {
        let path = format!("{}/init", rekey_base(recovery));
        self.send(Request::new(Method::GET, &path))
            .await?
            .ok()?
            .json()
    }

    /// `PUT sys/rekey[-recovery-key]/init`.
    pub async fn rekey_init(
        &self,
        recovery: bool,
        body: Value,
    ) -> Result<RekeyStatus, ClientError> {
        let path = format!("{}/init", rekey_base(recovery));
        self.send(Request::new(Method::PUT, &path).json(body))
            .await?
            .ok()?
            .json()
    }

    /// `DELETE sys/rekey[-recovery-key]/init`.
    pub async fn rekey_cancel(&self, recovery: bool) -> Result<(), ClientError> {
        let path = format!("{}/init", rekey_base(recovery));
        self.call_ignoring_answer(Method::DELETE, &path, None).await
    }

    /// `PUT sys/rekey[-recovery-key]/update`.
    pub async fn rekey_update(
        &self,
        recovery: bool,
        key: &str,
        nonce: &str,
    ) -> Result<RekeyUpdateResponse, ClientError> {
        let path = format!("{}/update", rekey_base(recovery));
        let body = serde_json::json!({ "key": key, "nonce": nonce });
        self.send(Request::new(Method::PUT, &path).json(body))
            .await?
            .ok()?
            .json()
    }

    /// `GET sys/rekey[-recovery-key]/verify`.
    pub async fn rekey_verify_status(
        &self,
        recovery: bool,
    ) -> Result<RekeyVerifyStatus, ClientError> {
        let path = format!("{}/verify", rekey_base(recovery));
        self.send(Request::new(Method::GET, &path))
            .await?
            .ok()?
            .json()
    }

    /// `PUT sys/rekey[-recovery-key]/verify`.
    pub async fn rekey_verify_update(
        &self,
        recovery: bool,
        key: &str,
        nonce: &str,
    ) -> Result<RekeyVerifyUpdate, ClientError> {
        let path = format!("{}/verify", rekey_base(recovery));
        let body = serde_json::json!({ "key": key, "nonce": nonce });
        self.send(Request::new(Method::PUT, &path).json(body))
            .await?
            .ok()?
            .json()
    }

    /// `GET sys/generate-root/attempt`.
    pub async fn generate_root_status(&self) -> Result<GenerateRootStatus, ClientError> {
        self.send(Request::new(Method::GET, "sys/generate-root/attempt"))
            .await?
            .ok()?
            .json()
    }

    /// `PUT sys/generate-root/attempt` (an empty OTP lets the server make one).
    pub async fn generate_root_init(
        &self,
        otp: &str,
        pgp_key: &str,
    ) -> Result<GenerateRootStatus, ClientError> {
        let body = serde_json::json!({ "otp": otp, "pgp_key": pgp_key });
        self.send(Request::new(Method::PUT, "sys/generate-root/attempt").json(body))
            .await?
            .ok()?
            .json()
    }

    /// `DELETE sys/generate-root/attempt`.
    pub async fn generate_root_cancel(&self) -> Result<(), ClientError> {
        self.call_ignoring_answer(Method::DELETE, "sys/generate-root/attempt", None)
            .await
    }

    /// `PUT sys/generate-root/update`.
    pub async fn generate_root_update(
        &self,
        key: &str,
        nonce: &str,
    ) -> Result<GenerateRootStatus, ClientError> {
        let body = serde_json::json!({ "key": key, "nonce": nonce });
        self.send(Request::new(Method::PUT, "sys/generate-root/update").json(body))
            .await?
            .ok()?
            .json()
    }
}
