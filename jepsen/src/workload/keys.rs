//! A pool of independent objects: a few are active at a time, each retires after a fixed
//! number of operations and is replaced by a fresh one.
//!
//! Many short per-object histories keep the linearizability search cheap (it is
//! exponential in the concurrency of one object's history, linear in the number of
//! objects), while concurrency on each active object stays high.

use std::sync::Mutex;

use rand::Rng;
use rand::rngs::StdRng;

/// The pool. Names are `<prefix><n>`.
#[derive(Debug)]
pub struct KeyPool {
    prefix: &'static str,
    ops_per_key: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    active: Vec<(usize, usize)>,
    next: usize,
    all: Vec<usize>,
}

impl KeyPool {
    /// `active` objects at a time, each given `ops_per_key` operations.
    pub fn new(prefix: &'static str, active: usize, ops_per_key: usize) -> Self {
        let active = active.max(1);
        let inner = Inner {
            active: (0..active).map(|i| (i, 0)).collect(),
            next: active,
            all: (0..active).collect(),
        };
        KeyPool {
            prefix,
            ops_per_key: ops_per_key.max(1),
            inner: Mutex::new(inner),
        }
    }

    /// Picks an active object for one more operation, retiring it when its quota is used.
    pub fn pick(&self, rng: &mut StdRng) -> String {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let slot = rng.random_range(0..g.active.len());
        let (id, used) = g.active[slot];
        if used + 1 >= self.ops_per_key {
            let fresh = g.next;
            g.next += 1;
            g.all.push(fresh);
            g.active[slot] = (fresh, 0);
        } else {
            g.active[slot] = (id, used + 1);
        }
        format!("{}{id}", self.prefix)
    }

    /// Every object ever handed out (for the final reads).
    pub fn all(&self) -> Vec<String> {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.all
            .iter()
            .map(|id| format!("{}{id}", self.prefix))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::collections::HashMap;

    #[test]
    fn keys_retire_after_their_quota() {
        let pool = KeyPool::new("r", 2, 3);
        let mut rng = StdRng::seed_from_u64(1);
        let mut counts: HashMap<String, usize> = HashMap::new();
        for _ in 0..30 {
            *counts.entry(pool.pick(&mut rng)).or_default() += 1;
        }
        assert!(counts.values().all(|&c| c <= 3), "{counts:?}");
        assert!(counts.len() >= 10, "{counts:?}");
        let all = pool.all();
        assert!(all.len() >= counts.len());
        assert!(counts.keys().all(|k| all.contains(k)));
    }
}
