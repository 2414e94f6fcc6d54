//! Regression (issue 19 review): `keyspace` (and `keyspace_with`,
//! `drop_keyspace`) wrote the manifest on the caller's thread without the
//! close gate, so a create under way when the database closed wrote its
//! manifest after `close` released the directory's lock. A close whose seal
//! failed records nothing and released the lock at once; another process
//! could then open the directory (its replay rewrites the manifest and
//! deletes the logs it replayed), and the late create replaced that
//! manifest with a stale one naming logs that are gone. They now go through
//! the gate: a close waits for them.
//!
//! The create waits in a hook on the creation of `MANIFEST.tmp` (it holds
//! `write` and the manifest lock there) while `close` runs on another
//! thread with the log's writes failing. The create is let go once the
//! close returned, or after a second if it has not (it waits for the
//! create now), and the hook checks, as the manifest write starts, whether
//! the lock is still held. The second only bounds how long the old code had
//! to return; with the gate the check holds however long the wait.

mod wrapped_fs;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use ferrisdb_storage::fs::{FaultFileSystem, FaultKind, FileSystem, OpKind};
use ferrisdb_storage::{Error, StorageConfig, StorageEngine};
use wrapped_fs::WrappedFs;

#[test]
fn a_create_under_way_writes_no_manifest_after_close_released_the_lock() {
    let inner = FaultFileSystem::new();
    let unlocked_writes = Arc::new(AtomicUsize::new(0));
    let armed = Arc::new(AtomicBool::new(false));
    let reached = Arc::new(Barrier::new(2));
    let release = Arc::new(Barrier::new(2));
    let (probe, counter) = (inner.clone(), Arc::clone(&unlocked_writes));
    let (hook_armed, hook_reached, hook_release) = (
        Arc::clone(&armed),
        Arc::clone(&reached),
        Arc::clone(&release),
    );
    let fs = Arc::new(WrappedFs {
        before_create: Box::new(move |path| {
            if path.file_name().is_some_and(|n| n == "MANIFEST.tmp") {
                if hook_armed.swap(false, Ordering::SeqCst) {
                    hook_reached.wait();
                    hook_release.wait();
                }
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
    let db = StorageEngine::open(StorageConfig {
        file_system: fs,
        ..StorageConfig::new("/db")
    })
    .unwrap();
    db.put("k", "v").unwrap();

    armed.store(true, Ordering::SeqCst);
    let creator = {
        let db = db.clone();
        std::thread::spawn(move || db.keyspace("users").map(|_| ()))
    };
    reached.wait();
    // The log's seal fails: close records no closed log, so it never waits
    // for the manifest lock the create holds.
    inner.fail_path_at(
        1,
        true,
        &[OpKind::Write, OpKind::Sync],
        FaultKind::Io,
        ".wal",
    );
    let (closed_tx, closed_rx) = std::sync::mpsc::channel();
    let closer = {
        let db = db.clone();
        std::thread::spawn(move || {
            let closed = db.close();
            let _ = closed_tx.send(());
            closed
        })
    };
    let closed_first = closed_rx
        .recv_timeout(std::time::Duration::from_secs(1))
        .is_ok();
    release.wait();
    let created = creator.join().unwrap();
    assert!(closer.join().unwrap().is_err(), "the seal failed");
    inner.heal();
    assert!(!closed_first, "close returned while a create was under way");

    assert_eq!(
        unlocked_writes.load(Ordering::SeqCst),
        0,
        "a manifest write started with the directory's lock free (the create returned \
         {created:?})"
    );
}
