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
//! The first manifest write of `close` fails (an injected fault), and every
//! manifest write checks, as it starts, that the directory's lock is held
//! (another holder could not take it).

mod wrapped_fs;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FaultKind, FileSystem, OpKind};
use ferrisdb_storage::{Error, StorageConfig, StorageEngine};
use wrapped_fs::WrappedFs;

#[test]
fn regression_close_writes_manifest_after_releasing_lock() {
    let inner = FaultFileSystem::new();
    // Manifest writes started while the lock was free.
    let unlocked_writes = Arc::new(AtomicUsize::new(0));
    let (probe, counter) = (inner.clone(), Arc::clone(&unlocked_writes));
    let fs = Arc::new(WrappedFs {
        before_create: Box::new(move |path| {
            if path.file_name().is_some_and(|n| n == "MANIFEST.tmp") {
                match probe.lock(&path.with_file_name("LOCK")) {
                    Ok(_free) => {
                        counter.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(Error::DatabaseLocked { .. }) => {}
                    Err(other) => panic!("{other}"),
                }
            }
            Ok(())
        }),
        ..WrappedFs::new(inner.clone())
    });
    let config = StorageConfig {
        file_system: fs,
        ..StorageConfig::new("/db")
    };
    let db = StorageEngine::open(config).unwrap();
    db.put("key", "value").unwrap();
    assert_eq!(unlocked_writes.load(Ordering::SeqCst), 0);

    // The next manifest write, close's, fails once.
    inner.fail_path_at(1, false, &[OpKind::Create], FaultKind::Io, "MANIFEST.tmp");
    let closed = db.close();
    assert!(closed.is_err(), "close reports its failed manifest write");
    let unlocked = unlocked_writes.load(Ordering::SeqCst);
    assert_eq!(
        unlocked, 0,
        "close (its Drop, retrying the failed record_clean_close) wrote the manifest {unlocked} \
         time(s) after releasing the directory's lock: another process could have opened the \
         database meanwhile and had its manifest replaced by this stale one"
    );
}
