//! Bug (found by the review of issue 14): `StorageConfig::create_if_missing`
//! promises that an `open` finding no database with it off fails "and
//! creates nothing". On an existing directory holding no database, `open`
//! took the directory's lock first, which on the operating system's file
//! system creates the `LOCK` file, and so left it behind in a directory that
//! is not a database (and, being someone else's, may be anything: a mount
//! point, a directory of other files).
//!
//! Now `open` with `create_if_missing` off looks for a database before it
//! takes the lock, and fails leaving the directory as it was. (The test uses
//! a real directory: `FaultFileSystem`'s locks are not files.)

use std::sync::Arc;

use ferrisdb_storage::fs::OsFileSystem;
use ferrisdb_storage::{Error, StorageConfig, StorageEngine};

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn regression_open_without_create_if_missing_creates_lock() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"not a database").unwrap();
    let before = names(dir.path());

    let result = StorageEngine::open(StorageConfig {
        create_if_missing: false,
        file_system: Arc::new(OsFileSystem),
        ..StorageConfig::new(dir.path())
    });
    match result {
        Err(Error::InvalidArgument(message)) => {
            assert!(message.contains("create_if_missing"), "{message}");
        }
        Err(e) => panic!("expected InvalidArgument, got {e}"),
        Ok(_) => panic!("a directory without a database opened with create_if_missing off"),
    }
    assert_eq!(
        names(dir.path()),
        before,
        "open with create_if_missing off changed a directory holding no database"
    );
}
