//! `verify` names each damaged file with the offset of its damage, and
//! only those: a data block of a table, a record in the middle of a sealed
//! log, a record of the log being written, a truncated table, a missing
//! manifest, two damaged files at once. The database stays open and
//! readable where it is whole.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem, SharedFileSystem};
use ferrisdb_storage::internals::wal::format::FILE_HEADER_SIZE;
use ferrisdb_storage::sstable::TableReader;
use ferrisdb_storage::{Damage, StorageEngine, VerifyReport};

mod common;
mod verify_common;

use common::{dir, log_paths, log_records, replace_file};
use verify_common::{populated, table_paths};

/// The one damage of `report`, which must name `file`.
fn only_damage(report: &VerifyReport, file: &Path) -> Damage {
    assert_eq!(report.damage.len(), 1, "{report}");
    let damage = report.damage[0].clone();
    assert_eq!(damage.file, file, "{report}");
    damage
}

/// The offset of the second data block of the table at `path`.
fn second_block(fs: &FaultFileSystem, path: &Path) -> u64 {
    let shared: SharedFileSystem = Arc::new(fs.clone());
    let table = TableReader::open(&shared, path, None).unwrap();
    assert!(table.index().len() >= 2, "{} blocks", table.index().len());
    table.index()[1].handle.offset
}

/// The table with the most data blocks.
fn largest_table(fs: &FaultFileSystem, db: &StorageEngine) -> PathBuf {
    table_paths(db)
        .into_iter()
        .max_by_key(|p| fs.read_all(p).unwrap().len())
        .unwrap()
}

#[test]
fn a_damaged_data_block_is_named_with_its_offset() {
    let fs = FaultFileSystem::new();
    let db = populated(&fs);
    let table = largest_table(&fs, &db);
    let block = second_block(&fs, &table);
    fs.corrupt_reads(&table, block + 3);
    let report = db.verify().unwrap();
    let damage = only_damage(&report, &table);
    assert_eq!(damage.offset, block, "{report}");
    assert!(damage.reason.contains("checksum"), "{report}");
    // Every other table and every log was read.
    assert_eq!(report.tables, table_paths(&db).len(), "{report}");
    assert_eq!(report.logs, log_paths(&fs).len(), "{report}");
}

#[test]
fn a_damaged_record_of_a_sealed_log_is_named() {
    let fs = FaultFileSystem::new();
    let db = populated(&fs);
    let logs = log_paths(&fs);
    assert!(logs.len() >= 3, "{logs:?}");
    let sealed = &logs[1];
    let len = log_records(&fs, sealed).len() as u64;
    let at = FILE_HEADER_SIZE as u64 + (len - FILE_HEADER_SIZE as u64) / 2;
    fs.corrupt_reads(sealed, at);
    let report = db.verify().unwrap();
    let damage = only_damage(&report, sealed);
    assert!(
        damage.offset <= at && damage.offset >= FILE_HEADER_SIZE as u64,
        "{report}"
    );
}

#[test]
fn a_damaged_record_of_the_log_being_written_is_named() {
    let fs = FaultFileSystem::new();
    let db = populated(&fs);
    let hot = db.keyspace("hot").unwrap();
    for i in 0..20 {
        hot.put(format!("z{i:02}"), "in the last log").unwrap();
    }
    db.sync_wal().unwrap();
    let newest = log_paths(&fs).pop().unwrap();
    let len = log_records(&fs, &newest).len() as u64;
    assert!(len > FILE_HEADER_SIZE as u64 + 100, "{len}");
    fs.corrupt_reads(&newest, len - 30);
    let report = db.verify().unwrap();
    let damage = only_damage(&report, &newest);
    assert!(damage.offset <= len - 30, "{report}");
}

#[test]
fn a_truncated_table_is_named() {
    let fs = FaultFileSystem::new();
    let db = populated(&fs);
    let table = largest_table(&fs, &db);
    let bytes = fs.read_all(&table).unwrap();
    replace_file(&fs, &table, &bytes[..bytes.len() / 2]);
    let report = db.verify().unwrap();
    only_damage(&report, &table);
    // The table cache's reader still serves reads of what it had cached;
    // verify read the file as it is on disk.
}

#[test]
fn a_missing_manifest_is_named() {
    let fs = FaultFileSystem::new();
    let db = populated(&fs);
    let manifest = dir().join("MANIFEST");
    fs.remove(&manifest).unwrap();
    let report = db.verify().unwrap();
    let damage = only_damage(&report, &manifest);
    assert!(damage.reason.contains("missing"), "{report}");
}

#[test]
fn two_damaged_files_are_both_named() {
    let fs = FaultFileSystem::new();
    let db = populated(&fs);
    let tables = table_paths(&db);
    let truncated = &tables[0];
    let bytes = fs.read_all(truncated).unwrap();
    replace_file(&fs, truncated, &bytes[..bytes.len() - 1]);
    let sealed = log_paths(&fs)[0].clone();
    fs.corrupt_reads(&sealed, FILE_HEADER_SIZE as u64 + 5);
    let report = db.verify().unwrap();
    let mut named: Vec<&Path> = report.damage.iter().map(|d| d.file.as_path()).collect();
    named.sort();
    let mut want = vec![truncated.as_path(), sealed.as_path()];
    want.sort();
    assert_eq!(named, want, "{report}");
    // Reads of undamaged data still work.
    assert!(db.keyspace("cold").unwrap().get("c0").unwrap().is_some());
}
