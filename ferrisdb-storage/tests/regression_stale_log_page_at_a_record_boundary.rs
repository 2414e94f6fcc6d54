//! Review of issue 18: a stale page of a deleted log that starts exactly
//! where the surviving log ends is refused as corruption.
//!
//! `regression_stale_log_page_in_torn_tail.rs` covers the stale page the
//! scan after damage meets: records naming another log are skipped there.
//! But when the crash leaves the log's synced bytes ending exactly at a page
//! boundary, and the disk block behind the next page held a deleted log's
//! bytes at the same offsets (a freed extent given back in order, the case
//! that regression test describes) with a record starting at that boundary,
//! the *first* thing the reader meets after the last good record is a whole,
//! CRC-valid record naming another log. `read_record` marks every prefix
//! that does not decode `certain` corruption (`wal/reader/records.rs`), so
//! `TolerateCorruptedTail` refuses to open a database that lost only
//! unsynced bytes, every acknowledged write intact: the same bytes one page
//! later would have been called a torn tail. `docs/format/wal.md` says such
//! a page "is never read as a record of this one"; it is not read, but it
//! fails the open.

use std::path::Path;
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::{wal_files, RecoveryMode, WalOptions, WalWriter};
use ferrisdb_storage::{StorageEngine, SyncMode, WriteBatch};

mod common;

use common::{dir, fault_config, replace_file};

const PAGE: u64 = 4096;

/// Writes log `number` in `dir` on `fs` under `SyncMode::Full`: puts of
/// `key{ts}` at timestamps 1, 2, ..., the last of the first page's records
/// sized so that a record ends exactly at byte `PAGE`, then `extra` more
/// records. Returns the log's bytes.
fn log(fs: &FaultFileSystem, dir: &Path, number: u64, extra: u64) -> Vec<u8> {
    let writer = WalWriter::create(
        Arc::new(fs.clone()),
        dir,
        number,
        WalOptions {
            sync_mode: SyncMode::Full,
        },
    )
    .unwrap();
    let mut end = 24;
    let mut ts = 1;
    // Records of about 500 bytes until the next would pass the page.
    while end + 1100 < PAGE {
        let batch = WriteBatch::new()
            .put(format!("key{ts}"), vec![b'v'; 480])
            .clone();
        end = writer.append(&[&batch.encode(ts)]).unwrap().offset;
        ts += 1;
    }
    // The last record before the page boundary, sized to end on it: it
    // starts at `end` and claims `end` durable.
    let value_len = (0..1200)
        .find(|&len| {
            let batch = WriteBatch::new()
                .put(format!("key{ts}"), vec![b'v'; len])
                .clone();
            let prefix = 1 + varint_len(number) + varint_len(end);
            end + 7 + (prefix + batch.encode(ts).len()) as u64 == PAGE
        })
        .expect("some value length ends the record on the page boundary");
    let batch = WriteBatch::new()
        .put(format!("key{ts}"), vec![b'v'; value_len])
        .clone();
    let at = writer.append(&[&batch.encode(ts)]).unwrap().offset;
    assert_eq!(at, PAGE, "the last record ends on the page boundary");
    for _ in 0..extra {
        ts += 1;
        let batch = WriteBatch::new()
            .put(format!("key{ts}"), vec![b'v'; 480])
            .clone();
        writer.append(&[&batch.encode(ts)]).unwrap();
    }
    writer.flush().unwrap();
    // Its records: the file goes on in the zeros its syncs preallocated.
    let mut bytes = fs.read_all(&dir.join(format!("{number:06}.wal"))).unwrap();
    bytes.truncate(writer.end().offset as usize);
    drop(writer);
    bytes
}

fn varint_len(value: u64) -> usize {
    (64 - (value | 1).leading_zeros() as usize).div_ceil(7)
}

#[test]
fn a_stale_page_of_another_log_starting_at_a_record_boundary_is_a_torn_tail() {
    let fs = FaultFileSystem::new();
    // A few sessions, so logs have been retired before the live one.
    for _ in 0..3 {
        let db = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap();
        db.put("session", "x").unwrap();
        db.close().unwrap();
    }
    // The live session: the power goes before any close, so keep the
    // manifest of before it (a close records the sealed log's length there).
    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap();
    let manifest = dir().join("MANIFEST");
    let unclosed = fs.read_all(&manifest).unwrap();
    drop(db);
    replace_file(&fs, &manifest, &unclosed);
    let (number, path) = wal_files(&fs, &dir()).unwrap().pop().unwrap();
    fs.remove(&path).unwrap();
    // The live log: every record synced (SyncMode::Full acknowledged each),
    // ending exactly at byte 4096.
    let live = log(&fs, &dir(), number, 0);
    assert_eq!(live.len() as u64, PAGE);
    // A deleted log (an older log an earlier open retired), laid out alike,
    // with records past the page boundary.
    let other = FaultFileSystem::new();
    other.create_dir_all(Path::new("/old")).unwrap();
    let stale = log(&other, Path::new("/old"), number - 2, 12);
    assert!(stale.len() as u64 >= 2 * PAGE);

    // The power goes during the next write: the file grew by a page, and
    // the disk block behind it still holds the deleted log's bytes at the
    // same offsets. Every acknowledged byte is intact.
    let mut crashed = live.clone();
    crashed.extend_from_slice(&stale[PAGE as usize..2 * PAGE as usize]);
    let mut file = fs.create(&path).unwrap();
    file.append(&crashed).unwrap();
    file.sync().unwrap();
    drop(file);

    let db = match StorageEngine::open(fault_config(&fs, RecoveryMode::TolerateCorruptedTail)) {
        Ok(db) => db,
        Err(e) => panic!(
            "the default mode refused a crash that lost only unsynced bytes (a stale page of a \
             deleted log, starting at a record boundary, in the torn tail): {e}"
        ),
    };
    assert_eq!(db.get("session").unwrap().as_deref(), Some(&b"x"[..]));
    for ts in 1..=7 {
        assert!(db.get(format!("key{ts}")).unwrap().is_some(), "key{ts}");
    }
}
