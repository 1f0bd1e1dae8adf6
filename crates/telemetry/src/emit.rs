//! One-line helpers for call sites, so instrumenting a function costs one line and
//! every timing is in milliseconds as Vault reports them.

use std::time::{Duration, Instant};

/// `d` in (fractional) milliseconds, the unit of every Vault summary.
pub fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Records the time since `start` in the summary `name`.
pub fn measure_since(name: &'static str, start: Instant) {
    metrics::histogram!(name).record(millis(start.elapsed()));
}

/// Adds `n` samples of the time since `start` to the summary `name` (one per key a
/// batch wrote, for example).
pub fn measure_since_n(name: &'static str, start: Instant, n: usize) {
    if n > 0 {
        metrics::histogram!(name).record_many(millis(start.elapsed()), n);
    }
}

/// Adds one to the counter `name`.
pub fn incr(name: &'static str) {
    metrics::counter!(name).increment(1);
}

/// Sets the gauge `name`.
pub fn gauge(name: &'static str, value: f64) {
    metrics::gauge!(name).set(value);
}

/// Records the time from its creation to its drop in the summary `name`, so early
/// returns (`?`) are timed too.
#[derive(Debug)]
pub struct Timer {
    name: &'static str,
    start: Instant,
}

impl Timer {
    /// Starts timing into `name`.
    pub fn new(name: &'static str) -> Self {
        Timer {
            name,
            start: Instant::now(),
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        measure_since(self.name, self.start);
    }
}

/// 1.0 for true, 0.0 for false: Vault's boolean gauges.
pub fn flag(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(millis(Duration::from_micros(1500)), 1.5);
        assert_eq!(flag(true), 1.0);
        assert_eq!(flag(false), 0.0);
    }
}
