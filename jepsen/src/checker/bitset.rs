//! A fixed-size bit set: the set of operations already linearized, part of the search's
//! memo key.

/// A set of operation positions `0..len`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Bits(Vec<u64>);

impl Bits {
    /// The empty set for `len` positions.
    pub fn new(len: usize) -> Self {
        Bits(vec![0; len.div_ceil(64)])
    }

    /// Whether `i` is in the set.
    pub fn get(&self, i: usize) -> bool {
        self.0
            .get(i / 64)
            .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
    }

    /// Adds `i`.
    pub fn set(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1u64 << (i % 64);
        }
    }

    /// Number of members.
    pub fn count(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_count_across_words() {
        let mut b = Bits::new(130);
        assert_eq!(b.count(), 0);
        for i in [0, 63, 64, 129] {
            assert!(!b.get(i));
            b.set(i);
            assert!(b.get(i));
        }
        assert_eq!(b.count(), 4);
        assert!(!b.get(1));
        assert!(!b.get(500), "out of range is absent");
        let mut c = Bits::new(130);
        for i in [129, 64, 63, 0] {
            c.set(i);
        }
        assert_eq!(b, c, "equal sets compare equal (memo key)");
    }
}
