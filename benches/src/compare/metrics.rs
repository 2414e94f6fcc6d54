//! What a measured process costs besides time: its CPU time ([`usage`]),
//! the bytes it sends toward the storage device ([`Usage::write_bytes`]),
//! its peak resident memory ([`reset_peak_rss`], [`peak_rss_bytes`]) and the
//! size of a database directory ([`dir_bytes`]).
//!
//! Each engine runs in its own process, so process-wide counters are the
//! engine's own: its background flush and compaction threads included.

// getrusage(2) has no safe wrapper in std or libc.
#![allow(unsafe_code)]

use std::fs;
use std::io;
use std::path::Path;
use std::time::Duration;

/// Process-wide counters at one instant; subtract two to get a workload's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// CPU time of the whole process, user plus system, of every thread,
    /// those that have exited included (`getrusage(RUSAGE_SELF)`).
    pub cpu: Duration,
    /// Bytes the process has caused to be sent toward the storage device
    /// (`write_bytes` of `/proc/self/io`), by any of its threads, background
    /// flushes and compactions included. The kernel counts a page-cache
    /// page when it is first dirtied (a direct I/O write when issued), not
    /// when it reaches the disk, so data written and then deleted before
    /// writeback still counts, and filesystems without writeback (tmpfs)
    /// count nothing. 0 where `/proc/self/io` cannot be read.
    pub write_bytes: u64,
}

/// The process's CPU time and device writes so far.
pub fn usage() -> Usage {
    Usage {
        cpu: cpu_time(),
        write_bytes: proc_io_write_bytes().unwrap_or(0),
    }
}

/// User plus system CPU time of every thread of the process, exited ones
/// included; zero if `getrusage` fails (it cannot with these arguments).
fn cpu_time() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `usage` points to writable memory the size of a `rusage`,
    // which getrusage fills; RUSAGE_SELF is a valid `who`. The value is only
    // read after a zero return, when the kernel has written it (and it is
    // zero-initialized anyway, a valid `rusage` of plain integers).
    let usage = unsafe {
        if libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) != 0 {
            return Duration::ZERO;
        }
        usage.assume_init()
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// `write_bytes` of `/proc/self/io`, where the system provides it.
fn proc_io_write_bytes() -> Option<u64> {
    let io = fs::read_to_string("/proc/self/io").ok()?;
    let line = io.lines().find(|l| l.starts_with("write_bytes:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets the process's peak resident memory (`VmHWM`) to its current
/// resident memory, by writing `5` to `/proc/self/clear_refs` (Linux 4.0+),
/// so the next [`peak_rss_bytes`] is the peak since now. Returns whether it
/// worked; if not, the peak stays the process's lifetime peak.
pub fn reset_peak_rss() -> bool {
    fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The process's peak resident memory in bytes (`VmHWM` of
/// `/proc/self/status`) since it started or since the last successful
/// [`reset_peak_rss`]; `None` where the system does not report it.
pub fn peak_rss_bytes() -> Option<u64> {
    ferrisdb_tools::bench::workloads::peak_rss_bytes()
}

/// Disk space of the regular files under `path`, recursively: the blocks
/// they occupy (`du`), not their length, so a sparse file (fjall sizes its
/// journals to 64 MiB up front) counts only what it holds. Symbolic links are
/// neither followed nor counted, so a link out of the directory adds
/// nothing. A file removed while the walk runs is skipped, since engines
/// delete files in the background.
pub fn dir_bytes(path: &Path) -> io::Result<u64> {
    let mut total = 0;
    for entry in fs::read_dir(path)? {
        let entry = entry?;
        let metadata = match entry.metadata() {
            Ok(metadata) => metadata,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        if metadata.is_file() {
            // Blocks allocated, not the length: fjall sizes its journals up
            // front as sparse files, whose length is not disk space.
            total += std::os::unix::fs::MetadataExt::blocks(&metadata) * 512;
        } else if metadata.is_dir() {
            match dir_bytes(&entry.path()) {
                Ok(bytes) => total += bytes,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use std::hint::black_box;
    use std::time::Instant;

    use super::*;

    #[test]
    fn cpu_time_grows_with_work() {
        let before = usage().cpu;
        let start = Instant::now();
        let mut x = 1u64;
        // Spin until the CPU clock moves; the bound only stops a broken
        // clock from hanging the test.
        while usage().cpu <= before && start.elapsed() < Duration::from_secs(60) {
            for _ in 0..100_000 {
                x = black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
            }
        }
        assert!(
            usage().cpu > before,
            "{:?} after {:?}",
            usage().cpu,
            start.elapsed()
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn device_writes_are_readable_on_linux() {
        assert!(
            proc_io_write_bytes().is_some(),
            "/proc/self/io has no write_bytes"
        );
    }

    #[test]
    fn dir_bytes_adds_regular_files_recursively_without_links() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(root.join("a"), vec![0u8; 10]).unwrap();
        fs::write(root.join("b"), vec![0u8; 2_000]).unwrap();
        fs::create_dir_all(root.join("sub/deeper")).unwrap();
        fs::write(root.join("sub/c"), vec![0u8; 300]).unwrap();
        fs::write(root.join("sub/deeper/d"), vec![0u8; 5_000]).unwrap();
        fs::write(root.join("empty"), b"").unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("big"), vec![0u8; 100_000]).unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(outside.path().join("big"), root.join("link")).unwrap();
            std::os::unix::fs::symlink(outside.path(), root.join("dirlink")).unwrap();
        }
        let blocks = |p: &str| {
            std::os::unix::fs::MetadataExt::blocks(&fs::metadata(root.join(p)).unwrap()) * 512
        };
        let expected = blocks("a") + blocks("b") + blocks("sub/c") + blocks("sub/deeper/d");
        assert!(expected >= 10 + 2_000 + 300 + 5_000);
        assert_eq!(dir_bytes(root).unwrap(), expected);
        assert!(dir_bytes(&root.join("missing")).is_err());
        // A sparse file counts the space it takes, not its length.
        let sparse = fs::File::create(root.join("sparse")).unwrap();
        sparse.set_len(64 << 20).unwrap();
        assert!(dir_bytes(root).unwrap() < expected + (1 << 20));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn peak_rss_sees_a_touched_allocation() {
        const SIZE: usize = 64 << 20;
        // Whether or not the reset works, the peak is at least the buffer.
        reset_peak_rss();
        let buffer = black_box(vec![1u8; SIZE]);
        let peak = peak_rss_bytes().expect("VmHWM is reported on Linux");
        assert!(peak >= SIZE as u64, "peak {peak} < {SIZE}");
        assert_eq!(buffer[SIZE - 1], 1);
    }
}
