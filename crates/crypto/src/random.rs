//! Random bytes for keys and nonces.

use rand::RngCore;

/// Fills `buf` from `rand`'s thread-local CSPRNG (ChaCha, seeded and periodically
/// reseeded from the operating system), which is what keys and nonces need.
pub fn fill_random(buf: &mut [u8]) {
    rand::rng().fill_bytes(buf);
}

/// `n` random bytes (nonces, salts, identifiers). For keys prefer [`crate::Key32::generate`],
/// which keeps the bytes in a zeroising type.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    fill_random(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_bytes_have_the_length_asked_and_differ() {
        assert_eq!(random_bytes(0).len(), 0);
        let a = random_bytes(32);
        let b = random_bytes(32);
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
