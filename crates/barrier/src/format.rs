//! The header in front of every barrier ciphertext: which key term, which format.

/// Format version of values written by this barrier.
pub(crate) const VERSION: u8 = 1;
/// `term (4 bytes, big-endian) || version (1 byte)`.
pub(crate) const HEADER_LEN: usize = 5;

/// The header for a value encrypted under `term`.
pub(crate) fn header(term: u32) -> [u8; HEADER_LEN] {
    let t = term.to_be_bytes();
    [t[0], t[1], t[2], t[3], VERSION]
}

/// Splits a stored value into its term and the `nonce || ciphertext || tag` body, or
/// `None` when it is too short or of an unknown version.
pub(crate) fn parse(value: &[u8]) -> Option<(u32, &[u8])> {
    let (head, body) = value.split_at_checked(HEADER_LEN)?;
    if head[4] != VERSION {
        return None;
    }
    Some((
        u32::from_be_bytes([head[0], head[1], head[2], head[3]]),
        body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips() {
        let mut v = header(0x0102_0304).to_vec();
        assert_eq!(v, [1, 2, 3, 4, VERSION]);
        v.extend_from_slice(b"body");
        assert_eq!(parse(&v), Some((0x0102_0304, &b"body"[..])));
    }

    #[test]
    fn short_or_unknown_version_is_rejected() {
        assert_eq!(parse(&[0, 0, 0, 1]), None);
        assert_eq!(parse(&[0, 0, 0, 1, 9, 1, 2]), None);
        assert_eq!(parse(&[0, 0, 0, 1, VERSION]), Some((1, &[][..])));
    }
}
