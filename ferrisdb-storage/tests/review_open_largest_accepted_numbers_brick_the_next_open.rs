//! Review finding: the limits on file numbers and timestamps are enforced
//! where they are read (the manifest decoder refuses a next file number above
//! `MAX_FILE_NUMBER` or a last timestamp above `MAX_TIMESTAMP`, `open`
//! refuses a file named above `MAX_FILE_NUMBER` and replay a record stamped
//! above `MAX_TIMESTAMP`) but not where numbers are given out. The largest
//! accepted values are let through, the engine counts on past them, and
//! writes a manifest, a log name or a record the next `open` refuses:
//!
//! - a manifest whose next file number is `MAX_FILE_NUMBER` opens, the
//!   engine names its next log `MAX_FILE_NUMBER + 1` and records that next
//!   file number, and the database never opens again;
//! - so does a log named `MAX_FILE_NUMBER` (`9223372036854775807.wal`): it
//!   is accepted as the highest file, and numbering continues above it;
//! - a manifest whose last timestamp is `MAX_TIMESTAMP` opens, a `put` is
//!   acknowledged at `MAX_TIMESTAMP + 1`, and replaying it at the next open
//!   fails: an acknowledged write makes the database unopenable.
//!
//! Each must be refused where it is first met (or the engine must stop giving
//! out numbers at the limit with an error), never leave a database that
//! opened once and cannot open again.

mod reliability;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::manifest::{self, format::MAX_FILE_NUMBER, format::MAX_TIMESTAMP};
use ferrisdb_storage::wal::WalHeader;
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
