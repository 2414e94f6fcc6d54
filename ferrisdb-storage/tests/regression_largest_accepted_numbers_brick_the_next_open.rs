//! Bug (found by the review of issue 14): the limits on file numbers and
//! timestamps were enforced where they are read (the manifest decoder refuses
//! a next file number above `MAX_FILE_NUMBER` or a last timestamp above
//! `MAX_TIMESTAMP`, `open` refused a file named above `MAX_FILE_NUMBER` and
//! replay a record stamped above `MAX_TIMESTAMP`) but not where numbers are
//! given out. The largest accepted values were let through, the engine
//! counted on past them, and wrote a manifest, a log name or a record the
//! next `open` refused:
//!
//! - a manifest whose next file number is `MAX_FILE_NUMBER` opened, the
//!   engine named its next log `MAX_FILE_NUMBER + 1` and recorded that next
//!   file number, and the database never opened again;
//! - so did a log named `MAX_FILE_NUMBER` (`9223372036854775807.wal`): it
//!   was accepted as the highest file, and numbering continued above it;
//! - a manifest whose last timestamp is `MAX_TIMESTAMP` opened, a `put` was
//!   acknowledged at `MAX_TIMESTAMP + 1`, and replaying it at the next open
//!   failed: an acknowledged write made the database unopenable.
//!
//! Each must be refused where it is first met (or the engine must stop giving
//! out numbers at the limit with an error), never leave a database that
//! opened once and cannot open again. Now file numbers are given out in one
//! place (`manifest::take_file_number`, for tables and log rotations alike),
//! all below `MAX_FILE_NUMBER`, and timestamps in one place (the write path),
//! none above `MAX_TIMESTAMP`; past either, the engine refuses with a
//! corruption error naming the manifest. The last
//! `FILE_NUMBERS_KEPT_FOR_OPEN` numbers go only to `open`, so a database
//! whose numbers ran out while it ran opens again and reads back what it
//! acknowledged; `open` refuses a file named `MAX_FILE_NUMBER` or above, and
//! a database that has used half of the numbers kept for it, before it
//! deletes anything.

mod reliability;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::manifest::{
    self, format::MAX_FILE_NUMBER, format::MAX_TIMESTAMP, FILE_NUMBERS_KEPT_FOR_OPEN,
};
use ferrisdb_storage::internals::wal::WalHeader;
use ferrisdb_storage::StorageEngine;
use reliability::{db_dir, fresh_fs, open};

fn database() -> FaultFileSystem {
    let fs = fresh_fs();
    let db = open(&fs).unwrap();
    db.put("k", "v").unwrap();
    db.flush().unwrap();
    db.close().unwrap();
    fs
}

/// Opens the database on `fs`, does `work` with it, closes it, and checks
/// that it opens again; a first open that refuses is fine.
fn opens_again(fs: &FaultFileSystem, what: &str, work: impl FnOnce(&StorageEngine)) {
    let db = match open(fs) {
        Ok(db) => db,
        Err(e) => {
            assert!(e.is_corruption(), "{what}: {e}");
            return;
        }
    };
    work(&db);
    db.close().unwrap();
    if let Err(e) = open(fs) {
        panic!("{what}: the database opened, then never opens again: {e}");
    }
}

#[test]
fn a_manifest_with_the_largest_next_file_number() {
    let fs = database();
    let mut state = manifest::load(&fs, &db_dir()).unwrap().unwrap();
    state.next_file_number = MAX_FILE_NUMBER;
    manifest::store(&fs, &db_dir(), &state).unwrap();
    opens_again(&fs, "next file number MAX_FILE_NUMBER", |_| {});
}

#[test]
fn a_manifest_with_a_next_file_number_just_below_the_largest() {
    let fs = database();
    let mut state = manifest::load(&fs, &db_dir()).unwrap().unwrap();
    state.next_file_number = MAX_FILE_NUMBER - 1;
    manifest::store(&fs, &db_dir(), &state).unwrap();
    opens_again(&fs, "next file number MAX_FILE_NUMBER - 1", |db| {
        let _ = db.put("after", "the largest file number");
    });
}

#[test]
fn a_database_whose_numbers_run_out_while_it_runs() {
    let fs = database();
    let mut state = manifest::load(&fs, &db_dir()).unwrap().unwrap();
    state.next_file_number = MAX_FILE_NUMBER - FILE_NUMBERS_KEPT_FOR_OPEN;
    manifest::store(&fs, &db_dir(), &state).unwrap();
    let db = open(&fs).unwrap();
    db.put("acknowledged", "before the numbers ran out")
        .unwrap();
    // The flush needs a table number; the running database has none left.
    let err = db.flush().unwrap_err();
    assert!(err.to_string().contains("used up"), "{err}");
    drop(db);
    for _ in 0..3 {
        let db = open(&fs).unwrap_or_else(|e| {
            panic!("the database opened, then never opens again: {e}");
        });
        assert_eq!(
            db.get("acknowledged").unwrap(),
            Some("before the numbers ran out".into())
        );
        assert_eq!(db.get("k").unwrap(), Some("v".into()));
        db.close().unwrap();
    }
}

#[test]
fn a_log_named_with_the_largest_file_number() {
    let fs = database();
    let name = db_dir().join(format!("{MAX_FILE_NUMBER}.wal"));
    let mut file = fs.create(&name).unwrap();
    file.append(&WalHeader::new(MAX_FILE_NUMBER).encode())
        .unwrap();
    file.sync().unwrap();
    drop(file);
    fs.sync_dir(&db_dir()).unwrap();
    opens_again(&fs, "a log named MAX_FILE_NUMBER", |_| {});
}

#[test]
fn a_manifest_with_the_largest_timestamp() {
    let fs = database();
    let mut state = manifest::load(&fs, &db_dir()).unwrap().unwrap();
    state.last_timestamp = MAX_TIMESTAMP;
    manifest::store(&fs, &db_dir(), &state).unwrap();
    opens_again(&fs, "last timestamp MAX_TIMESTAMP", |db| {
        // Acknowledged, or refused: either is fine, as long as the database
        // opens again.
        let _ = db.put("after", "the largest timestamp");
    });
}
