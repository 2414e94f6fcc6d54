//! Bug (found by the review of issue 14): a table's metadata blocks
//! (properties, filter, index) were bounded only by the table's file size. A
//! sparse file costs nothing on disk, so a crafted table of 1 TiB whose footer
//! points a metadata block at most of the file made `TableReader::open`
//! (and so `StorageEngine::open` on a database listing it) allocate a
//! terabyte: the process aborted with "memory allocation of ... bytes failed"
//! instead of returning an error. The manifest has the same exposure and is
//! bounded by `MAX_FILE_LEN` before it is read
//! (`regression_crafted_files_overflow`,
//! `a_manifest_larger_than_any_manifest_is_not_read`); table metadata had no
//! such bound. Nor had data blocks: an index entry could claim a data block
//! of most of the file, allocated whole at its first read.
//!
//! Now every block has a limit derived from the format, which the writer
//! keeps to and the reader checks before it allocates: `MAX_INDEX_BLOCK_LEN`
//! (fixed32 restart offsets), `MAX_FILTER_BLOCK_LEN` (the writer gives a
//! filter of more keys fewer bits per key), `MAX_PROPERTIES_BLOCK_LEN` (two
//! keys of `MAX_KEY_SIZE`), and `MAX_UNCOMPRESSED_BLOCK_LEN` for data blocks.
//! A larger claim is a corruption error naming the table and the offset.
//!
//! This binary's allocator refuses any single allocation over 256 MiB, so the
//! failure is an abort at once rather than a machine out of memory.

mod capped_alloc;

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;

use capped_alloc::Capped;
use ferrisdb_core::coding::{put_fixed32, put_fixed64, put_varint64};
use ferrisdb_core::InternalKey;
use ferrisdb_storage::fs::{FaultFileSystem, FileSystem, OsFileSystem, SharedFileSystem};
use ferrisdb_storage::internals::sstable::format::{FORMAT_VERSION, TABLE_MAGIC};
use ferrisdb_storage::internals::sstable::{TableBuilder, TableOptions, TableReader};
use ferrisdb_storage::Operation;

#[global_allocator]
static ALLOCATOR: Capped = Capped;

const SPARSE_LEN: u64 = 1 << 40;
const FOOTER_LEN: u64 = 64;
const TRAILER_LEN: u64 = 5;

/// The bytes of a real table of a few entries, in one data block.
fn small_table() -> Vec<u8> {
    small_table_and_reader().0
}

fn small_table_and_reader() -> (Vec<u8>, Arc<TableReader>) {
    let fs = FaultFileSystem::new();
    fs.create_dir_all(Path::new("/t")).unwrap();
    let shared: SharedFileSystem = Arc::new(fs.clone());
    let mut writer = TableBuilder::create(
        Arc::clone(&shared),
        "/t/000001.sst",
        TableOptions::default(),
    )
    .unwrap();
    for i in 0..10u64 {
        writer
            .add(
                &InternalKey::new(format!("key{i}"), 100 - i),
                Operation::Put,
                b"value",
            )
            .unwrap();
    }
    writer.finish().unwrap();
    let reader = TableReader::open(&shared, "/t/000001.sst", None).unwrap();
    assert_eq!(reader.index().len(), 1);
    (fs.read_all(Path::new("/t/000001.sst")).unwrap(), reader)
}

/// A sparse table file of 1 TiB: `table`'s blocks at the start, its footer
/// at the end with handle `which` (0 index, 1 filter, 2 properties) grown to
/// reach the footer. Every check the footer makes passes, and the checksum
/// is good; the block's own checksum is never reached.
fn sparse_table(dir: &Path, which: usize) -> std::path::PathBuf {
    let table = small_table();
    let footer_at = table.len() - FOOTER_LEN as usize;
    let mut footer = table[footer_at..].to_vec();
    let sparse_footer_at = SPARSE_LEN - FOOTER_LEN;
    let field = which * 16;
    let offset = u64::from_le_bytes(footer[field..field + 8].try_into().unwrap());
    let size = sparse_footer_at - offset - TRAILER_LEN;
    footer[field + 8..field + 16].copy_from_slice(&size.to_le_bytes());
    let crc = crc32fast::hash(&footer[..60]);
    footer[60..].copy_from_slice(&crc.to_le_bytes());

    let path = dir.join("000001.sst");
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(&table[..footer_at]).unwrap();
    file.set_len(SPARSE_LEN).unwrap();
    file.seek(SeekFrom::Start(sparse_footer_at)).unwrap();
    file.write_all(&footer).unwrap();
    path
}

