//! Bug: the store's own keys are up to 16 bytes (`current_snapshot`,
//! `last_membership`, the chunk keys), but FerrisDB accepts any
//! `max_key_size` from 1, and `Request::check` looked only at the command.
//! On a database of 10-byte keys a command passed `check` and appended, and
//! then `apply` failed with `KeyTooLarge` for `last_applied`: a
//! `StorageError`, fatal to openraft, on every node at every restart.
//!
//! Now the limits of a command are fixed, and `LogStore::open` and
//! `StateMachine::open` refuse a database whose own limits are below what
//! the store writes within them, naming the setting to raise.

use ferrisdb_raft::{LogStore, StateMachine, MAX_KEY_LEN};
use ferrisdb_storage::{StorageConfig, StorageEngine};

#[test]
fn a_database_of_short_keys_is_refused_at_open() {
    let dir = tempfile::tempdir().unwrap();
    for max_key_size in [10, MAX_KEY_LEN - 1] {
        let db = StorageEngine::open(StorageConfig {
            max_key_size,
            ..StorageConfig::new(dir.path())
        })
        .unwrap();
        let err = LogStore::open(&db).unwrap_err().to_string();
        assert!(
            err.contains("max_key_size") && err.contains("raise"),
            "{err}"
        );
        let err = StateMachine::open(&db).unwrap_err().to_string();
        assert!(err.contains("max_key_size"), "{err}");
        db.close().unwrap();
    }
}
