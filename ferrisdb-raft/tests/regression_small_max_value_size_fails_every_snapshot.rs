//! Bug: the store writes a snapshot as chunks of up to 64 KiB, and a log
//! entry as one value, whatever the database's `max_value_size`, which
//! FerrisDB lets be anything from 0. On a database of 4 KiB values every
//! command passed `Request::check` and applied, and then `build_snapshot`
//! failed with `ValueTooLarge` on its first chunk: fatal to openraft, again
//! after every restart, so the node could never snapshot.
//!
//! Now `LogStore::open` and `StateMachine::open` refuse a database whose
//! `max_value_size` is below `MAX_ENTRY_LEN` (16 MiB, the default), which
//! every chunk and every entry within the command limits fits.

use ferrisdb_raft::{LogStore, StateMachine, MAX_ENTRY_LEN};
use ferrisdb_storage::{StorageConfig, StorageEngine};

#[test]
fn a_database_of_small_values_is_refused_at_open() {
    let dir = tempfile::tempdir().unwrap();
    for max_value_size in [4 << 10, MAX_ENTRY_LEN - 1] {
        let db = StorageEngine::open(StorageConfig {
            max_value_size,
            ..StorageConfig::new(dir.path())
        })
        .unwrap();
        let err = LogStore::open(&db).unwrap_err().to_string();
        assert!(
            err.contains("max_value_size") && err.contains("raise"),
            "{err}"
        );
        let err = StateMachine::open(&db).unwrap_err().to_string();
        assert!(err.contains("max_value_size"), "{err}");
        db.close().unwrap();
    }
}
