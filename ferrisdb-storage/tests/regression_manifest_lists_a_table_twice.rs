//! Bug (found while fixing the review of issue 14): `open` did not check
//! that a manifest lists each table once. A manifest (crafted, or damaged
//! with a good checksum) listing one table twice, here in levels 0 and 2,
//! opened as a database of two tables: one file read through two readers,
//! its bytes counted twice in level sizes and space amplification, and the
//! same entries fed twice into compactions, whose correctness then rests on
//! the merge dropping exact duplicates.
//!
//! The engine never writes such a manifest: as for any other manifest it
//! cannot have written, `open` now refuses it with a corruption error naming
//! the manifest, and deletes nothing.

mod reliability;

use ferrisdb_storage::fs::FileSystem;
use ferrisdb_storage::internals::manifest;
use reliability::{db_dir, fresh_fs, open_without_compactions};

#[test]
fn regression_manifest_lists_a_table_twice() {
    let fs = fresh_fs();
    let open = || open_without_compactions(&fs);
    let db = open().unwrap();
    db.put("a", "1").unwrap();
    db.flush().unwrap();
    db.close().unwrap();

    let mut state = manifest::load(&fs, &db_dir()).unwrap().unwrap();
    assert_eq!(state.tables.len(), 1);
    let mut twice = state.tables[0].clone();
    twice.level = 2;
    state.tables.push(twice);
    manifest::store(&fs, &db_dir(), &state).unwrap();
    let before = fs.list(&db_dir()).unwrap();

    match open() {
        Err(e) => {
            assert!(e.is_corruption(), "{e}");
            assert!(e.to_string().contains("MANIFEST"), "{e}");
            assert!(e.to_string().contains("twice"), "{e}");
            assert_eq!(fs.list(&db_dir()).unwrap(), before);
        }
        Ok(db) => {
            let tables = db.live_tables().len();
            panic!("a manifest listing a table twice opened, with {tables} live tables");
        }
    }
}
