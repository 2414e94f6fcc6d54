//! Bug (found by the review of issue 14): `open` deletes the tables a
//! manifest does not list once the manifest "fits the directory", and the
//! only staleness check was that the log numbered `log_number` exists. A
//! manifest with `log_number = 0` (the first manifest of a new database,
//! written before its first log) was let through without any check. Put over
//! a database's `MANIFEST` (a manifest restored or copied from a database
//! that was just being made), it opened the database empty and deleted every
//! table as a crash leftover: tables numbered far above its
//! `next_file_number` of 1, whose data no log holds. `open` must never delete
//! a file it cannot account for; this one should fail with a corruption error
//! and delete nothing, as a stale manifest with a missing log does
//! (`regression_stale_manifest_deletes_tables`).
//!
//! Now a new database's manifest is taken for the newest only while the
//! directory holds no table: the first `open` records a log number before it
//! takes a write, so a table is something a later manifest accounts for.

mod reliability;

use ferrisdb_storage::fs::FileSystem;
use ferrisdb_storage::internals::manifest::{self, ManifestState};
use reliability::{db_dir, fresh_fs, open_without_compactions};

#[test]
fn regression_new_database_manifest_deletes_tables() {
    let fs = fresh_fs();
    let open = || open_without_compactions(&fs);
    let db = open().unwrap();
    db.put("flushed", "in a table").unwrap();
    db.flush().unwrap();
    db.close().unwrap();

    // The manifest a new database starts with, as `open` makes it
    // (`directory::load_or_create`).
    let new_database = ManifestState {
        next_file_number: 1,
        ..ManifestState::default()
    };
    manifest::store(&fs, &db_dir(), &new_database).unwrap();
    let before = fs.list(&db_dir()).unwrap();
    assert!(before.iter().any(|n| n.ends_with(".sst")), "{before:?}");

    match open() {
        Err(e) => {
            assert!(e.is_corruption(), "{e}");
            assert_eq!(
                fs.list(&db_dir()).unwrap(),
                before,
                "the failed open changed the directory"
            );
        }
        Ok(db) => {
            let flushed = db.get("flushed").unwrap();
            drop(db);
            panic!(
                "a new database's manifest opened over a database: get(\"flushed\") = \
                 {flushed:?}; the directory held {before:?}, now {:?}",
                fs.list(&db_dir()).unwrap()
            );
        }
    }
}
