//! A small log-linear latency histogram (the HDR idea, without the dependency).
//!
//! Values below 256 are counted exactly; above that every power-of-two range is split into
//! 128 equal buckets, so a reported value is never more than 1/128 (< 0.8 %) above the true
//! one. The bucket array has a fixed size, recording is O(1) and allocation-free, and
//! histograms of different workers merge by adding counts — which is why this is used instead
//! of a sorted `Vec` of samples: memory does not grow with the run length.

/// log2 of the number of sub-buckets per power of two; sets the relative precision.
const SUB_BITS: u32 = 7;
/// Sub-buckets per power-of-two range.
const SUB: u64 = 1 << SUB_BITS;
/// Buckets needed to cover every `u64`: the exact range plus one row per higher octave.
const BUCKETS: usize = (SUB + (64 - SUB_BITS as u64) * SUB) as usize;

/// Counts of recorded values (latencies in microseconds, by convention of this crate).
#[derive(Clone, PartialEq, Eq)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    min: u64,
    max: u64,
    sum: u128,
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Histogram")
            .field("count", &self.total)
            .field("min", &self.min())
            .field("max", &self.max())
            .finish_non_exhaustive()
    }
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

/// Index of the bucket holding `v`.
fn bucket_of(v: u64) -> usize {
    if v < SUB {
        return v as usize;
    }
    let msb = 63 - v.leading_zeros(); // >= SUB_BITS
    let shift = msb - SUB_BITS;
    let sub = v >> shift; // in [SUB, 2*SUB)
    (SUB + u64::from(shift) * SUB + (sub - SUB)) as usize
}

