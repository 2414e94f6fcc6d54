//! Bug (found by the review of issue 14): "What `open` deletes"
//! (engine/recovery.rs) promises that `open` never deletes "a file whose
//! name the engine does not write". But the leftover rules matched names
//! loosely: any name ending in `.sst.tmp` was taken for an interrupted table
//! write, and `parse_table_file_name` accepted any run of six or more digits,
//! so `0000099.sst` (a leading zero the engine never writes: it writes
//! `000099.sst`) was taken for table 99 and, being unlisted, deleted. Both
//! files below are a user's, and both were deleted by a plain `open`.
//!
//! Now the table, temporary table and log name parsers accept exactly the
//! names the engine writes (the number formatted back must give the name),
//! and `open` deletes only such names.

mod reliability;

use ferrisdb_storage::fs::FileSystem;
use reliability::{db_dir, fresh_fs, open};

#[test]
fn regression_open_deletes_names_the_engine_never_writes() {
    let fs = fresh_fs();
    let db = open(&fs).unwrap();
    db.put("k", "v").unwrap();
    db.flush().unwrap();
    db.close().unwrap();

    let names = ["0000099.sst", "notes.sst.tmp"];
    for name in names {
        let mut file = fs.create(&db_dir().join(name)).unwrap();
        file.append(b"a file FerrisDB did not write").unwrap();
        file.sync().unwrap();
    }
    fs.sync_dir(&db_dir()).unwrap();

    drop(open(&fs).unwrap());
    let left: Vec<String> = fs.list(&db_dir()).unwrap();
    let deleted: Vec<&str> = names
        .into_iter()
        .filter(|n| !left.iter().any(|l| l == n))
        .collect();
    assert!(
        deleted.is_empty(),
        "open deleted {deleted:?}, names FerrisDB never writes; the directory now holds {left:?}"
    );
}
