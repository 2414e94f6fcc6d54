//! A synced write into the log's preallocated room sends about one page
//! toward the disk, as an appended one does.
//!
//! The bug: the room's zeros were written 64 KiB at a time. Linux's page
//! cache (ext4 with large folios, 6.x) sizes a folio by the write that
//! creates it, and `fdatasync` writes back every dirty folio whole, so each
//! synced record of a hundred-odd bytes then dirtied, and wrote back, a folio
//! of up to 64 KiB: the comparison's `fillsync` showed 190 bytes sent toward
//! the device per byte written, against 37 before preallocation and in
//! fjall and RocksDB. Written a page at a time, the zeros make page-sized
//! folios.
//!
//! Measured with `write_bytes` of `/proc/self/io` (bytes this process made
//! dirty for writing back), on the file system of the target directory: on
//! one without write-back accounting (tmpfs) it reads 0 and proves nothing.

#![cfg(target_os = "linux")]

use ferrisdb_storage::{StorageConfig, StorageEngine, SyncMode};

const PUTS: u64 = 200;

fn write_bytes() -> u64 {
    let io = std::fs::read_to_string("/proc/self/io").unwrap();
    let line = io.lines().find(|l| l.starts_with("write_bytes:")).unwrap();
    line["write_bytes:".len()..].trim().parse().unwrap()
}

#[test]
fn a_synced_write_into_preallocated_room_writes_back_about_a_page() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let db = StorageEngine::open(StorageConfig {
        wal_sync_mode: SyncMode::Full,
        ..StorageConfig::new(dir.path())
    })
    .unwrap();
    // The first synced write preallocates the room the others go into.
    db.put(b"warm-up", vec![b'v'; 100]).unwrap();
    let before = write_bytes();
    for i in 0..PUTS {
        db.put(format!("key{i:013}").into_bytes(), vec![b'v'; 100])
            .unwrap();
    }
    let per_put = (write_bytes() - before) / PUTS;
    assert!(
        per_put <= 6 * 1024,
        "each synced put of 116 bytes sent {per_put} bytes toward the disk"
    );
    db.close().unwrap();
}
