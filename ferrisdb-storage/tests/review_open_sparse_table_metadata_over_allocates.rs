//! Review finding: a table's metadata blocks (properties, filter, index) are
//! bounded only by the table's file size. A sparse file costs nothing on
//! disk, so a crafted table of 1 TiB whose footer points a metadata block at
//! most of the file makes `SSTableReader::open` (and so `StorageEngine::open`
//! on a database listing it) allocate a terabyte: the process aborts with
//! "memory allocation of ... bytes failed" instead of returning an error.
//! The manifest has the same exposure and is bounded by `MAX_FILE_LEN`
//! before it is read (`regression_crafted_files_overflow`,
//! `a_manifest_larger_than_any_manifest_is_not_read`); table metadata has no
//! such bound.
//!
//! This binary's allocator refuses any single allocation over 256 MiB, so the
//! failure is an abort at once rather than a machine out of memory.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem, OsFileSystem, SharedFileSystem};
use ferrisdb_storage::sstable::{SSTableReader, SSTableWriter, TableOptions};
use ferrisdb_storage::{InternalKey, Operation};

const ALLOCATION_CAP: usize = 256 << 20;

struct Capped;

// SAFETY: every call is forwarded to `System` unchanged, or refused with a
// null pointer, which `GlobalAlloc` allows.
unsafe impl GlobalAlloc for Capped {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > ALLOCATION_CAP {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller upholds `alloc`'s contract, passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() > ALLOCATION_CAP {
            return std::ptr::null_mut();
        }
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > ALLOCATION_CAP {
            return std::ptr::null_mut();
        }
        // SAFETY: `ptr` came from `System` through this allocator; the
        // caller upholds the rest of `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Capped = Capped;

const SPARSE_LEN: u64 = 1 << 40;
const FOOTER_LEN: u64 = 64;
const TRAILER_LEN: u64 = 5;

/// The bytes of a real table of a few entries.
fn small_table() -> Vec<u8> {
    let fs = FaultFileSystem::new();
    fs.create_dir_all(Path::new("/t")).unwrap();
    let shared: SharedFileSystem = Arc::new(fs.clone());
    let mut writer =
        SSTableWriter::create(shared, "/t/000001.sst", TableOptions::default()).unwrap();
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
    fs.read_all(Path::new("/t/000001.sst")).unwrap()
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

fn assert_refused(which: usize, name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = sparse_table(dir.path(), which);
    let fs: SharedFileSystem = Arc::new(OsFileSystem);
    match SSTableReader::open(&fs, &path, None) {
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
