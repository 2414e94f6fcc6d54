//! Bug: numbers and lengths read from crafted files were trusted. A log named
//! `18446744073709551615.wal` overflowed the next file number at open; a
//! manifest could put a table at level `u32::MAX` (a vector of four billion
//! levels), claim the largest file number or timestamp (the counters wrapped,
//! so new files reused old names and new writes sorted below old ones),
//! record table sizes whose sum overflowed in compaction and stats, or claim
//! more tables than its bytes could hold; a manifest was read whole
//! before its size was checked; and a table could claim more data than its
//! file holds, so reading a block allocated what the table claimed.
//!
//! Each is now an error naming the file, found before anything is allocated.
//! This binary's allocator refuses any single allocation over 256 MiB, so a
//! huge allocation aborts the test instead of exhausting the machine.

mod reliability;

mod capped_alloc;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use capped_alloc::Capped;
use ferrisdb_core::coding::{put_fixed32, put_fixed64, put_varint64};
use ferrisdb_core::InternalKey;
use ferrisdb_storage::fs::{FaultFileSystem, FileSystem, OsFileSystem};
use ferrisdb_storage::internals::filename::MANIFEST_FILE_NAME;
use ferrisdb_storage::internals::manifest::{self, format as mf};
use ferrisdb_storage::internals::sstable::{TableBuilder, TableOptions, TableReader};
use ferrisdb_storage::internals::wal::{WalHeader, WalOptions, WalWriter};
use ferrisdb_storage::{Operation, StorageEngine, WriteBatch};
use reliability::{db_dir, fresh_fs, open, open_without_compactions};

#[global_allocator]
static ALLOCATOR: Capped = Capped;

/// A database on `fs` holding one flushed table, closed.
fn database_with_a_table() -> FaultFileSystem {
    let fs = fresh_fs();
    let db = open(&fs).unwrap();
    db.put("k", "v").unwrap();
    db.flush().unwrap();
    db.close().unwrap();
    fs
}

/// Asserts that `result` is a corruption error naming `file`; on success,
/// uses the database (a write, then a read) and reports what happened.
fn assert_refused(result: ferrisdb_storage::Result<StorageEngine>, file: &Path) {
    match result {
        Err(e) => {
            assert!(e.is_corruption(), "expected corruption, got {e}");
            assert!(
                e.to_string().contains(&file.display().to_string()),
                "the error does not name {}: {e}",
                file.display()
            );
        }
        Ok(db) => {
            let put = db.put("after", "open");
            let get = db.get("k");
            let stats = db.stats();
            panic!(
                "open accepted {}: then put gave {put:?}, get gave {get:?}, stats {stats:?}",
                file.display()
            );
        }
    }
}

/// Replaces the manifest of the database on `fs` with `change(manifest)`.
fn rewrite_manifest(fs: &FaultFileSystem, change: impl FnOnce(&mut manifest::ManifestState)) {
    let mut state = manifest::load(fs, &db_dir()).unwrap().unwrap();
    change(&mut state);
    manifest::store(fs, &db_dir(), &state).unwrap();
}

fn manifest_path() -> PathBuf {
    db_dir().join(MANIFEST_FILE_NAME)
}

#[test]
fn logs_named_with_the_largest_file_numbers() {
    for number in [u64::MAX, u64::MAX - 1] {
        let fs = database_with_a_table();
        let name = db_dir().join(format!("{number}.wal"));
        let mut file = fs.create(&name).unwrap();
        file.append(&WalHeader::new(number).encode()).unwrap();
        file.sync().unwrap();
        drop(file);
        fs.sync_dir(&db_dir()).unwrap();
        assert_refused(open(&fs), &name);
    }
}

#[test]
fn a_table_named_with_the_largest_file_number() {
    let fs = database_with_a_table();
    let name = db_dir().join(format!("{}.sst", u64::MAX));
    fs.create(&name).unwrap().sync().unwrap();
    fs.sync_dir(&db_dir()).unwrap();
    assert_refused(open(&fs), &name);
}

#[test]
fn a_manifest_with_the_largest_next_file_number() {
    let fs = database_with_a_table();
    rewrite_manifest(&fs, |state| state.next_file_number = u64::MAX);
    assert_refused(open(&fs), &manifest_path());
}

#[test]
fn a_manifest_table_at_a_level_the_engine_does_not_have() {
    // Levels are 0 ..= 6 (`compaction::NUM_LEVELS` = 7).
    for level in [u32::MAX, 7] {
        let fs = database_with_a_table();
        rewrite_manifest(&fs, |state| state.tables[0].level = level);
        assert_refused(open(&fs), &manifest_path());
    }
}

#[test]
fn a_manifest_recording_table_sizes_whose_sum_overflows() {
    let fs = database_with_a_table();
    // No compaction may merge the two tables before the manifest is read.
    let db = open_without_compactions(&fs).unwrap();
    db.put("k2", "v").unwrap();
    db.flush().unwrap();
    db.close().unwrap();
    let mut first = 0;
    rewrite_manifest(&fs, |state| {
        assert_eq!(state.tables.len(), 2);
        for table in &mut state.tables {
            table.file_size = 1 << 63;
        }
        first = state.tables[0].file_number;
    });
    assert_refused(open(&fs), &db_dir().join(format!("{first:06}.sst")));
}

#[test]
fn a_manifest_with_the_largest_timestamp() {
    let fs = database_with_a_table();
    rewrite_manifest(&fs, |state| state.last_timestamp = u64::MAX);
    assert_refused(open(&fs), &manifest_path());
}

