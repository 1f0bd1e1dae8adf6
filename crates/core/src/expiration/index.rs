//! The active node's in-memory schedule of lease expiries.
//!
//! Ordered by time, so each tick of the worker looks only at the leases that are due
//! (no scan of all leases). Entries are hints: the record in the barrier is the truth,
//! and the worker re-reads it before acting, so a time here may be early (a lease that
//! was renewed) or belong to a lease that is gone — but a lease must never be missing
//! or scheduled late. Hence [`LeaseIndex::check`] keeps the earlier of two times.

use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
};

/// The time of a lease that never expires (root tokens): known, never scheduled.
pub(crate) const NEVER: i64 = i64::MAX;

/// Leases by id and by expiry time (unix ms).
#[derive(Default)]
pub(crate) struct LeaseIndex {
    by_time: BTreeSet<(i64, Arc<str>)>,
    by_id: HashMap<Arc<str>, i64>,
}

impl LeaseIndex {
    /// Schedules `id` at `at` unless it is already scheduled earlier.
    pub(crate) fn check(&mut self, id: &str, at: i64) {
        match self.by_id.get(id) {
            Some(&current) if current <= at => {}
            _ => self.set(id, at),
        }
    }

    /// Schedules `id` at exactly `at` (after the record was read).
    pub(crate) fn set(&mut self, id: &str, at: i64) {
        let key: Arc<str> = match self.by_id.get_key_value(id) {
            Some((k, _)) => k.clone(),
            None => Arc::from(id),
        };
        if let Some(old) = self.by_id.insert(key.clone(), at)
            && old != NEVER
        {
            self.by_time.remove(&(old, key.clone()));
        }
        if at != NEVER {
            self.by_time.insert((at, key));
        }
    }

    /// Forgets `id`.
    pub(crate) fn remove(&mut self, id: &str) {
        if let Some((key, at)) = self.by_id.remove_entry(id)
            && at != NEVER
        {
            self.by_time.remove(&(at, key));
        }
    }

    /// Takes up to `max` leases due at `now` out of the schedule, earliest first.
    pub(crate) fn pop_due(&mut self, now: i64, max: usize) -> Vec<Arc<str>> {
        let mut out = Vec::new();
        while out.len() < max {
            let Some((at, _)) = self.by_time.first() else {
                break;
            };
            if *at > now {
                break;
            }
            if let Some((_, id)) = self.by_time.pop_first() {
                self.by_id.remove(&id);
                out.push(id);
            }
        }
        out
    }

    /// When the earliest scheduled lease is due.
    pub(crate) fn next_due(&self) -> Option<i64> {
        self.by_time.first().map(|(at, _)| *at)
    }

    /// How many leases are known (expiring or not).
    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Forgets everything (the node stopped being active).
    pub(crate) fn clear(&mut self) {
        *self = LeaseIndex::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_keeps_the_earliest_hint_and_pops_in_order() {
        let mut ix = LeaseIndex::default();
        ix.check("b", 20);
        ix.check("a", 10);
        ix.check("root", NEVER);
        ix.check("b", 30); // a later hint never delays a lease
        assert_eq!(ix.len(), 3);
        assert_eq!(ix.next_due(), Some(10));
        ix.set("a", 25); // the record said later
        assert_eq!(ix.next_due(), Some(20));
        assert!(ix.pop_due(19, 10).is_empty());
        let due: Vec<String> = ix.pop_due(25, 10).iter().map(|s| s.to_string()).collect();
        assert_eq!(due, ["b", "a"]);
        assert_eq!(ix.len(), 1, "the non-expiring lease stays known");
        assert_eq!(ix.next_due(), None);
        ix.remove("root");
        assert_eq!(ix.len(), 0);
    }

    #[test]
    fn pop_due_is_bounded() {
        let mut ix = LeaseIndex::default();
        for i in 0..10 {
            ix.check(&format!("l{i}"), i);
        }
        assert_eq!(ix.pop_due(100, 4).len(), 4);
        assert_eq!(ix.len(), 6);
        ix.remove("l9");
        ix.clear();
        assert_eq!((ix.len(), ix.next_due()), (0, None));
    }

    /// Resident memory of this process in bytes (Linux).
    fn rss_bytes() -> u64 {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
        let pages: u64 = statm
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        pages * 4096
    }

    /// What the schedule costs for 100k token leases (ids as long as real ones). A
    /// measurement, not a test: `cargo test --workspace -- --ignored --nocapture
    /// memory_of_100k`.
    #[test]
    #[ignore = "measurement; run with --ignored --nocapture"]
    fn memory_of_100k_scheduled_leases() {
        let before = rss_bytes();
        let mut ix = LeaseIndex::default();
        for i in 0..100_000i64 {
            ix.check(
                &format!("auth/token/create/{i:064x}"),
                1_800_000_000_000 + i * 7 % 1000,
            );
        }
        let after = rss_bytes();
        assert_eq!(ix.len(), 100_000);
        println!(
            "schedule of 100k leases: {:.1} MiB resident ({} B per lease)",
            (after.saturating_sub(before)) as f64 / 1_048_576.0,
            after.saturating_sub(before) / 100_000
        );
    }
}
