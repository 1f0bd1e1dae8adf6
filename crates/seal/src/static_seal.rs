//! The static seal: a 32-byte AES-256-GCM key given to the server (a file, an
//! environment variable or the configuration itself), for clusters without a KMS. The
//! names follow OpenBao's `seal "static"`: `current_key_id`/`current_key`, and
//! `previous_key_id`/`previous_key` to rotate.

use arca_crypto::{Key32, Zeroizing};
use async_trait::async_trait;
use base64::{Engine, engine::general_purpose::STANDARD};

use crate::{ROOT_KEY_AAD, Seal, SealError, SealedBlob};

/// Vault's seal type name for this seal.
pub const SEAL_TYPE_STATIC: &str = "static";

/// The `seal "static"` stanza. Key values are references (`file://PATH`, `env://VAR`)
/// or the key itself in base64 or hex.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct StaticSealConfig {
    pub current_key_id: String,
    pub current_key: String,
    pub previous_key_id: String,
    pub previous_key: String,
}

impl std::fmt::Debug for StaticSealConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticSealConfig")
            .field("current_key_id", &self.current_key_id)
            .field("previous_key_id", &self.previous_key_id)
            .finish_non_exhaustive()
    }
}

/// The static seal with its keys loaded.
pub struct StaticSeal {
    current_id: String,
    current: Key32,
    previous: Option<(String, Key32)>,
}

impl std::fmt::Debug for StaticSeal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticSeal")
            .field("current_key_id", &self.current_id)
            .finish_non_exhaustive()
    }
}

/// Reads a key reference: `file://PATH` (32 raw bytes, or base64/hex text),
/// `env://VAR` (base64/hex text), or base64/hex text given inline.
pub fn load_key(reference: &str, what: &str) -> Result<Key32, SealError> {
    let bad = |m: String| SealError::InvalidConfig(format!("static seal: {what}: {m}"));
    let raw: Zeroizing<Vec<u8>> = if let Some(path) = reference.strip_prefix("file://") {
        Zeroizing::new(std::fs::read(path).map_err(|e| bad(format!("reading {path}: {e}")))?)
    } else if let Some(var) = reference.strip_prefix("env://") {
        Zeroizing::new(
            std::env::var(var)
                .map_err(|_| bad(format!("environment variable {var} is not set")))?
                .into_bytes(),
        )
    } else {
        Zeroizing::new(reference.as_bytes().to_vec())
    };
    if raw.len() == arca_crypto::KEY_LEN && reference.starts_with("file://") {
        return Key32::from_slice(&raw).map_err(|_| bad("the key must be 32 bytes".into()));
    }
    let text = std::str::from_utf8(&raw)
        .map_err(|_| bad("the key must be 32 raw bytes, or base64 or hex text".into()))?
        .trim();
    let decoded = hex::decode(text)
        .ok()
        .filter(|b| b.len() == arca_crypto::KEY_LEN)
        .or_else(|| STANDARD.decode(text).ok())
        .map(Zeroizing::new)
        .ok_or_else(|| bad("the key must be 32 raw bytes, or base64 or hex text".into()))?;
    Key32::from_slice(&decoded).map_err(|_| bad("the key must be 32 bytes".into()))
}

impl StaticSeal {
    /// Loads the keys the stanza names.
    pub fn from_config(config: &StaticSealConfig) -> Result<Self, SealError> {
        if config.current_key_id.is_empty() {
            return Err(SealError::InvalidConfig(
                "static seal: current_key_id is required".into(),
            ));
        }
        if config.current_key.is_empty() {
            return Err(SealError::InvalidConfig(
                "static seal: current_key is required".into(),
            ));
        }
        let current = load_key(&config.current_key, "current_key")?;
        let previous = match (
            config.previous_key_id.is_empty(),
            config.previous_key.is_empty(),
        ) {
            (true, true) => None,
            (false, false) => Some((
                config.previous_key_id.clone(),
                load_key(&config.previous_key, "previous_key")?,
            )),
            _ => {
                return Err(SealError::InvalidConfig(
                    "static seal: previous_key_id and previous_key go together".into(),
                ));
            }
        };
        Ok(StaticSeal {
            current_id: config.current_key_id.clone(),
            current,
            previous,
        })
    }

    fn key_for(&self, id: &str) -> Result<&Key32, SealError> {
        if id == self.current_id {
            return Ok(&self.current);
        }
        match &self.previous {
            Some((pid, key)) if pid == id => Ok(key),
            _ => Err(SealError::Backend(format!(
                "static seal: the root key was wrapped with key id {id:?}, which is neither current_key_id nor previous_key_id"
            ))),
        }
    }
}

