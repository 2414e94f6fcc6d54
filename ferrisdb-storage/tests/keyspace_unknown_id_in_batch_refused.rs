//! A batch holding an entry of a keyspace the database never made (decoded
//! from bytes another database logged) is refused with
//! `Error::KeyspaceNotFound` before anything is logged: no byte reaches the
//! log, no timestamp is used, none of its entries is visible, now or after a
//! reopen. The same batch without that entry writes as usual.

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::internals::write_batch::format::COUNT_OFFSET;
use ferrisdb_storage::{Error, StorageEngine, WriteBatch};

mod common;

use common::fault_config;

/// `batch` at timestamp 1, its entry at `entry_at` (a put) moved to
/// keyspace 7, decoded back into a batch.
fn with_keyspace_7(batch: &WriteBatch, entry_at: usize) -> WriteBatch {
    let mut bytes = batch.encode(1);
    // The keyspace id follows the entry's one-byte tag; 0 and 7 both take
    // one byte.
    assert_eq!(bytes[entry_at + 1], 0);
    bytes[entry_at + 1] = 7;
    WriteBatch::decode(&bytes).unwrap().1
}

#[test]
fn an_entry_of_a_keyspace_never_made_is_refused_and_nothing_is_logged() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap();
    let before = db.put("k0", "v0").unwrap();

    // One entry, alone; then the second of three, beside default's.
    let first_entry = COUNT_OFFSET + 1;
    let alone = with_keyspace_7(WriteBatch::new().put("x", "1"), first_entry);
    let mut three = WriteBatch::new();
    three.put("a", "1").put("b", "2").put("c", "3");
    // Each entry `put(k, v)` of one-byte k and v takes 6 bytes.
    let mixed = with_keyspace_7(&three, first_entry + 6);
    for batch in [&alone, &mixed] {
        let logged = db.stats().wal_bytes_written;
        let err = db.write(batch).unwrap_err();
        assert!(
            matches!(&err, Error::KeyspaceNotFound { name } if name == "#7"),
            "{err}"
        );
        assert!(err.to_string().contains("does not exist"), "{err}");
        assert_eq!(db.stats().wal_bytes_written, logged, "nothing logged");
    }
    for key in ["x", "a", "b", "c"] {
        assert_eq!(db.get(key).unwrap(), None, "{key}");
    }
    // No timestamp was used, and the engine writes on.
    assert_eq!(db.put("k1", "v1").unwrap(), before + 1);
    db.write(&three).unwrap();
    assert_eq!(db.get("b").unwrap().unwrap(), "2");

    drop(db);
    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap();
    assert_eq!(db.get("x").unwrap(), None);
    assert_eq!(db.get("k1").unwrap().unwrap(), "v1");
    assert_eq!(db.iter().unwrap().count(), 5);
}
