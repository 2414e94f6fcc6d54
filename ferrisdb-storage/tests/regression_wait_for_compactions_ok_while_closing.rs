//! `wait_for_compactions` promises to return once "every frozen MemTable
//! [is] flushed and no compaction left to do", and `Error::Closed` "once the
//! database is closed". A call on one handle that is waiting when another
//! handle closes the database returns `Ok(())` instead, with the frozen
//! MemTable still not flushed: the caller is told the work is done when it
//! is not, and gets no error although the database closed under it.
//!
//! Deterministic: the flush is held at its table sync, so the frozen MemTable
//! cannot be flushed before the close; the waiter can only return because
//! of the close. (If the waiter has not yet entered the call when the close
//! starts it gets `Error::Closed`, and the test passes: it cannot fail
//! spuriously.)

use std::sync::Arc;
use std::time::Duration;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Error, StorageConfig, StorageEngine};

#[test]
fn regression_wait_for_compactions_ok_while_closing() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    })
    .unwrap();
    db.put("k", "v").unwrap();

    std::thread::scope(|s| {
        let held = fs.hold_syncs(".sst");
        let flusher = {
            let db = db.clone();
            s.spawn(move || db.flush())
        };
        // The flush thread is inside its table sync: one frozen MemTable.
        held.wait_until_held(1);
        assert_eq!(db.stats().immutable_memtables, 1);

        let waiter = {
            let db = db.clone();
            s.spawn(move || {
                let result = db.wait_for_compactions();
                // What the database looked like when the call returned.
                (result, db.stats().immutable_memtables)
            })
        };
        // Let the waiter reach its condition variable (it cannot return
        // while the flush is held).
        std::thread::sleep(Duration::from_millis(300));
        assert!(!waiter.is_finished(), "returned while a flush was held");

        let closer = {
            let db = db.clone();
            s.spawn(move || db.close())
        };
        let (result, frozen_at_return) = waiter.join().unwrap();
        held.release();
        let _ = closer.join().unwrap();
        let _ = flusher.join().unwrap();

        match result {
            Err(Error::Closed) => {}
            Ok(()) => panic!(
                "wait_for_compactions returned Ok(()) while the database was closing, with \
                 {frozen_at_return} frozen MemTable(s) not flushed; documented: Ok once every \
                 frozen MemTable is flushed, Error::Closed once closed"
            ),
            Err(other) => panic!("unexpected error {other}"),
        }
    });
}
