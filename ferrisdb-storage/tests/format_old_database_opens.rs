//! A database written by an older FerrisDB opens and reads the same today.
//!
//! `tests/fixtures/db-9b3ca9e` was written by commit 9b3ca9e, the last
//! commit before zstd added a compression byte value (and before the API of
//! issue 17). It holds every on-disk format of that time:
//! - `000004.sst`, round 1 compacted to level 1 with LZ4 data blocks;
//! - `000007.sst`, round 2 flushed to level 0 without compression, holding
//!   overwrites and tombstones;
//! - `000006.wal`, round 3, never flushed: the copy was taken while the
//!   engine was open, so opening replays it;
//! - `MANIFEST`, naming both tables.
//!
//! The writer was a test beside 9b3ca9e's engine; it did what [`model`]
//! describes, with the same keys and values.

use std::collections::BTreeMap;
use std::path::Path;

use ferrisdb_storage::fs::os_file_system;
use ferrisdb_storage::sstable::TableReader;
use ferrisdb_storage::{StorageConfig, StorageEngine};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/db-9b3ca9e");

fn value(round: u32, i: u32) -> Vec<u8> {
    format!("round {round} value of key {i:04}; ")
        .repeat(4)
        .into_bytes()
}

/// What the writer wrote, in order, applied to a map.
fn model() -> BTreeMap<Vec<u8>, Vec<u8>> {
    let key = |i: u32| format!("key{i:04}").into_bytes();
    let mut map = BTreeMap::new();
    for i in 0..200 {
        map.insert(key(i), value(1, i));
    }
    for i in 100..300 {
        map.insert(key(i), value(2, i));
    }
    for i in (0..300).step_by(7) {
        map.remove(&key(i));
    }
    for i in 250..320 {
        map.insert(key(i), value(3, i));
    }
    map.remove(&key(1));
    map
}

/// A copy of the fixture: opening replays the log and rewrites the manifest,
/// which must not touch the checked-in files.
fn copy_fixture(to: &Path) {
    for entry in std::fs::read_dir(FIXTURE).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// Every key and value a full scan of `db` returns.
fn contents(db: &StorageEngine) -> BTreeMap<Vec<u8>, Vec<u8>> {
    db.iter()
        .unwrap()
        .map(|item| item.map(|(k, v)| (k.to_vec(), v.to_vec())).unwrap())
        .collect()
}

/// The compression byte of a table's first data block (0 none, 1 LZ4).
fn first_block_compression(path: &Path) -> u8 {
    let reader = TableReader::open(&os_file_system(), path, None).unwrap();
    let handle = reader.index()[0].handle;
    std::fs::read(path).unwrap()[(handle.offset + handle.size) as usize]
}

#[test]
fn the_fixture_holds_an_lz4_table_and_an_uncompressed_one() {
    let dir = Path::new(FIXTURE);
    assert_eq!(first_block_compression(&dir.join("000004.sst")), 1);
    assert_eq!(first_block_compression(&dir.join("000007.sst")), 0);
}

#[test]
fn a_database_written_before_zstd_reads_as_it_was_written() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path());
    let expected = model();

    let db = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    assert_eq!(contents(&db), expected);
    for i in 0..330 {
        let key = format!("key{i:04}").into_bytes();
        let got = db.get(&key).unwrap().map(|v| v.to_vec());
        assert_eq!(got.as_ref(), expected.get(&key), "key{i:04}");
    }

    // Compacting rewrites the old tables with today's default compression,
    // and the database still reads the same after a reopen.
    db.compact().unwrap();
    db.close().unwrap();
    let db = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    assert_eq!(contents(&db), expected);
    db.close().unwrap();
}
