//! Password hashing: Argon2id, memory-hard, with a cap on concurrent computations.
//!
//! One hash costs ~70 ms of CPU and 32 MiB, which is what makes a stolen hash
//! expensive to attack, and also what a burst of logins costs the server. Hashes run
//! on the blocking thread pool, at most half the CPUs at a time (a process-wide
//! semaphore), so a flood of failed logins queues behind itself instead of starving
//! every other request.
//!
//! Logins for unknown users verify against a dummy hash made with the same
//! parameters, so a failed login takes the same time whether the user exists or not.

use std::sync::{Arc, OnceLock};

use arca_crypto::{Zeroizing, ct_eq, random_bytes};
use arca_sdk::Error;
use argon2::{
    Algorithm, Argon2, Params, PasswordHasher, Version,
    password_hash::{PasswordHash, SaltString},
};
use tokio::sync::Semaphore;

/// Argon2id cost: 32 MiB, 3 passes, 1 lane (~70 ms on a current x86 core).
pub(crate) const PRODUCTION: Cost = Cost {
    memory_kib: 32 * 1024,
    passes: 3,
};

/// Argon2id cost parameters (one lane).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cost {
    pub memory_kib: u32,
    pub passes: u32,
}

/// Hashes and verifies passwords at one cost.
pub(crate) struct Kdf {
    argon: Argon2<'static>,
    dummy: String,
    permits: Arc<Semaphore>,
    /// Number of Argon2 verifications run (tests check unknown users cost one too).
    #[cfg(test)]
    pub(crate) verifications: std::sync::atomic::AtomicUsize,
}

/// The process-wide limit on concurrent hash computations.
fn permits() -> Arc<Semaphore> {
    static PERMITS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    PERMITS
        .get_or_init(|| {
            let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
            Arc::new(Semaphore::new(cpus.div_ceil(2).max(1)))
        })
        .clone()
}

impl Kdf {
    /// A hasher at `cost`; computes the dummy hash once (on the blocking pool).
    pub(crate) async fn new(cost: Cost) -> Result<Arc<Kdf>, Error> {
        let params = Params::new(cost.memory_kib, cost.passes, 1, None)
            .map_err(|e| Error::internal(format!("argon2 parameters: {e}")))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let hasher = argon.clone();
        let dummy = tokio::task::spawn_blocking(move || {
            hash_blocking(&hasher, &Zeroizing::new("arca-dummy-password".to_string()))
        })
        .await
        .map_err(Error::internal)??;
        Ok(Arc::new(Kdf {
            argon,
            dummy,
            permits: permits(),
            #[cfg(test)]
            verifications: std::sync::atomic::AtomicUsize::new(0),
        }))
    }

    /// The PHC string (`$argon2id$v=19$m=...`) of `password` with a fresh salt.
    pub(crate) async fn hash(&self, password: Zeroizing<String>) -> Result<String, Error> {
        let _permit = self.permits.acquire().await.map_err(Error::internal)?;
        let argon = self.argon.clone();
        tokio::task::spawn_blocking(move || hash_blocking(&argon, &password))
            .await
            .map_err(Error::internal)?
    }

    /// True when `password` matches `stored` (a PHC string). With no stored hash (an
    /// unknown user) it does the same work against the dummy hash and returns false.
    pub(crate) async fn verify(
        &self,
        password: Zeroizing<String>,
        stored: Option<String>,
    ) -> Result<bool, Error> {
        let _permit = self.permits.acquire().await.map_err(Error::internal)?;
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| self.dummy.clone());
        let argon = self.argon.clone();
        let matched = tokio::task::spawn_blocking(move || verify_blocking(&argon, &password, &phc))
            .await
            .map_err(Error::internal)??;
        #[cfg(test)]
        self.verifications
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(known && matched)
    }
}

fn hash_blocking(argon: &Argon2<'_>, password: &Zeroizing<String>) -> Result<String, Error> {
    let salt = SaltString::encode_b64(&random_bytes(16))
        .map_err(|e| Error::internal(format!("salt: {e}")))?;
    argon
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("hashing password: {e}")))
}

/// Recomputes the hash with the stored parameters and salt, and compares the outputs
/// in constant time.
fn verify_blocking(
    argon: &Argon2<'_>,
    password: &Zeroizing<String>,
    phc: &str,
) -> Result<bool, Error> {
    let parsed =
        PasswordHash::new(phc).map_err(|_| Error::internal("stored password hash is malformed"))?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err(Error::internal("stored password hash is malformed"));
    };
    let params = Params::try_from(&parsed)
        .map_err(|_| Error::internal("stored password hash has bad parameters"))?;
    let version = parsed
        .version
        .map_or(Ok(Version::V0x13), Version::try_from)
        .map_err(|_| Error::internal("stored password hash has a bad version"))?;
    let algorithm = Algorithm::try_from(parsed.algorithm)
        .map_err(|_| Error::internal("stored password hash has a bad algorithm"))?;
    let recomputed = argon
        .hash_password_customized(
            password.as_bytes(),
            Some(algorithm.ident()),
            Some(version.into()),
            params,
            salt,
        )
        .map_err(|e| Error::internal(format!("hashing password: {e}")))?;
    Ok(recomputed
        .hash
        .is_some_and(|h| ct_eq(h.as_bytes(), expected.as_bytes())))
}

#[cfg(test)]
pub(crate) const TEST_COST: Cost = Cost {
    memory_kib: 64,
    passes: 1,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(s: &str) -> Zeroizing<String> {
        Zeroizing::new(s.to_string())
    }

    #[tokio::test]
    async fn hashes_verify_and_differ() {
        let kdf = Kdf::new(TEST_COST).await.unwrap();
        let h1 = kdf.hash(pw("s3cret")).await.unwrap();
        let h2 = kdf.hash(pw("s3cret")).await.unwrap();
        assert!(h1.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert_ne!(h1, h2, "fresh salt per hash");
        assert!(!h1.contains("s3cret"));
        assert!(kdf.verify(pw("s3cret"), Some(h1.clone())).await.unwrap());
        assert!(!kdf.verify(pw("s3cret!"), Some(h1)).await.unwrap());
    }

    #[tokio::test]
    async fn unknown_user_never_matches() {
        let kdf = Kdf::new(TEST_COST).await.unwrap();
        assert!(!kdf.verify(pw("arca-dummy-password"), None).await.unwrap());
    }

    #[tokio::test]
    async fn production_cost_is_argon2id_32mib() {
        let kdf = Kdf::new(PRODUCTION).await.unwrap();
        let h = kdf.hash(pw("pw")).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=32768,t=3,p=1$"));
        assert!(kdf.verify(pw("pw"), Some(h)).await.unwrap());
    }
}
