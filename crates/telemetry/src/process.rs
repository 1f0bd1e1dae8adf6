//! Process gauges from `/proc/self` (Linux): resident and virtual memory, open and
//! maximum file descriptors, under the Prometheus client's standard names.

use std::path::Path;

use crate::{emit, names};

/// One reading of the process's resources; `None` where `/proc` did not say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProcessStats {
    /// Resident set size, bytes.
    pub resident_bytes: Option<u64>,
    /// Virtual memory size, bytes.
    pub virtual_bytes: Option<u64>,
    /// Open file descriptors.
    pub open_fds: Option<u64>,
    /// Soft limit on file descriptors.
    pub max_fds: Option<u64>,
}

/// Value in bytes of a `Key:   1234 kB` line of `/proc/<pid>/status`.
fn status_kb(status: &str, key: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line
        .get(key.len()..)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    kb.checked_mul(1024)
}

/// The soft limit of `Max open files` in `/proc/<pid>/limits`.
fn max_open_files(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.get("Max open files".len()..)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Reads the stats of the process whose `/proc` directory is `dir`.
pub fn read_from(dir: &Path) -> ProcessStats {
    let status = std::fs::read_to_string(dir.join("status")).unwrap_or_default();
    let limits = std::fs::read_to_string(dir.join("limits")).unwrap_or_default();
    let open_fds = std::fs::read_dir(dir.join("fd"))
        .ok()
        .map(|d| d.filter(|e| e.is_ok()).count() as u64);
    ProcessStats {
        resident_bytes: status_kb(&status, "VmRSS:"),
        virtual_bytes: status_kb(&status, "VmSize:"),
        open_fds,
        max_fds: max_open_files(&limits),
    }
}

/// Reads this process's stats.
pub fn read() -> ProcessStats {
    read_from(Path::new("/proc/self"))
}

/// Sets the process gauges from a fresh reading; gauges `/proc` did not give are left
/// untouched rather than set to a made-up zero.
pub fn record() {
    let s = read();
    let pairs = [
        (names::PROCESS_RESIDENT_MEMORY_BYTES, s.resident_bytes),
        (names::PROCESS_VIRTUAL_MEMORY_BYTES, s.virtual_bytes),
        (names::PROCESS_OPEN_FDS, s.open_fds),
        (names::PROCESS_MAX_FDS, s.max_fds),
    ];
    for (name, value) in pairs {
        if let Some(v) = value {
            emit::gauge(name, v as f64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_formats() {
        let status = "Name:\tarca\nVmSize:\t  123456 kB\nVmRSS:\t   20480 kB\n";
        assert_eq!(status_kb(status, "VmRSS:"), Some(20480 * 1024));
        assert_eq!(status_kb(status, "VmSize:"), Some(123456 * 1024));
        assert_eq!(status_kb(status, "VmSwap:"), None);
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max open files            1024                 524288               files\n";
        assert_eq!(max_open_files(limits), Some(1024));
        assert_eq!(max_open_files("nothing"), None);
    }

    #[test]
    fn reads_this_process() {
        let s = read();
        if Path::new("/proc/self/status").exists() {
            assert!(s.resident_bytes.unwrap() > 0);
            assert!(s.virtual_bytes.unwrap() >= s.resident_bytes.unwrap());
            // stdin/stdout/stderr or at least the directory handle itself.
            assert!(s.open_fds.unwrap() >= 1);
            assert!(s.max_fds.unwrap() >= s.open_fds.unwrap());
        }
    }
}
