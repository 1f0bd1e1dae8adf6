//! Latency histogram: an HdrHistogram (the `hdrhistogram` crate, 3 significant digits, so
//! a reported value is at most 0.1 % above the true one) plus the exact count, minimum,
//! maximum and sum. Recording is O(1) and allocation-free, memory does not grow with the
//! run, and per-worker histograms merge by adding counts.

/// Largest latency kept exactly enough: one hour in microseconds; longer ones are
/// counted at this value (the request timeout is far shorter).
const HIGHEST: u64 = 3_600_000_000;
/// Significant decimal digits of every recorded value.
const SIGFIGS: u8 = 3;

/// Counts of recorded values (latencies in microseconds, by convention of this crate).
#[derive(Clone, PartialEq)]
pub struct Histogram {
    hdr: hdrhistogram::Histogram<u64>,
    min: u64,
    max: u64,
    sum: u128,
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Histogram")
            .field("count", &self.count())
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

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Self {
        Self {
            // Constant, valid bounds (1 <= low, high >= 2 * low, sigfig <= 5): cannot fail.
            hdr: hdrhistogram::Histogram::new_with_bounds(1, HIGHEST, SIGFIGS)
                .unwrap_or_else(|_| unreachable!("constant histogram bounds are valid")),
            min: u64::MAX,
            max: 0,
            sum: 0,
        }
    }

    /// Records one value (values above one hour are counted as one hour).
    pub fn record(&mut self, v: u64) {
        self.hdr.saturating_record(v);
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        self.sum += u128::from(v);
    }

    /// Adds every count of `other`, so per-worker histograms combine into one.
    pub fn merge(&mut self, other: &Histogram) {
        // Same bounds on both sides: adding cannot fail.
        let _ = self.hdr.add(&other.hdr);
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.sum += other.sum;
    }

    /// Number of recorded values.
    pub fn count(&self) -> u64 {
        self.hdr.len()
    }

    /// Smallest recorded value (exact), `None` when empty.
    pub fn min(&self) -> Option<u64> {
        (self.count() > 0).then_some(self.min)
    }

    /// Largest recorded value (exact), `None` when empty.
    pub fn max(&self) -> Option<u64> {
        (self.count() > 0).then_some(self.max)
    }

    /// Arithmetic mean (exact), `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        (self.count() > 0).then(|| self.sum as f64 / self.count() as f64)
    }

    /// The value at quantile `q` (0.0..=1.0): the smallest recorded value such that at least
    /// `q` of all values are <= it, rounded up to the highest value HdrHistogram treats as
    /// equal (never above the maximum). Rounding up means a percentile is never reported
    /// better than it was.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.count() == 0 {
            return None;
        }
        let q = if q.is_nan() { 1.0 } else { q.clamp(0.0, 1.0) };
        Some(self.hdr.value_at_quantile(q).clamp(self.min, self.max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_values_saturate() {
        let mut h = Histogram::new();
        h.record(u64::MAX);
        assert_eq!(h.count(), 1);
        assert_eq!(h.max(), Some(u64::MAX));
        assert!(h.quantile(0.5).unwrap() >= HIGHEST);
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
            assert!(
                (got - exact) as f64 <= exact as f64 / 1000.0,
                "q={q}: {got}"
            );
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
        assert_eq!(a.quantile(0.99), all.quantile(0.99));
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
