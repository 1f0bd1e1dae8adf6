//! Partition shapes, computed as sets of blocked node pairs (Jepsen's "grudges").
//!
//! - **leader isolated**: the leader alone on one side, everyone else on the other; the
//!   old leader must stop acknowledging writes, a new one must be elected.
//! - **random halves**: a random minority and a majority.
//! - **bridge**: two halves that cannot talk, and one node that talks to both; the
//!   bridge node may win elections on either side's votes.
//! - **majority ring**: every node sees a majority (itself and its neighbours on a ring),
//!   but no two nodes see the same majority, so every node may believe it is in the
//!   majority.

use std::collections::BTreeSet;

use rand::Rng;
use rand::rngs::StdRng;
use serde::Serialize;

/// A partition shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shape {
    /// The leader on its own.
    LeaderIsolated,
    /// A random minority against a majority.
    RandomHalves,
    /// Two halves joined only through one node.
    Bridge,
    /// Overlapping majorities on a ring.
    MajorityRing,
}

impl Shape {
    /// Every shape, for schedules that cycle through them.
    pub const ALL: [Shape; 4] = [
        Shape::LeaderIsolated,
        Shape::RandomHalves,
        Shape::Bridge,
        Shape::MajorityRing,
    ];
}

/// Blocked links as ordered pairs `(a, b)` with `a < b`.
pub type Blocked = BTreeSet<(usize, usize)>;

fn pair(a: usize, b: usize) -> (usize, usize) {
    (a.min(b), a.max(b))
}

/// Every link between `left` and `right`.
pub fn between(left: &[usize], right: &[usize]) -> Blocked {
    let mut set = Blocked::new();
    for &a in left {
        for &b in right {
            if a != b {
                set.insert(pair(a, b));
            }
        }
    }
    set
}

fn shuffled(n: usize, rng: &mut StdRng) -> Vec<usize> {
    let mut all: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        all.swap(i, rng.random_range(0..=i));
    }
    all
}

/// The blocked links of `shape` over `n` nodes; `leader` is used by
/// [`Shape::LeaderIsolated`] (a random node when unknown).
pub fn blocked(shape: Shape, n: usize, leader: Option<usize>, rng: &mut StdRng) -> Blocked {
    if n < 2 {
        return Blocked::new();
    }
    match shape {
        Shape::LeaderIsolated => {
            let l = leader
                .filter(|&l| l < n)
                .unwrap_or_else(|| rng.random_range(0..n));
            let rest: Vec<usize> = (0..n).filter(|&i| i != l).collect();
            between(&[l], &rest)
        }
        Shape::RandomHalves => {
            let all = shuffled(n, rng);
            let (minority, majority) = all.split_at(n / 2);
            between(minority, majority)
        }
        Shape::Bridge => {
            let all = shuffled(n, rng);
            if n < 3 {
                return between(&all[..1], &all[1..]);
            }
            // [left | bridge | right]: the bridge node is cut from nobody.
            let half = (n - 1) / 2;
            let left = &all[..half];
            let right = &all[half + 1..];
            between(left, right)
        }
        Shape::MajorityRing => {
            let ring = shuffled(n, rng);
            let majority = n / 2 + 1;
            // Each node sees itself and `reach` neighbours on each side.
            let reach = majority / 2;
            let mut set = Blocked::new();
            for i in 0..n {
                for j in (i + 1)..n {
                    let d = j - i;
                    if d.min(n - d) > reach {
                        set.insert(pair(ring[i], ring[j]));
                    }
                }
            }
            set
        }
    }
}

/// The nodes `i` can hear under `blocked` (itself included).
pub fn visible(i: usize, n: usize, blocked: &Blocked) -> Vec<usize> {
    (0..n)
        .filter(|&j| i == j || !blocked.contains(&pair(i, j)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn components_see_majority(n: usize, b: &Blocked) -> Vec<usize> {
        (0..n).map(|i| visible(i, n, b).len()).collect()
    }

    #[test]
    fn leader_isolated_cuts_only_the_leader() {
        let mut rng = StdRng::seed_from_u64(1);
        let b = blocked(Shape::LeaderIsolated, 5, Some(3), &mut rng);
        assert_eq!(b.len(), 4);
        assert_eq!(visible(3, 5, &b), vec![3]);
        assert_eq!(visible(0, 5, &b), vec![0, 1, 2, 4]);
    }

    #[test]
    fn random_halves_leave_one_majority() {
        for seed in 0..20 {
            let mut rng = StdRng::seed_from_u64(seed);
            let b = blocked(Shape::RandomHalves, 5, None, &mut rng);
            let sizes = components_see_majority(5, &b);
            assert_eq!(sizes.iter().filter(|&&s| s == 3).count(), 3, "{sizes:?}");
            assert_eq!(sizes.iter().filter(|&&s| s == 2).count(), 2, "{sizes:?}");
            assert_eq!(b.len(), 6);
        }
    }

    #[test]
    fn bridge_node_sees_everyone_and_halves_do_not_meet() {
        for seed in 0..20 {
            let mut rng = StdRng::seed_from_u64(seed);
            let b = blocked(Shape::Bridge, 5, None, &mut rng);
            let sizes = components_see_majority(5, &b);
            assert_eq!(sizes.iter().filter(|&&s| s == 5).count(), 1, "{sizes:?}");
            assert_eq!(sizes.iter().filter(|&&s| s == 3).count(), 4, "{sizes:?}");
            assert_eq!(b.len(), 4);
        }
        let mut rng = StdRng::seed_from_u64(0);
        let b = blocked(Shape::Bridge, 3, None, &mut rng);
        assert_eq!(b.len(), 1, "three nodes: two cut, the third bridges");
    }

    #[test]
    fn majority_ring_gives_everyone_a_distinct_majority() {
        for n in [5usize, 7] {
            let mut rng = StdRng::seed_from_u64(n as u64);
            let b = blocked(Shape::MajorityRing, n, None, &mut rng);
            let views: BTreeSet<Vec<usize>> = (0..n).map(|i| visible(i, n, &b)).collect();
            assert_eq!(views.len(), n, "no two nodes see the same set");
            for v in &views {
                assert!(v.len() > n / 2, "{v:?} is a majority of {n}");
            }
            // Not a clean split: the graph stays connected.
            assert!(!b.is_empty());
        }
    }

    #[test]
    fn tiny_clusters_do_not_panic() {
        let mut rng = StdRng::seed_from_u64(0);
        for shape in Shape::ALL {
            assert!(blocked(shape, 1, None, &mut rng).is_empty());
            let two = blocked(shape, 2, Some(0), &mut rng);
            assert!(two.len() <= 1);
        }
    }
}