#[async_trait]
impl Seal for StaticSeal {
    fn seal_type(&self) -> &'static str {
        SEAL_TYPE_STATIC
    }

    async fn wrap_root_key(&self, root_key: &Key32) -> Result<Vec<u8>, SealError> {
        let ct = arca_crypto::seal(&self.current, root_key.as_bytes(), ROOT_KEY_AAD)?;
        SealedBlob {
            seal_type: SEAL_TYPE_STATIC.into(),
            key_id: self.current_id.clone(),
            ciphertext: STANDARD.encode(ct),
        }
        .to_bytes()
    }

    async fn unwrap_root_key(&self, stored: &[u8]) -> Result<Key32, SealError> {
        let blob = SealedBlob::from_bytes(stored)?;
        let key = self.key_for(&blob.key_id)?;
        let plain = arca_crypto::open(key, &blob.ciphertext_bytes()?, ROOT_KEY_AAD)
            .map_err(|_| SealError::InvalidKey)?;
        Key32::from_slice(&plain).map_err(|_| SealError::InvalidKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex_key(b: u8) -> String {
        hex::encode([b; 32])
    }

    #[tokio::test]
    async fn wraps_and_unwraps_and_keeps_the_previous_key() {
        let old = StaticSeal::from_config(&StaticSealConfig {
            current_key_id: "k1".into(),
            current_key: hex_key(1),
            ..Default::default()
        })
        .unwrap();
        let root = Key32::generate();
        let stored = old.wrap_root_key(&root).await.unwrap();
        assert!(!String::from_utf8_lossy(&stored).contains(&hex_key(1)));
        assert_eq!(old.unwrap_root_key(&stored).await.unwrap(), root);

        let rotated = StaticSeal::from_config(&StaticSealConfig {
            current_key_id: "k2".into(),
            current_key: STANDARD.encode([2u8; 32]),
            previous_key_id: "k1".into(),
            previous_key: hex_key(1),
        })
        .unwrap();
        assert_eq!(rotated.unwrap_root_key(&stored).await.unwrap(), root);
        let restored = rotated.wrap_root_key(&root).await.unwrap();
        assert!(old.unwrap_root_key(&restored).await.is_err());
    }

    #[tokio::test]
    async fn wrong_key_or_damage_fails() {
        let a = StaticSeal::from_config(&StaticSealConfig {
            current_key_id: "k".into(),
            current_key: hex_key(1),
            ..Default::default()
        })
        .unwrap();
        let b = StaticSeal::from_config(&StaticSealConfig {
            current_key_id: "k".into(),
            current_key: hex_key(9),
            ..Default::default()
        })
        .unwrap();
        let stored = a.wrap_root_key(&Key32::generate()).await.unwrap();
        assert_eq!(b.unwrap_root_key(&stored).await, Err(SealError::InvalidKey));
        assert_eq!(
            a.unwrap_root_key(b"garbage").await,
            Err(SealError::InvalidKey)
        );
    }

    #[test]
    fn keys_load_from_files_and_env_and_are_checked() {
        let dir = std::env::temp_dir().join(format!("arca-static-seal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let raw = dir.join("raw.key");
        std::fs::write(&raw, [7u8; 32]).unwrap();
        let text = dir.join("text.key");
        std::fs::write(&text, format!("{}\n", STANDARD.encode([8u8; 32]))).unwrap();
        assert_eq!(
            load_key(&format!("file://{}", raw.display()), "k")
                .unwrap()
                .as_bytes(),
            &[7u8; 32]
        );
        assert_eq!(
            load_key(&format!("file://{}", text.display()), "k")
                .unwrap()
                .as_bytes(),
            &[8u8; 32]
        );
        let var = format!("ARCA_TEST_STATIC_KEY_{}", std::process::id());
        // SAFETY: set before any reader in this test; no other test uses this name.
        unsafe { std::env::set_var(&var, hex_key(5)) };
        assert_eq!(
            load_key(&format!("env://{var}"), "k").unwrap().as_bytes(),
            &[5u8; 32]
        );
        let err = load_key("env://ARCA_SURELY_UNSET_VARIABLE", "current_key").unwrap_err();
        assert_eq!(
            err.to_string(),
            "static seal: current_key: environment variable ARCA_SURELY_UNSET_VARIABLE is not set"
        );
        assert!(load_key(&hex::encode([1u8; 16]), "k").is_err());
        assert!(load_key("file:///nonexistent/arca.key", "k").is_err());
        assert!(StaticSeal::from_config(&StaticSealConfig::default()).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
