//! Range bounds at the longest lengths every layer must
//! take (`max_key_size = MAX_KEY_SIZE`, so bounds of `MAX_KEY_SIZE + 1`
//! bytes), all `0xff`, through the write path, a flush (and its cut of an
//! unbounded range), a compaction and a reopen, in `default` and in a named
//! keyspace.

use std::ops::Bound::{Excluded, Included, Unbounded};
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Keyspace, StorageConfig, StorageEngine, MAX_KEY_SIZE};

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        max_key_size: MAX_KEY_SIZE,
        memtable_size: 16 << 20,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    }
}

fn ff(len: usize) -> Vec<u8> {
    vec![0xff; len]
}

fn with(prefix: &[u8], last: u8) -> Vec<u8> {
    let mut k = prefix.to_vec();
    k.push(last);
    k
}

/// Keys of `ks` after the steps, as (length, last byte) pairs.
fn keys(ks: &Keyspace) -> Vec<(usize, u8)> {
    ks.iter()
        .unwrap()
        .map(|i| {
            let (k, _) = i.unwrap();
            (k.len(), *k.last().unwrap_or(&0))
        })
        .collect()
}

fn round(db: &StorageEngine, ks: &Keyspace) -> Vec<(usize, u8)> {
    let longest = ff(MAX_KEY_SIZE);
    let shorter = ff(MAX_KEY_SIZE - 1);
    // Keys: the longest all-0xff, one a byte shorter, and one ending in 0xfe.
    ks.put(&longest, "longest").unwrap();
    ks.put(&shorter, "shorter").unwrap();
    let fe = with(&shorter[..MAX_KEY_SIZE - 2], 0xfe);
    ks.put(&fe, "fe").unwrap();
    ks.put("a", "a").unwrap();
    db.flush().unwrap();
    // (Excluded(longest), ..): starts MAX_KEY_SIZE + 1 bytes long, hides nothing.
    ks.delete_range((Excluded(longest.clone()), Unbounded))
        .unwrap();
    // ..=fe: ends at fe + 00, hides "a" and fe.
    ks.delete_range((Unbounded, Included(fe.clone()))).unwrap();
    // The longest all-0xff start the write path takes, with no end.
    let start = with(&ff(MAX_KEY_SIZE), 0xfe);
    ks.delete_range((Included(start), Unbounded)).unwrap();
    db.flush().unwrap();
    let after_flush = keys(ks);
    db.compact().unwrap();
    assert_eq!(keys(ks), after_flush, "compaction changed what reads see");
    after_flush
}

#[test]
fn the_longest_bounds_flush_compact_and_reopen_in_every_keyspace() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let named = db.keyspace("named").unwrap();
    let default = db.keyspace("default").unwrap();
    let want = vec![(MAX_KEY_SIZE - 1, 0xff), (MAX_KEY_SIZE, 0xff)];
    assert_eq!(round(&db, &default), want);
    assert_eq!(round(&db, &named), want);
    // The prefix of MAX_KEY_SIZE 0xff bytes: unbounded, cut at flush.
    named.delete_prefix(ff(MAX_KEY_SIZE)).unwrap();
    db.flush().unwrap();
    assert_eq!(keys(&named), vec![(MAX_KEY_SIZE - 1, 0xff)]);
    db.close().unwrap();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let named = db.keyspace("named").unwrap();
    let default = db.keyspace("default").unwrap();
    assert_eq!(keys(&default), want);
    assert_eq!(keys(&named), vec![(MAX_KEY_SIZE - 1, 0xff)]);
    db.compact().unwrap();
    assert_eq!(keys(&named), vec![(MAX_KEY_SIZE - 1, 0xff)]);
    // The one start the write path refuses: all 0xff, MAX_KEY_SIZE + 1 bytes.
    assert!(named.delete_prefix(ff(MAX_KEY_SIZE + 1)).is_err());
    assert!(named
        .delete_range((Excluded(ff(MAX_KEY_SIZE)), Unbounded))
        .is_ok());
}
