//! Bug: `StateMachine::open` read `sm_generation` and then created the
//! keyspace `raft_sm_<generation>` if it was missing, so a database whose
//! current generation was gone (dropped by hand, a tool, a damaged
//! manifest) opened as an empty map while `last_applied` still claimed
//! every entry of it: openraft did not apply them again, the node served
//! wrong reads and sent an empty snapshot to followers.
//!
//! Now a missing data keyspace with an applied state recorded is an error
//! that says how to recover.

mod common;

use common::block_on;
use ferrisdb_raft::{keys, Request, StateMachine, TypeConfig};
use ferrisdb_storage::{StorageConfig, StorageEngine};
use openraft::storage::RaftStateMachine;
use openraft::{CommittedLeaderId, EntryPayload, LogId, RaftSnapshotBuilder};

#[test]
fn a_missing_current_generation_is_an_error_not_an_empty_map() {
    let source_dir = tempfile::tempdir().unwrap();
    let source_db = StorageEngine::open(StorageConfig::new(source_dir.path())).unwrap();
    let mut source = StateMachine::open(&source_db).unwrap();
    let entry = openraft::Entry::<TypeConfig> {
        log_id: LogId::new(CommittedLeaderId::new(1, 0), 1),
        payload: EntryPayload::Normal(Request {
            key: b"k".to_vec(),
            value: Some(b"v".to_vec()),
        }),
    };
    block_on(source.apply([entry])).unwrap();
    let snapshot = block_on(source.build_snapshot()).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let db = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    let mut sm = StateMachine::open(&db).unwrap();
    block_on(sm.install_snapshot(&snapshot.meta, snapshot.snapshot)).unwrap();
    assert_eq!(sm.get(b"k").unwrap().as_deref(), Some(&b"v"[..]));
    drop(sm);
    // The current generation's keyspace goes missing.
    db.drop_keyspace(&keys::sm_keyspace(1)).unwrap();

    match StateMachine::open(&db) {
        Err(_) => {}
        Ok(mut sm) => {
            let (applied, _) = block_on(sm.applied_state()).unwrap();
            panic!(
                "opened with applied {applied:?} and k = {:?}",
                sm.get(b"k").unwrap()
            );
        }
    }
}