/// Smallest and largest value that fall into bucket `idx`.
fn bucket_bounds(idx: usize) -> (u64, u64) {
    let idx = idx as u64;
    if idx < SUB {
        return (idx, idx);
    }
    let k = idx - SUB;
    let shift = k / SUB;
    let sub = k % SUB + SUB;
    let low = sub << shift;
    // `low + (1 << shift) - 1` cannot overflow: the top bucket ends exactly at u64::MAX.
    (low, low + ((1u64 << shift) - 1))
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Self {
        Self {
            counts: vec![0; BUCKETS],
            total: 0,
            min: u64::MAX,
            max: 0,
            sum: 0,
        }
    }

    /// Records one value.
    pub fn record(&mut self, v: u64) {
        self.counts[bucket_of(v)] += 1;
        self.total += 1;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        self.sum += u128::from(v);
    }

    /// Adds every count of `other`, so per-worker histograms combine into one.
    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.sum += other.sum;
    }

    /// Number of recorded values.
    pub fn count(&self) -> u64 {
        self.total
    }

    /// Smallest recorded value (exact), `None` when empty.
    pub fn min(&self) -> Option<u64> {
        (self.total > 0).then_some(self.min)
    }

    /// Largest recorded value (exact), `None` when empty.
    pub fn max(&self) -> Option<u64> {
        (self.total > 0).then_some(self.max)
    }

    /// Arithmetic mean (exact), `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        (self.total > 0).then(|| self.sum as f64 / self.total as f64)
    }

    /// The value at quantile `q` (0.0..=1.0): the smallest recorded value such that at least
    /// `q` of all values are <= it, rounded up to its bucket's upper edge (never above the
    /// maximum). Rounding up means a percentile is never reported better than it was.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.total == 0 {
            return None;
        }
        let q = if q.is_nan() { 1.0 } else { q.clamp(0.0, 1.0) };
        // The epsilon keeps float noise (0.9 * 100 = 90.000…01) from skipping a rank.
        let rank = ((q * self.total as f64 - 1e-9).ceil() as u64).clamp(1, self.total);
        let mut seen = 0u64;
        for (idx, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let (_, high) = bucket_bounds(idx);
                return Some(high.clamp(self.min, self.max));
            }
        }
        Some(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_cover_u64() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(u64::MAX), BUCKETS - 1);
        assert_eq!(bucket_bounds(BUCKETS - 1).1, u64::MAX);
        let mut prev_high = None;
        for idx in 0..BUCKETS {
            let (low, high) = bucket_bounds(idx);
            assert!(low <= high);
            if let Some(p) = prev_high {
                assert_eq!(low, p + 1, "gap before bucket {idx}");
            }
            assert_eq!(bucket_of(low), idx);
            assert_eq!(bucket_of(high), idx);
            prev_high = Some(high);
        }
    }

    #[test]
    fn small_values_are_exact() {
        for v in 0..256 {
            assert_eq!(bucket_bounds(bucket_of(v)), (v, v));
        }
    }

    #[test]
    fn relative_error_is_below_one_in_128() {
        let mut v = 256u64;
        while v < u64::MAX / 3 {
            let (low, high) = bucket_bounds(bucket_of(v));
            assert!(low <= v && v <= high);
            assert!((high - low) as f64 / low as f64 <= 1.0 / 128.0, "v={v}");
            v = v * 3 / 2 + 7;
        }
    }

    #[test]
    fn empty_histogram_has_no_statistics() {
        let h = Histogram::new();
        assert_eq!(h.count(), 0);
        assert_eq!(h.quantile(0.5), None);
        assert_eq!(h.min(), None);
        assert_eq!(h.max(), None);
        assert_eq!(h.mean(), None);
    }

    #[test]
    fn percentiles_of_one_to_hundred_are_exact() {
        let mut h = Histogram::new();
        for v in (1..=100).rev() {
            h.record(v);
        }
        assert_eq!(h.quantile(0.0), Some(1));
        assert_eq!(h.quantile(0.5), Some(50));
        assert_eq!(h.quantile(0.9), Some(90));
        assert_eq!(h.quantile(0.99), Some(99));
        assert_eq!(h.quantile(0.999), Some(100));
        assert_eq!(h.quantile(1.0), Some(100));
        assert_eq!(h.min(), Some(1));
        assert_eq!(h.max(), Some(100));
        assert_eq!(h.mean(), Some(50.5));
    }

    #[test]
    fn percentiles_of_large_values_are_within_precision() {
        let mut h = Histogram::new();
        for v in 1..=100_000u64 {
            h.record(v * 10);
        }
        for (q, exact) in [(0.5, 500_000u64), (0.9, 900_000), (0.99, 990_000)] {
            let got = h.quantile(q).unwrap_or(0);
            assert!(got >= exact, "q={q}: {got} < {exact}");
            assert!((got - exact) as f64 <= exact as f64 / 128.0, "q={q}: {got}");
        }
        assert_eq!(h.quantile(1.0), Some(1_000_000));
    }

    #[test]
    fn quantile_never_exceeds_max_or_undercuts_min() {
        let mut h = Histogram::new();
        h.record(1_000_001);
        assert_eq!(h.quantile(0.5), Some(1_000_001));
        assert_eq!(h.quantile(0.0), Some(1_000_001));
    }

    #[test]
    fn merge_equals_recording_everything_in_one() {
        let mut a = Histogram::new();
        let mut b = Histogram::new();
        let mut all = Histogram::new();
        for v in 0..5000u64 {
            let x = v * 37 % 10_007;
            if v.is_multiple_of(3) { &mut a } else { &mut b }.record(x);
            all.record(x);
        }
        a.merge(&b);
        assert_eq!(a, all);
        a.merge(&Histogram::new());
        assert_eq!(a, all);
    }

    #[test]
    fn tail_percentile_sees_rare_outlier() {
        let mut h = Histogram::new();
        for _ in 0..999 {
            h.record(100);
        }
        h.record(50_000);
        assert_eq!(h.quantile(0.99), Some(100));
        assert_eq!(h.quantile(0.999), Some(100));
        assert_eq!(h.quantile(0.9995), Some(50_000));
        assert_eq!(h.max(), Some(50_000));
    }
}
