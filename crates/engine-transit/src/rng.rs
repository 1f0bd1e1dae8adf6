//! The random source handed to the RustCrypto key generators and signers.
//!
//! Why an adapter: RSA and ECDSA take a `rand_core` 0.10 generator, while the rest of
//! Arca draws from `arca_crypto::fill_random` (the OS-seeded CSPRNG). Routing both
//! through one source keeps a single place that decides where randomness comes from.

use std::convert::Infallible;

use rsa::rand_core::{TryCryptoRng, TryRng};

/// `arca_crypto::fill_random` as a `rand_core` cryptographic generator.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemRng;

impl TryRng for SystemRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        arca_crypto::fill_random(&mut b);
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        arca_crypto::fill_random(&mut b);
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        arca_crypto::fill_random(dst);
        Ok(())
    }
}

impl TryCryptoRng for SystemRng {}

/// `n` fresh random bytes in a zeroising buffer (keys, nonces, data keys).
pub fn random_secret(n: usize) -> arca_crypto::Zeroizing<Vec<u8>> {
    let mut v = arca_crypto::Zeroizing::new(vec![0u8; n]);
    arca_crypto::fill_random(&mut v);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn produces_fresh_bytes() {
        let a = random_secret(32);
        let b = random_secret(32);
        assert_ne!(a, b);
        let mut r = SystemRng;
        let mut buf = [0u8; 16];
        r.try_fill_bytes(&mut buf).unwrap();
        assert_ne!(buf, [0u8; 16]);
    }
}
