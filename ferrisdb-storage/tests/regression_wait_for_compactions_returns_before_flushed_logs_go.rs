//! Regression (found by the keyspace model test, issue 19): a flush installs
//! its table, which takes the frozen MemTable out of the keyspace's super
//! version, and only then deletes the logs the new manifest no longer needs
//! (`flush_oldest`: `log_and_apply`, then `delete_logs_below`).
//! `wait_for_compactions()` judged "no MemTable waits for a flush" by the
//! frozen MemTables alone, so it could return in between, with a log below
//! the manifest's log number still in the directory: the background work
//! it promises done was not. The flush thread now marks itself busy from
//! its pick until the logs are deleted, and the wait waits for it. The model test saw it as an "orphan log" after
//! the wait (seed 2018, op 977, and seed 2024, op 2080, of
//! `FERRISDB_KEYSPACE_MODEL_FIRST_SEED=2000`); the log went a moment later.
//!
//! The scenario holds the flush thread right there, at its "flushed a
//! MemTable to level 0" event (a tracing subscriber that blocks it), so the
//! window is open for as long as the test wants. A correct wait blocks until
//! the flush thread is let go; the one-second bound only decides when the
//! test stops waiting for the buggy early return and lets the flush go.

use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::manifest;
use ferrisdb_storage::internals::wal::parse_wal_file_name;
use ferrisdb_storage::{StorageConfig, StorageEngine};

/// Whether the flush thread is to stop at its event, and whether it did.
#[derive(Default)]
struct Gate {
    state: Mutex<(bool, bool)>,
    changed: Condvar,
}

impl Gate {
    fn set_held(&self, held: bool) {
        self.state.lock().unwrap().0 = held;
        self.changed.notify_all();
    }

    fn wait_until_reached(&self) {
        let mut state = self.state.lock().unwrap();
        while !state.1 {
            state = self.changed.wait(state).unwrap();
        }
    }
}

/// Stops the flush thread at "flushed a MemTable to level 0" while the gate
/// is held.
struct HoldFlushed(Arc<Gate>);

impl Subscriber for HoldFlushed {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let flushed = event.metadata().module_path() == Some("ferrisdb_storage::engine::flush")
            && std::thread::current().name() == Some("ferrisdb-flush");
        if !flushed {
            return;
        }
        let mut state = self.0.state.lock().unwrap();
        if state.0 {
            state.1 = true;
            self.0.changed.notify_all();
            while state.0 {
                state = self.0.changed.wait(state).unwrap();
            }
        }
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// The logs in the directory below the manifest's log number.
fn retired_logs(fs: &FaultFileSystem) -> Vec<String> {
    let dir = std::path::Path::new("/db");
    let log_number = manifest::load(fs, dir).unwrap().unwrap().log_number;
    (fs.list(dir).unwrap().into_iter())
        .filter(|name| parse_wal_file_name(name).is_some_and(|n| n < log_number))
        .collect()
}

#[test]
fn wait_for_compactions_returns_after_the_flushed_logs_are_deleted() {
    let gate = Arc::new(Gate::default());
    tracing::subscriber::set_global_default(HoldFlushed(Arc::clone(&gate))).unwrap();
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    })
    .unwrap();
    db.put("k", "v").unwrap();

    gate.set_held(true);
    let flusher = db.clone();
    let flush = std::thread::spawn(move || flusher.flush());
    gate.wait_until_reached();
    // The table is installed and the manifest retired the log; the flush
    // thread has not deleted it yet.
    assert_eq!(retired_logs(&fs).len(), 1);

    let (done, returned) = mpsc::channel();
    let (waiter, waiter_fs) = (db.clone(), fs.clone());
    std::thread::spawn(move || {
        let waited = waiter.wait_for_compactions();
        let _ = done.send((waited, retired_logs(&waiter_fs)));
    });
    let early = returned.recv_timeout(Duration::from_secs(1)).ok();
    gate.set_held(false);
    let (waited, left) = early.unwrap_or_else(|| returned.recv().unwrap());
    waited.unwrap();
    flush.join().unwrap().unwrap();
    assert!(
        left.is_empty(),
        "wait_for_compactions() returned while the flush thread had yet to delete {left:?}"
    );
}
