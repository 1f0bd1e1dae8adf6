//! Batch tokens: the entry itself, sealed with AES-256-GCM under a per-cluster key kept
//! in the barrier, so creating and using one writes nothing. They cannot be renewed,
//! revoked individually or create children; they expire, or die with their parent.

use std::collections::BTreeMap;

use arca_crypto::Key32;
use arca_sdk::{Error, Storage};
use base64::Engine;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{TokenEntry, TokenType, store::BATCH_TOKEN_PREFIX};

/// Barrier key of the batch-token sealing key (hex).
const KEY_KEY: &str = "sys/token/batch-key";
/// Associated data binding the ciphertext to its purpose.
const AAD: &[u8] = b"arca/batch-token/v1";
/// Vault's pre-1.10 batch prefix, accepted on lookup.
const LEGACY_PREFIX: &str = "b.";

/// The fields a batch token carries (short names keep tokens short).
#[derive(Serialize, Deserialize)]
struct Claims {
    #[serde(rename = "p", default, skip_serializing_if = "String::is_empty")]
    parent: String,
    #[serde(rename = "pol")]
    policies: Vec<String>,
    #[serde(rename = "pa")]
    path: String,
    #[serde(rename = "m", default, skip_serializing_if = "BTreeMap::is_empty")]
    meta: BTreeMap<String, String>,
    #[serde(rename = "dn")]
    display_name: String,
    #[serde(rename = "ct")]
    creation_time: i64,
    #[serde(rename = "t")]
    ttl: u64,
    #[serde(rename = "it")]
    issue_ms: i64,
    #[serde(rename = "x")]
    expire_ms: i64,
    #[serde(rename = "r", default, skip_serializing_if = "String::is_empty")]
    role: String,
    #[serde(rename = "e", default, skip_serializing_if = "String::is_empty")]
    entity_id: String,
    #[serde(rename = "c", default, skip_serializing_if = "Vec::is_empty")]
    bound_cidrs: Vec<String>,
    #[serde(rename = "ma", default, skip_serializing_if = "String::is_empty")]
    mount_accessor: String,
}

/// True for strings shaped like batch tokens.
pub fn is_batch_token(token: &str) -> bool {
    token.starts_with(BATCH_TOKEN_PREFIX) || token.starts_with(LEGACY_PREFIX)
}

async fn key(storage: &dyn Storage, create: bool) -> Result<Option<Key32>, Error> {
    if let Some(raw) = storage.get(KEY_KEY).await? {
        let bytes = Zeroizing::new(
            hex::decode(&raw).map_err(|_| Error::internal("corrupt batch token key"))?,
        );
        return Key32::from_slice(&bytes)
            .map(Some)
            .map_err(|_| Error::internal("corrupt batch token key"));
    }
    if !create {
        return Ok(None);
    }
    let key = Key32::generate();
    storage
        .put(KEY_KEY, hex::encode(key.as_bytes()).into_bytes())
        .await?;
    Ok(Some(key))
}

/// Seals `entry` into a batch token (creating the key on first use).
pub(crate) async fn seal(storage: &dyn Storage, entry: &TokenEntry) -> Result<String, Error> {
    let key = key(storage, true)
        .await?
        .ok_or_else(|| Error::internal("batch token key is missing"))?;
    let claims = Claims {
        parent: entry.parent_hash.clone(),
        policies: entry.policies.clone(),
        path: entry.path.clone(),
        meta: entry.meta.clone(),
        display_name: entry.display_name.clone(),
        creation_time: entry.creation_time,
        ttl: entry.ttl,
        issue_ms: entry.issue_time_ms,
        expire_ms: entry.expire_time_ms,
        role: entry.role.clone(),
        entity_id: entry.entity_id.clone(),
        bound_cidrs: entry.bound_cidrs.clone(),
        mount_accessor: entry.mount_accessor.clone(),
    };
    let plain = Zeroizing::new(serde_json::to_vec(&claims)?);
    let sealed = arca_crypto::seal(&key, &plain, AAD).map_err(Error::internal)?;
    Ok(format!(
        "{BATCH_TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sealed)
    ))
}

/// Opens a batch token; `None` when it is not one of this cluster's (or was altered).
/// `id_hash` is left empty for the caller to fill.
pub(crate) async fn open(storage: &dyn Storage, token: &str) -> Result<Option<TokenEntry>, Error> {
    let body = token
        .strip_prefix(BATCH_TOKEN_PREFIX)
        .or_else(|| token.strip_prefix(LEGACY_PREFIX))
        .unwrap_or_default();
    let Ok(sealed) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(body) else {
        return Ok(None);
    };
    let Some(key) = key(storage, false).await? else {
        return Ok(None);
    };
    let Ok(plain) = arca_crypto::open(&key, &sealed, AAD) else {
        return Ok(None);
    };
    let Ok(c) = serde_json::from_slice::<Claims>(&plain) else {
        return Ok(None);
    };
    Ok(Some(TokenEntry {
        policies: c.policies,
        parent_hash: c.parent,
        path: c.path,
        display_name: c.display_name,
        creation_time: c.creation_time,
        ttl: c.ttl,
        meta: c.meta,
        role: c.role,
        token_type: TokenType::Batch,
        entity_id: c.entity_id,
        expire_time_ms: c.expire_ms,
        issue_time_ms: c.issue_ms,
        bound_cidrs: c.bound_cidrs,
        mount_accessor: c.mount_accessor,
        ..Default::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arca_sdk::testing::MemoryStorage;

    #[tokio::test]
    async fn seal_and_open() {
        let s = MemoryStorage::default();
        let e = TokenEntry {
            policies: vec!["default".into(), "p".into()],
            path: "auth/token/create".into(),
            display_name: "token".into(),
            creation_time: 1_700_000_000,
            ttl: 60,
            expire_time_ms: 1_700_000_060_000,
            token_type: TokenType::Batch,
            ..Default::default()
        };
        assert!(open(&s, "hvb.AAAA").await.unwrap().is_none(), "no key yet");
        let t = seal(&s, &e).await.unwrap();
        assert!(is_batch_token(&t));
        let back = open(&s, &t).await.unwrap().unwrap();
        assert_eq!(back, e);
        // A flipped character breaks authentication.
        let mut bad = t.clone().into_bytes();
        let i = bad.len() - 5;
        bad[i] = if bad[i] == b'A' { b'B' } else { b'A' };
        assert!(
            open(&s, &String::from_utf8(bad).unwrap())
                .await
                .unwrap()
                .is_none()
        );
        assert!(open(&s, "hvb.!!").await.unwrap().is_none());
    }
}
