//! Bug (found by the review of issue 14): `open` checked each manifest
//! record's numbers against what the engine can hold (levels, file numbers,
//! timestamps) and each listed table against its file, but not the shape
//! every version keeps: a level below 0 is one sorted run of tables with
//! disjoint key ranges. A manifest (crafted, or damaged with a good checksum)
//! that lists two overlapping tables in level 1 opened without an error, and
//! reads then silently missed data: a point read looks in the one level-1
//! table whose range comes first and never in the other, so a key written and
//! flushed read as absent.
//!
//! A manifest the engine cannot have written must be a corruption error
//! naming it, not a silently smaller database. Now `open` checks that every
//! level below 0 is listed in key order with disjoint user-key ranges.

mod reliability;

use ferrisdb_storage::internals::manifest;
use reliability::{db_dir, fresh_fs, open_without_compactions};

#[test]
fn regression_manifest_overlapping_level_opens() {
    let fs = fresh_fs();
    let open = || open_without_compactions(&fs);
    let db = open().unwrap();
    // Table one covers a..m, table two c..z; "c" is only in table two.
    db.put("a", "1").unwrap();
    db.put("m", "1").unwrap();
    db.flush().unwrap();
    db.put("c", "2").unwrap();
    db.put("z", "2").unwrap();
    db.flush().unwrap();
    assert_eq!(db.get("c").unwrap(), Some("2".into()));
    db.close().unwrap();

    let mut state = manifest::load(&fs, &db_dir()).unwrap().unwrap();
    assert_eq!(state.tables.len(), 2);
    for table in &mut state.tables {
        table.level = 1;
    }
    manifest::store(&fs, &db_dir(), &state).unwrap();

    match open() {
        Err(e) => {
            assert!(e.is_corruption(), "{e}");
            assert!(e.to_string().contains("MANIFEST"), "{e}");
        }
        Ok(db) => {
            // (A scan would trip the level cursor's debug assertion that a
            // level's tables are disjoint: a panic in a debug build, a wrong
            // merge in a release build.)
            let c = db.get("c").unwrap();
            panic!(
                "a manifest with overlapping tables in level 1 opened: get(\"c\") = {c:?}, \
                 expected Some(\"2\")"
            );
        }
    }
}
