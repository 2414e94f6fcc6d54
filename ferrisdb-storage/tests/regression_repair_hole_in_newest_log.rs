//! Regression: the newest log with a damaged record followed by valid ones
//! that no record claims synced reads as a torn tail, which repair does not
//! report (nothing acknowledged as durable is lost). But repair kept the
//! records after the damage: the repaired database held a later write
//! without an earlier one (here a delete), a state that never was, and the
//! report named nothing. Either the later writes go too (as at open), or
//! the damage is reported.

mod repair_common;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::StorageEngine;
use repair_common::*;

#[test]
fn a_hole_in_the_newest_log_is_reported_or_cuts_the_log_there() {
    let built = FaultFileSystem::new();
    build(&built, &dir());
    let db = StorageEngine::open(config(&built, &dir())).unwrap();
    db.put("hole-a", "before").unwrap();
    db.delete("k0001").unwrap();
    db.put("hole-c", "after-the-delete").unwrap();
    let fs = built.fork();
    drop(db);
    let log = fs
        .list(&dir())
        .unwrap()
        .into_iter()
        .filter(|n| n.ends_with(".wal"))
        .max()
        .unwrap();
    let path = dir().join(log);
    let mut bytes = fs.read_all(&path).unwrap();
    let at = bytes
        .windows(5)
        .position(|w| w == b"k0001")
        .expect("the delete is in the log");
    bytes[at] ^= 0x40;
    rewrite(&fs, &path, &bytes);

    let report = StorageEngine::repair(config(&fs, &dir())).unwrap();
    let db = StorageEngine::open(config(&fs, &dir())).unwrap();
    let deleted = db.get("k0001").unwrap().is_none();
    let later = db.get("hole-c").unwrap().is_some();
    let named = report.affected.iter().any(|r| r.file == path);
    assert!(
        deleted || !later || named,
        "the write after the lost delete is kept, the deleted key is back, and no affected \
         range names the log\n{report}"
    );
}
