//! A range delete without an upper bound (`delete_prefix("")`, `"k"..`) is
//! cut, when its MemTable is flushed, just past the largest key any older
//! version has: it still hides every older key, in every level, and hides
//! nothing written later, however large its key.

use ferrisdb_storage::{CompactionStyle, LeveledOptions, StorageConfig, StorageEngine};

fn open(dir: &std::path::Path) -> StorageEngine {
    StorageEngine::open(StorageConfig {
        compaction_style: CompactionStyle::Leveled(LeveledOptions {
            max_bytes_for_level_base: 32 << 10,
            ..LeveledOptions::default()
        }),
        memtable_size: 32 << 10,
        target_file_size: 16 << 10,
        ..StorageConfig::new(dir)
    })
    .unwrap()
}

#[test]
fn an_unbounded_range_delete_hides_every_older_key_after_flush_and_compaction() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path());
    for i in 0..2_000 {
        db.put(format!("k{i:04}"), "old").unwrap();
    }
    db.put("zzz", "old").unwrap();
    db.compact().unwrap();
    db.put(b"zzz\xff", "old, in the MemTable").unwrap();
    db.delete_prefix("").unwrap();
    db.flush().unwrap();
    assert_eq!(db.iter().unwrap().count(), 0);
    db.compact().unwrap();
    assert_eq!(db.iter().unwrap().count(), 0);
    assert_eq!(db.get("zzz").unwrap(), None);

    db.put("zzzz", "new").unwrap();
    db.put(vec![0xff_u8; 300], "new").unwrap();
    db.put("a", "new").unwrap();
    db.flush().unwrap();
    db.compact().unwrap();
    assert_eq!(db.iter().unwrap().count(), 3);
    db.close().unwrap();
    let db = open(dir.path());
    assert_eq!(db.get("zzzz").unwrap().unwrap(), "new");
    assert_eq!(db.get("k0042").unwrap(), None);
    assert_eq!(db.iter().unwrap().count(), 3);
}

#[test]
fn a_database_of_only_a_range_delete_flushes_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path());
    db.delete_range("a".."b").unwrap();
    db.delete_range("q"..).unwrap();
    db.close().unwrap();
    let db = open(dir.path());
    db.flush().unwrap();
    db.put("c", "kept").unwrap();
    db.delete_range("a"..).unwrap();
    db.flush().unwrap();
    assert_eq!(db.get("c").unwrap(), None);
    db.compact().unwrap();
    assert!(db.live_tables().is_empty(), "{:?}", db.live_tables());
}
