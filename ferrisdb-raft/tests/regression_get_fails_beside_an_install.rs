//! Bug: `StateMachine::get` cloned the current generation's keyspace
//! handle under the generation lock and read it after releasing the lock.
//! An install (on openraft's state machine task) that switched generations
//! and dropped the old keyspace in between made the read fail with
//! FerrisDB's `KeyspaceDropped`: a read that should have returned the old
//! or the new value was an error. 400 installs beside four readers; it
//! fails 3 of 3 runs with the old `get`.
//!
//! Now the generation is behind a read-write lock: a `get` holds the read
//! lock across its read, the install's switch takes the write lock.

mod common;

use common::block_on;
use std::io::Cursor;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use ferrisdb_raft::{Request, StateMachine, TypeConfig};
use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageConfig, StorageEngine};
use openraft::storage::RaftStateMachine;
use openraft::{CommittedLeaderId, EntryPayload, LogId, RaftSnapshotBuilder};

#[test]
fn get_never_fails_beside_installs() {
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(FaultFileSystem::new()),
        ..StorageConfig::new("/db")
    })
    .unwrap();
    let mut sm = StateMachine::open(&db).unwrap();
    let entry = openraft::Entry::<TypeConfig> {
        log_id: LogId::new(CommittedLeaderId::new(1, 0), 1),
        payload: EntryPayload::Normal(Request {
            key: b"k".to_vec(),
            value: Some(b"v".to_vec()),
        }),
    };
    block_on(sm.apply([entry])).unwrap();
    let built = block_on(sm.build_snapshot()).unwrap();
    let bytes = built.snapshot.into_inner();

    // Readers of the map, as an application serves reads beside openraft:
    // more threads than the machine has cores, so some are preempted
    // between taking the handle and reading through it.
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let sm = sm.clone();
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                while !stop.load(Ordering::Relaxed) && failures.len() < 3 {
                    match sm.get(b"k") {
                        Ok(value) => assert_eq!(value.as_deref(), Some(&b"v"[..])),
                        Err(e) => failures.push(e.to_string()),
                    }
                }
                failures
            })
        })
        .collect();
    for index in 2..400u64 {
        let mut meta = built.meta.clone();
        meta.last_log_id = Some(LogId::new(CommittedLeaderId::new(1, 0), index));
        meta.snapshot_id = format!("install-{index}");
        block_on(sm.install_snapshot(&meta, Box::new(Cursor::new(bytes.clone())))).unwrap();
        if readers.iter().any(|r| r.is_finished()) {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let failures: Vec<String> = readers
        .into_iter()
        .flat_map(|r| r.join().unwrap())
        .collect();
    assert!(
        failures.is_empty(),
        "{} reads failed, the first: {}",
        failures.len(),
        failures[0]
    );
}
