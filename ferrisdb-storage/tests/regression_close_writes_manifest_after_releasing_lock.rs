//! Regression, found by the second adversarial review of issue 14: `close` can write the manifest after it released the
//! directory's lock.
//!
//! `close(self)` runs `shutdown` (seal, `record_clean_close`, release the
//! lock) and then, as `self` goes out of scope, `Drop` runs `shutdown` again.
//! When the first `record_clean_close` failed (a manifest write that failed
//! once: `ENOSPC`, `EIO`), the second one, from `Drop`, writes the manifest
//! again, with the lock already released. `shutdown`'s own comment says the
//! seal and its length in the manifest both happen "before the lock goes: no
//! other instance may open the directory meanwhile". Another process that
//! opens the directory in that window and changes the manifest (its replay
//! alone does) has it replaced by this stale one, which lists tables and
//! logs the new instance may since have deleted.
//!
//! The test wraps the fault file system: the first manifest write of
//! `close` fails, and every manifest write checks, as it starts, that the
//! directory's lock is held (another holder could not take it).

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FileLock, FileSystem, RandomAccessFile, WritableFile};
use ferrisdb_storage::{Error, Result, StorageConfig, StorageEngine};

#[derive(Debug, Default)]
struct Probe {
    inner: FaultFileSystem,
    /// Fail the next manifest write.
    fail_next: AtomicBool,
    /// Manifest writes started while the lock was free.
    unlocked_writes: AtomicUsize,
}

impl FileSystem for Probe {
    fn create(&self, path: &Path) -> Result<Box<dyn WritableFile>> {
        if path.file_name().is_some_and(|n| n == "MANIFEST.tmp") {
            if self.fail_next.swap(false, Ordering::SeqCst) {
                return Err(Error::io(path, std::io::Error::other("injected EIO")));
            }
            match self.inner.lock(&path.with_file_name("LOCK")) {
                Ok(_free) => {
                    self.unlocked_writes.fetch_add(1, Ordering::SeqCst);
                }
                Err(Error::DatabaseLocked { .. }) => {}
                Err(other) => panic!("{other}"),
            }
        }
        self.inner.create(path)
    }
    fn open(&self, path: &Path) -> Result<Box<dyn RandomAccessFile>> {
        self.inner.open(path)
    }
    fn rename(&self, from: &Path, to: &Path) -> Result<()> {
        self.inner.rename(from, to)
    }
    fn hard_link(&self, from: &Path, to: &Path) -> Result<()> {
        self.inner.hard_link(from, to)
    }
    fn remove(&self, path: &Path) -> Result<()> {
        self.inner.remove(path)
    }
    fn sync_dir(&self, dir: &Path) -> Result<()> {
        self.inner.sync_dir(dir)
    }
    fn list(&self, dir: &Path) -> Result<Vec<String>> {
        self.inner.list(dir)
    }
    fn create_dir_all(&self, dir: &Path) -> Result<()> {
        self.inner.create_dir_all(dir)
    }
    fn exists(&self, path: &Path) -> Result<bool> {
        self.inner.exists(path)
    }
    fn lock(&self, path: &Path) -> Result<Box<dyn FileLock>> {
        self.inner.lock(path)
    }
}

#[test]
fn regression_close_writes_manifest_after_releasing_lock() {
    let probe = Arc::new(Probe::default());
    let config = StorageConfig {
        file_system: probe.clone(),
        ..StorageConfig::new("/db")
    };
    let db = StorageEngine::open(config.clone()).unwrap();
    db.put("key", "value").unwrap();
    assert_eq!(probe.unlocked_writes.load(Ordering::SeqCst), 0);

    probe.fail_next.store(true, Ordering::SeqCst);
    let closed = db.close();
    assert!(closed.is_err(), "close reports its failed manifest write");
    let unlocked = probe.unlocked_writes.load(Ordering::SeqCst);
    assert_eq!(
        unlocked, 0,
        "close (its Drop, retrying the failed record_clean_close) wrote the manifest {unlocked} \
         time(s) after releasing the directory's lock: another process could have opened the \
         database meanwhile and had its manifest replaced by this stale one"
    );
}
