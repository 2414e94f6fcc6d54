//! The OS file system's log preallocation, refused partway by the disk: a
//! growth writes its zeros a page at a time with positioned writes, so when
//! the disk runs out of room after some of them, those are on disk already.
//! `set_len` must cut them off again and leave where the next append goes
//! untouched, so the log goes on right after its records, not after the
//! zeros, and a log whose syncs could not preallocate reads back whole.
//!
//! A file-size limit (`RLIMIT_FSIZE`, with `SIGXFSZ` ignored) stands in for
//! the full disk: a write past it fails (`EFBIG`) after the bytes before it
//! went through, as a write to a full disk fails (`ENOSPC`). The limit is
//! the process's, so this file holds one test.

#![cfg(target_os = "linux")]

use std::sync::Arc;

use ferrisdb_storage::fs::{FileSystem, OsFileSystem};
use ferrisdb_storage::internals::wal::{
    wal_file_name, RecoveryMode, WalOptions, WalReader, WalWriter,
};
use ferrisdb_storage::{Error, SyncMode};

/// Writes past `limit` bytes of any file fail until this drops.
struct FileSizeLimit {
    old: libc::rlimit,
}

impl FileSizeLimit {
    fn set(limit: libc::rlim_t) -> FileSizeLimit {
        let mut old = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: plain system calls on this process's own settings: a write
        // past the limit then fails with EFBIG instead of killing it, and
        // `old` is a valid place for the current limit.
        unsafe {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            assert_eq!(libc::getrlimit(libc::RLIMIT_FSIZE, &mut old), 0);
        }
        let new = libc::rlimit {
            rlim_cur: limit.min(old.rlim_max),
            rlim_max: old.rlim_max,
        };
        // SAFETY: lowers the soft limit only, below the hard one.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_FSIZE, &new) }, 0);
        FileSizeLimit { old }
    }
}

impl Drop for FileSizeLimit {
    fn drop(&mut self) {
        // SAFETY: restores the soft limit read in `set`, within the hard one.
        unsafe { libc::setrlimit(libc::RLIMIT_FSIZE, &self.old) };
    }
}

#[test]
fn a_growth_refused_partway_is_cut_off_and_appends_go_on_after_the_records() {
    let dir = tempfile::tempdir().unwrap();

    // The file: 100 KiB of zeros get written before the limit refuses more.
    let path = dir.path().join("plain");
    let mut file = OsFileSystem.create(&path).unwrap();
    file.append(b"head").unwrap();
    {
        let _limit = FileSizeLimit::set(100 << 10);
        let err = file.set_len(1 << 20).unwrap_err();
        assert!(
            matches!(&err, Error::Io { path: p, .. } if *p == path),
            "{err}"
        );
        assert_eq!(file.len(), 4);
        let size = std::fs::metadata(&path).unwrap().len();
        assert_eq!(size, 4, "the zeros written before the refusal are cut off");
        file.append(b"data").unwrap();
    }
    file.sync().unwrap();
    assert_eq!(OsFileSystem.read_all(&path).unwrap(), b"headdata");
    // A growth that fits still works, and appends overwrite its zeros.
    file.set_len(64 << 10).unwrap();
    file.append(b"!").unwrap();
    let mut want = b"headdata!".to_vec();
    want.resize(64 << 10, 0);
    assert_eq!(OsFileSystem.read_all(&path).unwrap(), want);

    // The log: synced records whose preallocations the limit refuses.
    let fs: ferrisdb_storage::fs::SharedFileSystem = Arc::new(OsFileSystem);
    let options = WalOptions {
        sync_mode: SyncMode::Full,
    };
    let records: Vec<Vec<u8>> = (0..40u8).map(|i| vec![i; 5000]).collect();
    {
        let _limit = FileSizeLimit::set(512 << 10);
        let writer = WalWriter::create(fs, dir.path(), 1, options).unwrap();
        let mut end = 0;
        for record in &records {
            end = writer.append(&[record]).unwrap().offset;
        }
        let log = dir.path().join(wal_file_name(1));
        let size = std::fs::metadata(&log).unwrap().len();
        assert_eq!(size, end, "no zeros are left past the records");
        writer.close().unwrap();
    }
    let log = dir.path().join(wal_file_name(1));
    let reader = WalReader::open(&OsFileSystem, &log, RecoveryMode::AbsoluteConsistency).unwrap();
    let read: Vec<Vec<u8>> = reader.map(|r| r.unwrap().payload).collect();
    assert_eq!(read, records);
}
