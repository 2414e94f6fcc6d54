//! Bug: openraft runs `build_snapshot` in a task of its own, beside the
//! state machine worker that serves `get_current_snapshot` (the leader's
//! answer to a follower that needs a snapshot). `get_current_snapshot` read
//! the `current_snapshot` record, then scanned that snapshot's chunks, with
//! nothing holding the two reads together; a build finishing in between
//! recorded a new number and range-deleted the old chunks, the scan found
//! them missing, and the `StorageError` stopped the node.
//!
//! Now the record and its chunks are read from one FerrisDB snapshot.

mod common;

use common::block_on;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use ferrisdb_raft::{Request, StateMachine, TypeConfig};
use ferrisdb_storage::{StorageConfig, StorageEngine};
use openraft::storage::RaftStateMachine;
use openraft::{CommittedLeaderId, EntryPayload, LogId, RaftSnapshotBuilder};

#[test]
fn get_current_snapshot_never_fails_beside_a_build() {
    let dir = tempfile::tempdir().unwrap();
    let db = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    let mut sm = StateMachine::open(&db).unwrap();
    // About 1 MiB of map: 16 chunks, so the scan takes a while.
    let entries = (1..=64u64).map(|i| openraft::Entry::<TypeConfig> {
        log_id: LogId::new(CommittedLeaderId::new(1, 0), i),
        payload: EntryPayload::Normal(Request {
            key: format!("k{i:03}").into_bytes(),
            value: Some(vec![b'v'; 16 << 10]),
        }),
    });
    block_on(sm.apply(entries)).unwrap();
    block_on(sm.build_snapshot()).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let mut builder = block_on(sm.get_snapshot_builder());
    let builds = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) && n < 100 {
                block_on(builder.build_snapshot()).unwrap();
                n += 1;
            }
        })
    };
    let mut failures = Vec::new();
    while !builds.is_finished() && failures.len() < 3 {
        if let Err(e) = block_on(sm.get_current_snapshot()) {
            failures.push(e.to_string());
        }
    }
    stop.store(true, Ordering::Relaxed);
    builds.join().unwrap();
    assert!(
        failures.is_empty(),
        "{} reads failed, the first: {}",
        failures.len(),
        failures[0]
    );
}
