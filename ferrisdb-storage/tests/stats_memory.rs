//! `stats()` reports where the engine's memory is: the block cache's usage
//! and capacity, and the open tables' indexes and filters.
//! - each flushed table opened adds its index and filter bytes, and a table
//!   the table cache closes (`max_open_files`) takes them out again;
//! - reads fill the block cache, never past its capacity.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{CompressionType, StorageConfig, StorageEngine};

const CACHE: usize = 256 << 10;

fn open(fs: &FaultFileSystem, max_open_files: usize) -> StorageEngine {
    StorageEngine::open(StorageConfig {
        compression: CompressionType::None,
        block_cache_size: CACHE,
        max_open_files,
        disable_auto_compactions: true,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    })
    .unwrap()
}

/// Writes 2000 keys with prefix `table` and flushes them into one table.
fn write_table(db: &StorageEngine, table: usize) {
    for i in 0..2000 {
        db.put(format!("t{table}-key{i:05}"), [b'v'; 200]).unwrap();
    }
    db.flush().unwrap();
}

#[test]
fn table_readers_and_the_block_cache_report_their_memory() {
    let fs = FaultFileSystem::new();
    let db = open(&fs, 1000);
    let empty = db.stats();
    assert_eq!(empty.block_cache_capacity, CACHE);
    assert_eq!((empty.block_cache_usage, empty.table_reader_bytes), (0, 0));

    write_table(&db, 0);
    let one = db.stats();
    assert_eq!(one.open_table_files, 1);
    // 2000 keys: a filter of about 2500 bytes at 10 bits a key, and a last
    // key per data block.
    assert!(
        (2500..64 << 10).contains(&one.table_reader_bytes),
        "{}",
        one.table_reader_bytes
    );
    write_table(&db, 1);
    let two = db.stats();
    assert_eq!(two.open_table_files, 2);
    assert!(two.table_reader_bytes > one.table_reader_bytes);

    // Reads load blocks: the cache grows, up to its capacity (the tables
    // hold some 900 KiB of blocks, more than the cache).
    let mut previous = two.block_cache_usage;
    for (step, i) in (0..2000).step_by(20).enumerate() {
        for table in 0..2 {
            let value = db.get(format!("t{table}-key{i:05}")).unwrap();
            assert!(value.is_some());
        }
        let stats = db.stats();
        assert!(stats.block_cache_usage <= CACHE, "{stats}");
        if step < 10 {
            assert!(stats.block_cache_usage > previous, "{stats}");
        }
        previous = stats.block_cache_usage;
    }
    let read = db.stats();
    assert!(read.block_cache_usage > CACHE / 2, "{read}");
    assert_eq!(
        read.memory_bytes(),
        read.memtable_bytes + read.block_cache_usage + read.table_reader_bytes
    );
}

#[test]
fn closed_tables_no_longer_count() {
    let fs = FaultFileSystem::new();
    let db = open(&fs, 1);
    write_table(&db, 0);
    let one = db.stats().table_reader_bytes;
    assert!(one > 0);
    for table in 1..4 {
        write_table(&db, table);
    }
    let stats = db.stats();
    assert_eq!(stats.open_table_files, 1);
    // One table open of four alike: about one table's bytes.
    assert!(stats.table_reader_bytes < one * 3 / 2, "{stats}");
}
