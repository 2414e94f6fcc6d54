//! Review finding: `delete_range((Excluded(k), ..))` with `k` as long as
//! `max_key_size` allows fails with `Error::KeyTooLarge`, though `k` is
//! within the limit and the range (every key after `k`) holds keys.
//!
//! `StorageEngine::delete_range` documents: "a bound longer than the key
//! size limit allows is `KeyTooLarge`: the start as a key, the end as a key
//! one byte longer". The range's half-open start is `k + [0x00]`, one byte
//! longer than `k` (`half_open`), and `WriteBatch::check_entry`
//! (`write_batch/mod.rs`) holds that start to `max_key_size` as a key; the
//! replay check (`write_batch/entry.rs`, `check_entry`: start over
//! `MAX_KEY_SIZE`) refuses it too. The table format already allows it:
//! `MAX_RANGE_END_SIZE` is one byte over a key "since the range `..=k` of
//! the longest key `k` ends at `k + [0x00]`, and the range
//! `(Excluded(k), ..)` starts there" (`sstable/format.rs`).

use std::ops::Bound::{Excluded, Included, Unbounded};
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageConfig, StorageEngine};

const MAX_KEY: usize = 16;

#[test]
fn a_range_after_the_longest_key_is_deleted() {
    let fs = FaultFileSystem::new();
    let config = || StorageConfig {
        file_system: Arc::new(fs.clone()),
        max_key_size: MAX_KEY,
        ..StorageConfig::new("/db")
    };
    let db = StorageEngine::open(config()).unwrap();
    let longest = vec![b'k'; MAX_KEY];
    db.put(&longest, "kept").unwrap();
    db.put("z", "deleted").unwrap();
    db.put("l", "deleted").unwrap();

    let deleted = db.delete_range::<Vec<u8>, _>((Excluded(longest.clone()), Unbounded));
    assert!(deleted.is_ok(), "{deleted:?}");
    db.delete_range::<Vec<u8>, _>((Excluded(longest.clone()), Included(b"m".to_vec())))
        .unwrap();
    assert_eq!(db.get(&longest).unwrap().unwrap(), "kept");
    assert_eq!(db.get("z").unwrap(), None);
    assert_eq!(db.get("l").unwrap(), None);
    db.close().unwrap();

    let db = StorageEngine::open(config()).unwrap();
    assert_eq!(db.get("z").unwrap(), None);
    db.flush().unwrap();
    assert_eq!(db.iter().unwrap().count(), 1);
}