/// Appends `contents` as a stored block (uncompressed, with its trailer) at
/// `offset`; returns its handle as the footer holds it.
fn stored_block(out: &mut Vec<u8>, offset: u64, contents: &[u8]) -> [u64; 2] {
    let start = out.len();
    out.extend_from_slice(contents);
    out.push(0);
    let crc = crc32fast::hash(&out[start..]);
    put_fixed32(out, crc);
    [offset, contents.len() as u64]
}

/// A sparse table file of 1 TiB whose one data block, by its index entry,
/// fills the first half of the file: the index, the properties (whose data
/// size agrees) and the footer are consistent and their checksums good.
fn sparse_data_block_table(dir: &Path) -> std::path::PathBuf {
    let (table, reader) = small_table_and_reader();
    let data_size = SPARSE_LEN / 2;
    let block = [0, data_size - TRAILER_LEN];

    // The metadata blocks, at `data_size`: the filter as it was, then an
    // index of one entry, then the properties.
    let mut meta = Vec::new();
    let filter = reader.footer().filter;
    let filter_bytes = &table[filter.offset as usize..(filter.offset + filter.size) as usize];
    let filter_handle = stored_block(&mut meta, data_size, filter_bytes);

    let last = &reader.index()[0].last_key;
    let mut handle = Vec::new();
    put_varint64(&mut handle, block[0]);
    put_varint64(&mut handle, block[1]);
    let mut index = Vec::new();
    put_varint64(&mut index, 0);
    put_varint64(&mut index, last.user_key.len() as u64);
    put_varint64(&mut index, handle.len() as u64);
    index.extend_from_slice(&last.user_key);
    put_fixed64(&mut index, last.timestamp);
    index.push(1); // Put
    index.extend_from_slice(&handle);
    put_fixed32(&mut index, 0);
    put_fixed32(&mut index, 1);
    let at = data_size + meta.len() as u64;
    let index_handle = stored_block(&mut meta, at, &index);

    let p = reader.properties();
    let mut props = Vec::new();
    put_varint64(&mut props, p.entry_count);
    put_varint64(&mut props, p.tombstone_count);
    put_varint64(&mut props, p.key_count);
    p.smallest_key.encode_into(&mut props);
    p.largest_key.encode_into(&mut props);
    put_fixed64(&mut props, p.min_timestamp);
    put_fixed64(&mut props, p.max_timestamp);
    for v in [
        p.raw_key_size,
        p.raw_value_size,
        1,
        data_size,
        index_handle[1] + TRAILER_LEN,
        filter_handle[1] + TRAILER_LEN,
    ] {
        put_varint64(&mut props, v);
    }
    let at = data_size + meta.len() as u64;
    let props_handle = stored_block(&mut meta, at, &props);

    let mut footer = Vec::new();
    for [offset, size] in [index_handle, filter_handle, props_handle] {
        put_fixed64(&mut footer, offset);
        put_fixed64(&mut footer, size);
    }
    put_fixed32(&mut footer, FORMAT_VERSION);
    put_fixed64(&mut footer, TABLE_MAGIC);
    let crc = crc32fast::hash(&footer);
    put_fixed32(&mut footer, crc);

    let path = dir.join("000001.sst");
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(&table[..reader.properties().data_size as usize])
        .unwrap();
    file.set_len(SPARSE_LEN).unwrap();
    file.seek(SeekFrom::Start(data_size)).unwrap();
    file.write_all(&meta).unwrap();
    file.seek(SeekFrom::Start(SPARSE_LEN - FOOTER_LEN)).unwrap();
    file.write_all(&footer).unwrap();
    path
}

fn assert_refused(which: usize, name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = sparse_table(dir.path(), which);
    assert_path_refused(&path, name);
}

fn assert_path_refused(path: &Path, name: &str) {
    let fs: SharedFileSystem = Arc::new(OsFileSystem);
    match TableReader::open(&fs, path, None) {
        Err(e) => {
            assert!(e.is_corruption(), "{name}: {e}");
            assert!(e.to_string().contains("000001.sst"), "{name}: {e}");
        }
        Ok(_) => panic!("{name}: a 1 TiB {name} block opened"),
    }
}

#[test]
fn a_sparse_table_whose_properties_block_fills_it() {
    assert_refused(2, "properties");
}

#[test]
fn a_sparse_table_whose_filter_block_fills_it() {
    assert_refused(1, "filter");
}

#[test]
fn a_sparse_table_whose_index_block_fills_it() {
    assert_refused(0, "index");
}

#[test]
fn a_sparse_table_whose_data_block_fills_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = sparse_data_block_table(dir.path());
    assert_path_refused(&path, "data");
}
