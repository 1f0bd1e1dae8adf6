//! Weighted choice of the next test, as vault-benchmark mixes its tests: every request
//! picks test `i` with probability `weight_i / sum(weights)`.

use rand::Rng;

/// Cumulative weights of the tests, in config order.
#[derive(Debug, Clone)]
pub struct Mix {
    cumulative: Vec<u64>,
}

impl Mix {
    /// A mix of positive `weights`; `None` when empty or any weight is zero.
    pub fn new(weights: &[u32]) -> Option<Self> {
        if weights.is_empty() || weights.contains(&0) {
            return None;
        }
        let mut total = 0u64;
        let cumulative = weights
            .iter()
            .map(|&w| {
                total += u64::from(w);
                total
            })
            .collect();
        Some(Mix { cumulative })
    }

    /// Index of the next test.
    pub fn pick(&self, rng: &mut impl Rng) -> usize {
        let total = *self.cumulative.last().unwrap_or(&1);
        let r = rng.random_range(0..total);
        // First test whose cumulative weight exceeds r.
        self.cumulative.partition_point(|&c| c <= r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::SmallRng;

    #[test]
    fn follows_weights() {
        let mix = Mix::new(&[50, 30, 20]).unwrap();
        let mut rng = SmallRng::seed_from_u64(9);
        let mut counts = [0u32; 3];
        for _ in 0..100_000 {
            counts[mix.pick(&mut rng)] += 1;
        }
        assert!((49_000..51_000).contains(&counts[0]), "{counts:?}");
        assert!((29_000..31_000).contains(&counts[1]), "{counts:?}");
        assert!((19_000..21_000).contains(&counts[2]), "{counts:?}");
    }

    #[test]
    fn single_test_and_tiny_weights() {
        let mut rng = SmallRng::seed_from_u64(1);
        let one = Mix::new(&[7]).unwrap();
        assert!((0..100).all(|_| one.pick(&mut rng) == 0));
        let skewed = Mix::new(&[1, 999_999]).unwrap();
        let firsts = (0..10_000).filter(|_| skewed.pick(&mut rng) == 0).count();
        assert!(firsts < 10, "{firsts}");
    }

    #[test]
    fn refuses_empty_and_zero() {
        assert!(Mix::new(&[]).is_none());
        assert!(Mix::new(&[3, 0]).is_none());
    }
}
