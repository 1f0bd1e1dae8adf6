//! The disk fault: an `LD_PRELOAD` library, compiled by the harness with the system C
//! compiler, that delays `fsync`, `fdatasync` and `sync_file_range` by the number of
//! milliseconds written in the file named by `ARCA_JEPSEN_FSYNC_DELAY_FILE` (read on
//! every call, so the nemesis changes the delay of a running node by rewriting the file;
//! a missing file or `0` means no delay).
//!
//! Raft acknowledges nothing before its log is fsynced, so a slow disk on the leader
//! slows every write and a slow disk on a follower shifts the quorum; requests time out
//! and are recorded as `info`, which is exactly what the checker must cope with.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::ClusterError;

/// The environment variable naming the delay file.
pub const DELAY_FILE_ENV: &str = "ARCA_JEPSEN_FSYNC_DELAY_FILE";

/// The shim's C source.
pub const SOURCE: &str = r#"
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long delay_ms(void) {
    const char *path = getenv("ARCA_JEPSEN_FSYNC_DELAY_FILE");
    if (!path) return 0;
    int saved = errno;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { errno = saved; return 0; }
    char buf[32];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    errno = saved;
    if (n <= 0) return 0;
    buf[n] = 0;
    long ms = strtol(buf, NULL, 10);
    return ms > 0 && ms < 600000 ? ms : 0;
}

static void pause_ms(void) {
    long ms = delay_ms();
    if (ms <= 0) return;
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    int saved = errno;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
    errno = saved;
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    pause_ms();
    return real(fd);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    pause_ms();
    return real(fd);
}

int sync_file_range(int fd, off_t off, off_t n, unsigned int flags) {
    static int (*real)(int, off_t, off_t, unsigned int);
    if (!real) real = (int (*)(int, off_t, off_t, unsigned int))dlsym(RTLD_NEXT, "sync_file_range");
    pause_ms();
    return real(fd, off, n, flags);
}
"#;

/// Compiles the shim into `dir`; returns the library's path.
pub fn build(dir: &Path) -> Result<PathBuf, ClusterError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| ClusterError::Io(format!("{}: {e}", dir.display())))?;
    let src = dir.join("fsync-delay.c");
    let lib = dir.join("fsync-delay.so");
    std::fs::write(&src, SOURCE)
        .map_err(|e| ClusterError::Io(format!("{}: {e}", src.display())))?;
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let out = Command::new(&cc)
        .args(["-shared", "-fPIC", "-O2", "-o"])
        .arg(&lib)
        .arg(&src)
        .arg("-ldl")
        .output()
        .map_err(|e| {
            ClusterError::Config(format!("the disk fault needs a C compiler ({cc}): {e}"))
        })?;
    if !out.status.success() {
        return Err(ClusterError::Config(format!(
            "compiling the fsync shim: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(lib)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// Builds the shim and times `sync` (coreutils, which calls fsync/fdatasync on a file
    /// given with `--data`) with and without a delay.
    #[test]
    fn shim_delays_fsync_only_when_asked() {
        if Command::new("cc").arg("--version").output().is_err() {
            panic!("no C compiler: the disk fault cannot be tested");
        }
        let dir = tempfile::tempdir().unwrap();
        let lib = build(dir.path()).unwrap();
        let delay = dir.path().join("delay");
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        let timed = |ms: &str| {
            std::fs::write(&delay, ms).unwrap();
            let t = Instant::now();
            let st = Command::new("sync")
                .arg("--data")
                .arg(&file)
                .env("LD_PRELOAD", &lib)
                .env(DELAY_FILE_ENV, &delay)
                .status()
                .unwrap();
            assert!(st.success());
            t.elapsed()
        };
        assert!(timed("300") >= Duration::from_millis(300));
        assert!(timed("0") < Duration::from_millis(300));
    }
}
