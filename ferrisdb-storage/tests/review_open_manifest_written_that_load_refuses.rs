//! Review finding: `manifest::store` writes any state, but `manifest::load`
//! refuses a body over `MAX_BODY_LEN` (256 MiB). Each table record holds the
//! table's smallest and largest keys, so with keys of `MAX_KEY_SIZE` (1 MiB,
//! which `StorageConfig` accepts) 128 tables make a manifest the engine
//! writes, and acknowledges the flush or compaction that wrote it, but can
//! never read back: the next `open` fails on the manifest, and the database
//! never opens again. (With the default `max_key_size` of 64 KiB it takes
//! about 2,000 tables whose boundary keys are that long.) The limit is
//! enforced on read only, not in one place.
//!
//! The state is built directly rather than through 128 flushes of 1 MiB
//! keys, which would rewrite the growing manifest 128 times; every field is
//! one the engine writes (levels, numbers below `next_file_number`,
//! timestamps at most `last_timestamp`, keys of `MAX_KEY_SIZE`).

use ferrisdb_storage::fs::OsFileSystem;
use ferrisdb_storage::manifest::{self, format::MAX_BODY_LEN, ManifestState, TableRecord};
use ferrisdb_storage::{InternalKey, MAX_KEY_SIZE};

#[test]
fn review_open_manifest_written_that_load_refuses() {
    // Each record holds two keys of MAX_KEY_SIZE; one table more than the
    // body limit has room for.
    let tables = (MAX_BODY_LEN / (2 * MAX_KEY_SIZE)) as u64 + 1;
    let key = |table: u64, last: bool| {
        let mut user_key = vec![b'k'; MAX_KEY_SIZE];
        user_key[..8].copy_from_slice(&table.to_be_bytes());
        user_key[MAX_KEY_SIZE - 1] = u8::from(last);
        user_key
    };
    let state = ManifestState {
        next_file_number: tables + 10,
        log_number: tables + 5,
        last_timestamp: 1_000,
        tables: (0..tables)
            .map(|i| TableRecord {
                level: 6,
                file_number: i + 1,
                file_size: 4 * MAX_KEY_SIZE as u64,
                entry_count: 2,
                tombstone_count: 0,
                smallest: InternalKey::new(key(i, false), 10),
                largest: InternalKey::new(key(i, true), 10),
                min_timestamp: 10,
                max_timestamp: 10,
            })
            .collect(),
    };
    let dir = tempfile::tempdir().unwrap();
    let stored = manifest::store(&OsFileSystem, dir.path(), &state);
    drop(state);
    if let Err(e) = stored {
        // Refusing to write it is one fix: the database keeps its previous,
        // readable manifest.
        eprintln!("store refused the manifest: {e}");
        return;
    }
    match manifest::load(&OsFileSystem, dir.path()) {
        Ok(Some(loaded)) => assert_eq!(loaded.tables.len() as u64, tables),
        Ok(None) => panic!("the manifest store wrote is missing"),
        Err(e) => panic!(
            "store wrote a manifest of {tables} tables with {MAX_KEY_SIZE}-byte keys, \
             and load refuses it, so the database would never open again: {e}"
        ),
    }
}
