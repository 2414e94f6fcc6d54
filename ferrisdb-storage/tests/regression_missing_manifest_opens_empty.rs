//! Bug: `open` took a directory without a `MANIFEST` for a new database. A
//! database whose manifest was lost (deleted by hand, or never written, as
//! after a crash in the middle of a checkpoint) opened as an empty database,
//! and the cleanup of crash leftovers then deleted every table as an orphan.
//!
//! Now a directory holding tables or logs but no manifest fails to open with
//! a corruption error naming the missing `MANIFEST`, and nothing in it is
//! deleted.

mod reliability;

use ferrisdb_storage::fs::FileSystem;
use reliability::{db_dir, fresh_fs, open};

#[test]
fn regression_missing_manifest_opens_empty() {
    let fs = fresh_fs();
    let db = open(&fs).unwrap();
    db.put("in a table", "flushed").unwrap();
    db.flush().unwrap();
    db.put("in the log", "not flushed").unwrap();
    db.close().unwrap();

    fs.remove(&db_dir().join("MANIFEST")).unwrap();
    let before = fs.list(&db_dir()).unwrap();
    assert!(
        before.iter().any(|name| name.ends_with(".sst")),
        "the scenario needs a table: {before:?}"
    );

    let err = match open(&fs) {
        Ok(db) => {
            drop(db);
            panic!(
                "a database without its manifest opened; the directory held {before:?}, now {:?}",
                fs.list(&db_dir()).unwrap()
            )
        }
        Err(err) => err,
    };
    assert!(err.is_corruption(), "{err:?}");
    assert!(err.to_string().contains("MANIFEST"), "{err}");
    assert_eq!(
        fs.list(&db_dir()).unwrap(),
        before,
        "the failed open changed the directory"
    );
}
