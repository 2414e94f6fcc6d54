//! `ReadOptions` change how one read uses the block cache and checks what it
//! reads, and nothing else:
//! - `fill_cache: false` reads a table without adding its blocks to the
//!   cache (a later default read misses and loads them);
//! - `verify_checksums: false` skips a data block's CRC, so a flipped byte in
//!   a value reads back flipped instead of failing, while the default read of
//!   the same block fails with a checksum error naming the table.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{CompressionType, Error, ReadOptions, StorageConfig, StorageEngine};

/// An engine whose tables store values as they are, so a test can find one.
fn open(fs: &FaultFileSystem) -> StorageEngine {
    StorageEngine::open(StorageConfig {
        compression: CompressionType::None,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    })
    .unwrap()
}

#[test]
fn fill_cache_off_leaves_the_cache_as_it_was() {
    let fs = FaultFileSystem::new();
    let db = open(&fs);
    for i in 0..200 {
        db.put(format!("key{i:03}"), format!("value{i:03}"))
            .unwrap();
    }
    db.flush().unwrap();
    let cold = ReadOptions {
        fill_cache: false,
        ..ReadOptions::default()
    };

    let before = db.stats();
    assert_eq!(
        db.get_opt("key007", &cold).unwrap(),
        Some("value007".into())
    );
    let scanned = db.iter_opt(&cold).unwrap().count();
    assert_eq!(scanned, 200);
    let after_cold = db.stats();
    assert_eq!(
        after_cold.block_cache_hits, before.block_cache_hits,
        "nothing was cached, so nothing could hit"
    );

    // The first default read still misses: the cold reads cached nothing.
    assert_eq!(db.get("key007").unwrap(), Some("value007".into()));
    let first = db.stats();
    assert_eq!(first.block_cache_misses, after_cold.block_cache_misses + 1);
    // The second hits the block the first one cached.
    assert_eq!(db.get("key007").unwrap(), Some("value007".into()));
    let second = db.stats();
    assert_eq!(second.block_cache_hits, first.block_cache_hits + 1);
    assert_eq!(second.block_cache_misses, first.block_cache_misses);
}

#[test]
fn verify_checksums_off_reads_a_damaged_block_that_the_default_refuses() {
    let fs = FaultFileSystem::new();
    let db = open(&fs);
    db.put("key", "value-value-value").unwrap();
    db.flush().unwrap();
    let table = db.live_tables().remove(0);
    let path = std::path::Path::new("/db").join(format!("{:06}.sst", table.file_number));
    // Flip a byte inside the value (stored as is: `open` turns compression
    // off): the block still decodes, only its checksum tells.
    let bytes = read_file(&fs, &path);
    let offset = find(&bytes, b"value-value-value").expect("the value is stored uncompressed") + 6;
    fs.corrupt_reads(&path, offset as u64);

    let err = db.get("key").unwrap_err();
    assert!(
        matches!(&err, Error::ChecksumMismatch { file, .. } if file == &path),
        "{err}"
    );
    let trusting = ReadOptions {
        verify_checksums: false,
        ..ReadOptions::default()
    };
    let value = db
        .get_opt("key", &trusting)
        .unwrap()
        .expect("the key is there");
    assert_eq!(value.len(), "value-value-value".len());
    assert_ne!(
        value, "value-value-value",
        "the flipped byte reads back flipped"
    );
    assert_eq!(&value[..6], b"value-");
    // The unchecked block did not enter the cache: a checked read still
    // reads the file, and still refuses it.
    let err = db.get("key").unwrap_err();
    assert!(matches!(err, Error::ChecksumMismatch { .. }), "{err}");
}

fn read_file(fs: &FaultFileSystem, path: &std::path::Path) -> Vec<u8> {
    use ferrisdb_storage::fs::FileSystem;
    let file = fs.open(path).unwrap();
    let mut bytes = vec![0; usize::try_from(file.len()).unwrap()];
    file.read_exact_at(0, &mut bytes).unwrap();
    bytes
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
