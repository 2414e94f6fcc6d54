//! An empty or inverted range holds no key: deleting it is a documented
//! no-op. It returns `Ok` with the timestamp an empty batch returns, writes
//! no log record (the log's bytes and records do not change) and no
//! manifest declaring range deletes, and leaves the data as it was; on a
//! keyspace handle and in a batch alike, under every sync mode.

mod range_delete_common;

use std::ops::Bound::{Excluded, Included, Unbounded};

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageEngine, SyncMode, WriteBatch, WriteOptions};
use range_delete_common::{config, declares_range_deletes, logged_range_deletes};

#[test]
#[allow(clippy::reversed_empty_ranges)]
fn empty_and_inverted_ranges_write_nothing_and_return_the_last_timestamp() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let users = db.keyspace("users").unwrap();
    db.put("a", "1").unwrap();
    let last = users.put("a", "1").unwrap();
    let bytes = db.stats().wal_bytes_written;
    let (_, records) = logged_range_deletes(&fs);

    let full = WriteOptions {
        sync: Some(SyncMode::Full),
    };
    for options in [WriteOptions::default(), full] {
        let results = [
            db.delete_range_opt("a".."a", &options),
            db.delete_range_opt("b".."a", &options),
            db.delete_range_opt("b"..="a", &options),
            db.delete_range_opt::<&str, _>((Excluded("a"), Excluded("a")), &options),
            db.delete_range_opt::<&str, _>((Excluded("a"), Included("a")), &options),
            db.delete_range_opt::<&str, _>((Unbounded, Excluded("")), &options),
            users.delete_range_opt("a".."a", &options),
            users.delete_range_opt("z".."a", &options),
        ];
        for result in results {
            assert_eq!(result.unwrap(), last, "{options:?}");
        }
        let mut batch = WriteBatch::new();
        batch
            .delete_range("b".."a")
            .delete_range_in(&users, "a".."a");
        assert!(batch.is_empty(), "nothing was added");
        assert_eq!(db.write_opt(&batch, &options).unwrap(), last);
    }

    assert_eq!(db.stats().wal_bytes_written, bytes, "nothing logged");
    assert_eq!(logged_range_deletes(&fs), (Vec::new(), records));
    assert!(!declares_range_deletes(&fs), "no range delete was written");
    assert_eq!(db.get("a").unwrap().as_deref(), Some(&b"1"[..]));
    assert_eq!(users.get("a").unwrap().as_deref(), Some(&b"1"[..]));
    // The next write takes the next timestamp: none was used up.
    assert_eq!(db.put("b", "2").unwrap(), last + 1);
}