#[test]
fn a_log_record_with_the_largest_timestamp() {
    let fs = database_with_a_table();
    let number = 1_000;
    let writer = WalWriter::create(
        Arc::new(fs.clone()),
        db_dir(),
        number,
        WalOptions::default(),
    )
    .unwrap();
    writer
        .append(&[&WriteBatch::new().put("k", "from the log").encode(u64::MAX)])
        .unwrap();
    writer.close().unwrap();
    fs.sync_dir(&db_dir()).unwrap();
    assert_refused(open(&fs), &db_dir().join("001000.wal"));
}

#[test]
fn a_manifest_claiming_more_tables_than_its_bytes_hold() {
    let fs = database_with_a_table();
    // A body of 4 MiB whose table count is its length: every table takes
    // far more than one byte, so the count is damage.
    let mut body = vec![0; mf::FEATURE_FLAGS_LEN]; // no features
    put_varint64(&mut body, 10); // next file number
    put_varint64(&mut body, 0); // log number
    put_fixed64(&mut body, 0); // last timestamp
    let zeros = 4 << 20;
    put_varint64(&mut body, zeros as u64);
    body.resize(body.len() + zeros, 0);
    let mut bytes = mf::MAGIC.to_vec();
    put_fixed32(&mut bytes, mf::FORMAT_VERSION);
    put_fixed32(&mut bytes, body.len() as u32);
    bytes.extend_from_slice(&body);
    let crc = crc32fast::hash(&bytes);
    put_fixed32(&mut bytes, crc);
    let mut file = fs.create(&manifest_path()).unwrap();
    file.append(&bytes).unwrap();
    file.sync().unwrap();
    drop(file);
    assert_refused(open(&fs), &manifest_path());
}

#[test]
fn a_manifest_larger_than_any_manifest_is_not_read() {
    // A sparse file of 1 TiB with a manifest header: nothing is allocated for
    // it, but reading it whole would take a terabyte.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(MANIFEST_FILE_NAME);
    let mut header = mf::MAGIC.to_vec();
    put_fixed32(&mut header, mf::FORMAT_VERSION);
    put_fixed32(&mut header, u32::MAX);
    std::fs::write(&path, &header).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(1 << 40)
        .unwrap();
    let err = manifest::load(&OsFileSystem, dir.path()).unwrap_err();
    assert!(err.is_corruption(), "{err}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}

/// A stored block: `contents`, compression byte 0, CRC32.
fn stored_block(contents: &[u8]) -> Vec<u8> {
    let mut block = contents.to_vec();
    block.push(0);
    let crc = crc32fast::hash(&block);
    put_fixed32(&mut block, crc);
    block
}

#[test]
fn a_table_whose_data_runs_past_its_file() {
    // A real table of one entry, `k@1 = v`, whose index and properties are
    // rewritten (with good checksums) to claim 1 TiB of data.
    let fs = FaultFileSystem::new();
    fs.create_dir_all(&db_dir()).unwrap();
    let path = db_dir().join("000001.sst");
    let shared: ferrisdb_storage::fs::SharedFileSystem = Arc::new(fs.clone());
    let mut writer = TableBuilder::create(shared.clone(), &path, TableOptions::default()).unwrap();
    writer
        .add(&InternalKey::new("k", 1), Operation::Put, b"v")
        .unwrap();
    let meta = writer.finish().unwrap();
    let bytes = fs.read_all(&path).unwrap();
    let footer = &bytes[bytes.len() - 64..];
    let field = |at: usize| u64::from_le_bytes(footer[at..at + 8].try_into().unwrap());
    let (filter_offset, filter_size) = (field(16) as usize, field(24) as usize);
    let claimed: u64 = 1 << 40;

    let mut table = bytes[..filter_offset + filter_size + 5].to_vec();
    let mut index = vec![0, 1];
    let mut handle = Vec::new();
    put_varint64(&mut handle, 0);
    put_varint64(&mut handle, claimed - 5);
    index.push(handle.len() as u8);
    index.push(b'k');
    put_fixed64(&mut index, 1);
    index.push(Operation::Put.as_byte());
    index.extend_from_slice(&handle);
    put_fixed32(&mut index, 0);
    put_fixed32(&mut index, 1);
    let index_offset = table.len();
    table.extend_from_slice(&stored_block(&index));

    let mut props = Vec::new();
    for count in [1, 0, 1] {
        put_varint64(&mut props, count);
    }
    for _ in 0..2 {
        put_varint64(&mut props, 1);
        props.push(b'k');
        put_fixed64(&mut props, 1);
    }
    put_fixed64(&mut props, 1);
    put_fixed64(&mut props, 1);
    let p = &meta.properties;
    for v in [
        p.raw_key_size,
        p.raw_value_size,
        1,
        claimed,
        p.index_size,
        p.filter_size,
    ] {
        put_varint64(&mut props, v);
    }
    let props_offset = table.len();
    table.extend_from_slice(&stored_block(&props));

    let mut new_footer = Vec::new();
    for (offset, size) in [
        (index_offset, index.len()),
        (filter_offset, filter_size),
        (props_offset, props.len()),
    ] {
        put_fixed64(&mut new_footer, offset as u64);
        put_fixed64(&mut new_footer, size as u64);
    }
    new_footer.extend_from_slice(&footer[48..60]);
    let crc = crc32fast::hash(&new_footer);
    put_fixed32(&mut new_footer, crc);
    table.extend_from_slice(&new_footer);
    let mut file = fs.create(&path).unwrap();
    file.append(&table).unwrap();
    drop(file);

    match TableReader::open(&shared, &path, None) {
        Err(e) => {
            assert!(e.is_corruption(), "{e}");
            assert!(e.to_string().contains("000001.sst"), "{e}");
        }
        Ok(reader) => {
            let got = reader.get(b"k", u64::MAX);
            panic!(
                "opened a table claiming 1 TiB of data in {} bytes; get gave {got:?}",
                table.len()
            );
        }
    }
}
