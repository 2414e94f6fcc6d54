//! Bug: `StateMachine::open` dropped every keyspace whose name parsed as
//! `sm_<u64>` other than the current generation's, whoever made it: the
//! store shares its database with the application, and a user's keyspace
//! `sm_2024` (or `sm_+1`, which `u64::from_str` also parses) lost its data
//! the next time the node started.
//!
//! Now the store's keyspaces all start with `raft_` (documented as the
//! store's), and a generation's name is only the one the store writes.

use ferrisdb_raft::StateMachine;
use ferrisdb_storage::{StorageConfig, StorageEngine};

#[test]
fn open_leaves_the_application_s_keyspaces_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    for name in ["sm_2024", "sm_+1"] {
        db.keyspace(name).unwrap().put(b"k", b"the user's").unwrap();
    }
    let _sm = StateMachine::open(&db).unwrap();
    let names = db.keyspaces();
    assert!(
        names.iter().any(|n| n == "sm_2024") && names.iter().any(|n| n == "sm_+1"),
        "keyspaces left: {names:?}"
    );
}
