//! Root token generation from a quorum of unseal keys (Vault's `sys/generate-root/*`),
//! for when the root token is lost or was revoked.
//!
//! The operator starts an attempt with a one-time password (or lets the server make
//! one), key holders submit their shares, and once the shares recover the root key a new
//! root token is stored and returned only as `token XOR otp` (base64), so nobody who
//! merely watched the exchange learns it. The attempt lives in memory on the active
//! node, as in Vault.

use arca_crypto::{Zeroizing, ct_eq};
use arca_sdk::Error;
use arca_seal::{OTP_LENGTH, UnsealProgress};

use crate::{Core, seal_state::barrier_err, token::TokenStore};

/// The root generation under way on this node.
pub(crate) struct GenerateRootOp {
    nonce: String,
    otp: Zeroizing<String>,
    progress: UnsealProgress,
}

/// What `sys/generate-root/attempt` and `update` report (Vault's fields).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenerateRootStatus {
    pub nonce: String,
    pub started: bool,
    pub progress: usize,
    pub required: usize,
    pub complete: bool,
    /// `root token XOR otp`, base64 without padding, once complete.
    pub encoded_token: String,
    /// The OTP, only in the answer to an attempt that asked the server to make it.
    pub otp: String,
    pub otp_length: usize,
}

impl Core {
    /// `GET sys/generate-root/attempt`.
    pub async fn generate_root_status(&self) -> Result<GenerateRootStatus, Error> {
        self.require_active_unsealed()?;
        let stored = self.current_seal_config().await?;
        let required = self.key_holder_config(&stored).await?.secret_threshold;
        let op = self.generate_root.lock().await;
        Ok(status_of(op.as_ref(), required))
    }

    /// `PUT sys/generate-root/attempt`: starts an attempt protected by `otp`, or by a
    /// fresh OTP returned in the answer when none is given.
    pub async fn generate_root_init(
        &self,
        otp: Option<&str>,
        pgp_key: Option<&str>,
    ) -> Result<GenerateRootStatus, Error> {
        self.require_active_unsealed()?;
        let stored = self.current_seal_config().await?;
        let config = self.key_holder_config(&stored).await?;
        if pgp_key.is_some_and(|k| !k.is_empty()) {
            return Err(Error::bad_request(
                "PGP-encrypted root tokens are not supported yet",
            ));
        }
        let (otp, generated) = match otp.filter(|o| !o.is_empty()) {
            Some(o) if o.len() != OTP_LENGTH => {
                return Err(Error::bad_request("OTP string is wrong length"));
            }
            Some(o) => (Zeroizing::new(o.to_string()), false),
            None => (arca_seal::generate_otp(OTP_LENGTH), true),
        };
        let mut op = self.generate_root.lock().await;
        if op.is_some() {
            return Err(Error::bad_request("root generation already in progress"));
        }
        *op = Some(GenerateRootOp {
            nonce: uuid::Uuid::new_v4().to_string(),
            otp: otp.clone(),
            progress: UnsealProgress::new(&config).map_err(Error::internal)?,
        });
        tracing::info!("root generation initialized");
        let mut status = status_of(op.as_ref(), config.secret_threshold);
        if generated {
            status.otp = otp.to_string();
        }
        Ok(status)
    }

    /// `DELETE sys/generate-root/attempt`.
    pub async fn generate_root_cancel(&self) -> Result<(), Error> {
        self.require_active_unsealed()?;
        if self.generate_root.lock().await.take().is_some() {
            tracing::info!("root generation canceled");
        }
        Ok(())
    }

    /// `PUT sys/generate-root/update`: one unseal key share. At the threshold the shares
    /// must recover the root key; then a root token is created and returned encoded.
    pub async fn generate_root_update(
        &self,
        key: &[u8],
        nonce: &str,
    ) -> Result<GenerateRootStatus, Error> {
        self.require_active_unsealed()?;
        let stored = self.current_seal_config().await?;
        let required = self.key_holder_config(&stored).await?.secret_threshold;
        let mut guard = self.generate_root.lock().await;
        let op = guard
            .as_mut()
            .ok_or_else(|| Error::bad_request("no root generation in progress"))?;
        if !ct_eq(nonce.as_bytes(), op.nonce.as_bytes()) {
            return Err(Error::bad_request(format!(
                "incorrect nonce supplied; nonce for this root generation operation is {:?}",
                op.nonce
            )));
        }
        let Some(kek) = op
            .progress
            .submit(key)
            .map_err(|e| Error::bad_request(e.to_string()))?
        else {
            return Ok(status_of(Some(&*op), required));
        };
        self.root_key_from_key_holders(&stored, &kek).await?;
        let tx = self.barrier.begin();
        let token = Zeroizing::new(TokenStore::create_root(&tx, None).await?);
        self.barrier.commit(&tx).await.map_err(barrier_err)?;
        let encoded = arca_seal::encode_root_token(&token, &op.otp).map_err(Error::internal)?;
        let nonce = op.nonce.clone();
        *guard = None;
        tracing::info!("root generation finished");
        Ok(GenerateRootStatus {
            nonce,
            started: true,
            progress: required,
            required,
            complete: true,
            encoded_token: encoded,
            otp: String::new(),
            otp_length: OTP_LENGTH,
        })
    }
}

fn status_of(op: Option<&GenerateRootOp>, required: usize) -> GenerateRootStatus {
    GenerateRootStatus {
        nonce: op.map(|o| o.nonce.clone()).unwrap_or_default(),
        started: op.is_some(),
        progress: op.map(|o| o.progress.progress()).unwrap_or(0),
        required,
        otp_length: OTP_LENGTH,
        ..Default::default()
    }
}
