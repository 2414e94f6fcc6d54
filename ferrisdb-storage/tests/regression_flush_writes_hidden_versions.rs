//! Regression (issue 22, YCSB E): a flush wrote every version of its
//! MemTable, so a level-0 table held every overwrite of a hot key until a
//! compaction dropped them, and every scan over the key stepped over them
//! all (YCSB A and F overwrite the Zipfian-hot keys thousands of times; the
//! scans of E then ran at a tenth of RocksDB's rate). A flush now drops what
//! no reader can see, as compaction does; point tombstones stay, since an
//! older table may hold their keys.

use ferrisdb_storage::{StorageConfig, StorageEngine};

#[test]
fn a_flush_without_snapshots_writes_one_version_per_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = StorageEngine::open(StorageConfig {
        disable_auto_compactions: true,
        ..StorageConfig::new(dir.path())
    })
    .unwrap();
    db.put("deleted", "old").unwrap();
    db.flush().unwrap();

    for round in 0..1000 {
        for key in 0..10 {
            db.put(format!("key{key}"), format!("{round}")).unwrap();
        }
    }
    db.put("deleted", "newer").unwrap();
    db.delete("deleted").unwrap();
    db.flush().unwrap();

    let tables = db.live_tables();
    let flushed = tables.iter().max_by_key(|t| t.file_number).unwrap();
    assert_eq!(
        (flushed.entry_count, flushed.tombstone_count),
        (11, 1),
        "ten keys and the tombstone over the older table's version: {flushed:?}"
    );
    for key in 0..10 {
        let value = db.get(format!("key{key}")).unwrap();
        assert_eq!(value.as_deref(), Some(&b"999"[..]));
    }
    assert_eq!(db.get("deleted").unwrap(), None);
    assert_eq!(db.iter().unwrap().count(), 10);
}
