//! Bug: `StorageConfig` accepted `max_key_size` and `max_value_size` up to
//! 1 GiB, but a table block holds entries of at most 32 MiB. A `put` of a
//! 40 MiB value under `max_value_size = 64 MiB` was acknowledged, its flush
//! failed, and every later `open` failed replaying the log into a table: the
//! database never opened again.
//!
//! Now every limit comes from the table format: `open` refuses settings above
//! `MAX_KEY_SIZE` and `MAX_VALUE_SIZE`, and an entry of exactly those sizes is
//! flushed, compacted and read back.

mod reliability;

use std::path::Path;
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, SharedFileSystem};
use ferrisdb_storage::internals::sstable::{TableBuilder, TableOptions, TableReader};
use ferrisdb_storage::{
    CompressionType, Error, Operation, StorageConfig, StorageEngine, MAX_KEY_SIZE, MAX_VALUE_SIZE,
};
use reliability::{config, fresh_fs};

#[test]
fn open_refuses_a_value_limit_no_table_can_hold() {
    let fs = fresh_fs();
    let result = StorageEngine::open(StorageConfig {
        max_value_size: 64 << 20,
        ..config(&fs)
    });
    match result {
        Err(Error::InvalidArgument(message)) => {
            assert!(message.contains("max_value_size"), "{message}");
        }
        Err(other) => panic!("expected InvalidArgument naming max_value_size, got {other}"),
        Ok(db) => {
            // What the base did: accept the 40 MiB value of the issue, then
            // fail to flush it, and never open again.
            let accepted = db.put("big", vec![b'v'; 40 << 20]);
            let flushed = db.flush();
            drop(db);
            let reopened = StorageEngine::open(StorageConfig {
                max_value_size: 64 << 20,
                ..config(&fs)
            });
            panic!(
                "open accepted max_value_size = 64 MiB: put {:?}, flush {:?}, reopen {:?}",
                accepted.map(drop),
                flushed,
                reopened.map(drop)
            );
        }
    }
}

#[test]
fn open_refuses_a_key_limit_no_table_can_hold() {
    let fs = fresh_fs();
    let err = StorageEngine::open(StorageConfig {
        max_key_size: MAX_KEY_SIZE + 1,
        ..config(&fs)
    })
    .expect_err("open accepted a key limit above MAX_KEY_SIZE");
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    assert!(err.to_string().contains("max_key_size"), "{err}");
}

#[test]
fn the_largest_entry_accepted_is_flushed_compacted_and_read_back() {
    let fs = fresh_fs();
    let limits = || StorageConfig {
        max_key_size: MAX_KEY_SIZE,
        max_value_size: MAX_VALUE_SIZE,
        ..config(&fs)
    };
    // Every MiB of the value starts with its own number, so a shifted or
    // mixed-up piece is caught; filling it byte by byte would take a second
    // in a debug build.
    let key = vec![b'k'; MAX_KEY_SIZE];
    let mut value = vec![b'v'; MAX_VALUE_SIZE];
    for (i, piece) in value.chunks_mut(1 << 20).enumerate() {
        piece[0] = i as u8;
    }
    *value.last_mut().unwrap() = b'!';
    {
        let db = StorageEngine::open(limits()).unwrap();
        db.put(&key, &value).unwrap();
        db.flush().unwrap();
        db.compact().unwrap();
        assert_eq!(db.get(&key).unwrap().as_deref(), Some(&value[..]));
    }
    let db = StorageEngine::open(limits()).unwrap_or_else(|e| panic!("reopen failed: {e}"));
    assert_eq!(db.get(&key).unwrap().as_deref(), Some(&value[..]));
    assert_eq!(db.live_tables().len(), 1);
}

#[test]
fn the_largest_entry_compressed_reads_back() {
    // The most compressible entry: LZ4 shrinks it about 255 times, and the
    // reader bounds what a compressed block may claim by both the block limit
    // and 256 times its compressed size.
    let fs: SharedFileSystem = Arc::new(FaultFileSystem::new());
    fs.create_dir_all(Path::new("/t")).unwrap();
    let options = TableOptions {
        compression: CompressionType::Lz4,
        ..TableOptions::default()
    };
    let mut writer = TableBuilder::create(fs.clone(), "/t/000001.sst", options).unwrap();
    let key = vec![b'k'; MAX_KEY_SIZE];
    let value = vec![b'v'; MAX_VALUE_SIZE];
    writer.add_parts(&key, 1, Operation::Put, &value).unwrap();
    let meta = writer.finish().unwrap();
    // The index and the properties hold the key three times, uncompressed.
    assert!(
        meta.file_size < 4 * MAX_KEY_SIZE as u64,
        "the block was not compressed: {} bytes",
        meta.file_size
    );
    let reader = TableReader::open(&fs, "/t/000001.sst", None).unwrap();
    let entry = reader.get(&key, 1).unwrap().expect("the entry");
    assert!(entry.value == value);
}
