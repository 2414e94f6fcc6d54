//! A range delete's bounds are held to the key size limit where every key
//! is, when the batch is written: each may be one byte longer than a key
//! (the end of `..=k` and the start of `(Excluded(k), ..)`, for the longest
//! `k`, are `k` followed by `0x00`). A longer bound is `Error::KeyTooLarge`
//! and nothing is logged; the longest accepted bounds are logged as given.

mod range_delete_common;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Error, StorageConfig, StorageEngine, WriteBatch};
use range_delete_common::{config, declares_range_deletes, logged_range_deletes};

const MAX_KEY: usize = 16;

#[test]
fn bounds_over_the_key_size_limit_are_refused_before_anything_is_logged() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        max_key_size: MAX_KEY,
        ..config(&fs)
    })
    .unwrap();
    let longest = vec![b'k'; MAX_KEY];
    let over = vec![b'k'; MAX_KEY + 2];
    let end_over = vec![b'z'; MAX_KEY + 2];
    let logged_bytes = db.stats().wal_bytes_written;

    let too_large = |result: ferrisdb_storage::Result<u64>, len, limit| match result {
        Err(Error::KeyTooLarge { len: l, limit: m }) => assert_eq!((l, m), (len, limit)),
        other => panic!("not KeyTooLarge({len}, {limit}): {other:?}"),
    };
    too_large(db.delete_range(over.clone()..), MAX_KEY + 2, MAX_KEY + 1);
    too_large(db.delete_prefix(&over), MAX_KEY + 2, MAX_KEY + 1);
    too_large(
        db.delete_range(b"a".to_vec()..end_over.clone()),
        MAX_KEY + 2,
        MAX_KEY + 1,
    );
    // In a batch, the whole batch is refused.
    let mut batch = WriteBatch::new();
    batch
        .put("kept?", "no")
        .delete_range(b"a".to_vec()..end_over);
    too_large(db.write(&batch), MAX_KEY + 2, MAX_KEY + 1);
    assert_eq!(db.get("kept?").unwrap(), None);
    assert_eq!(db.stats().wal_bytes_written, logged_bytes, "nothing logged");
    assert!(!declares_range_deletes(&fs));

    // `..=longest` ends one byte past the longest key: accepted.
    let ts = db.delete_range(longest.clone()..=longest.clone()).unwrap();
    let mut end = longest.clone();
    end.push(0);
    let (logged, _) = logged_range_deletes(&fs);
    assert_eq!(logged, [(ts, 0, longest, Some(end))]);
}
