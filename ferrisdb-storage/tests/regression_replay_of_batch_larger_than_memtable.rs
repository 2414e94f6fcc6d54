//! Bug: a logged batch larger than a whole MemTable made the database
//! impossible to open when it was the first record replayed.
//!
//! The write path gives such a batch a MemTable of its own size, but replay
//! only did so after a flush; starting from an empty MemTable of
//! `memtable_size` bytes, inserting the batch failed with `MemTableFull` and
//! every `open` returned that error.

mod reliability;

use reliability::{db_dir, fresh_fs, open};

#[test]
fn regression_replay_of_batch_larger_than_memtable() {
    let fs = fresh_fs();
    let big = vec![b'v'; 10 << 10]; // memtable_size is 4 KiB
    {
        let db = open(&fs).unwrap();
        db.put("big", &big).unwrap();
        db.put("small", "s").unwrap();
    } // Dropped without a flush: both writes are only in the log.
    let crashed = fs.crash();
    let db = open(&crashed).unwrap_or_else(|e| panic!("reopen failed: {e}"));
    assert_eq!(db.get("big").unwrap().as_deref(), Some(&big[..]));
    assert_eq!(db.get("small").unwrap(), Some("s".into()));
    drop(db);
    let db = open(&crashed).unwrap();
    assert_eq!(db.get("big").unwrap().as_deref(), Some(&big[..]));
    db.wait_for_compactions().unwrap();
    reliability::assert_no_orphans(&crashed, &db_dir());
}
