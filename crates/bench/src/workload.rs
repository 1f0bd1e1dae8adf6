//! What a benchmark run does: which operations it issues and in what proportion.

use rand::Rng;

/// One kind of request against the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Read one existing key.
    Read,
    /// Write (create a new version of) one key.
    Write,
}

impl Op {
    /// Lower-case name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Op::Read => "read",
            Op::Write => "write",
        }
    }
}

/// A named mix of operations, selected with `--workload`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Workload {
    /// Writes only.
    Write,
    /// Reads only (keys are pre-populated first).
    Read,
    /// Reads and writes, `--read-percent` of them reads (default 90).
    Mixed,
}

impl Workload {
    /// Lower-case name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Write => "write",
            Workload::Read => "read",
            Workload::Mixed => "mixed",
        }
    }

    /// Whether the keys must exist before the workload starts.
    pub fn reads(self) -> bool {
        !matches!(self, Workload::Write)
    }

    /// Chooses the next operation; `read_percent` only matters for [`Workload::Mixed`].
    pub fn pick(self, rng: &mut impl Rng, read_percent: u8) -> Op {
        match self {
            Workload::Write => Op::Write,
            Workload::Read => Op::Read,
            Workload::Mixed => {
                if rng.random_range(0..100u8) < read_percent {
                    Op::Read
                } else {
                    Op::Write
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::SmallRng;

    #[test]
    fn pure_workloads_issue_one_op() {
        let mut rng = SmallRng::seed_from_u64(1);
        for _ in 0..100 {
            assert_eq!(Workload::Write.pick(&mut rng, 90), Op::Write);
            assert_eq!(Workload::Read.pick(&mut rng, 0), Op::Read);
        }
    }

    #[test]
    fn mixed_follows_read_percent() {
        let mut rng = SmallRng::seed_from_u64(7);
        let reads = (0..10_000)
            .filter(|_| Workload::Mixed.pick(&mut rng, 90) == Op::Read)
            .count();
        assert!((8_700..=9_300).contains(&reads), "reads={reads}");
        assert!((0..100).all(|_| Workload::Mixed.pick(&mut rng, 100) == Op::Read));
        assert!((0..100).all(|_| Workload::Mixed.pick(&mut rng, 0) == Op::Write));
    }
}
