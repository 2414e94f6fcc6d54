//! Regression, found by the adversarial review of issue 23: `verify` beside
//! writes reports false damage, "cannot be read: unexpected end of file",
//! in the log it took for the one being written.
//!
//! A log synced since it began has room preallocated past its records (see
//! `docs/format/wal.md`), which its seal cuts off. `verify` opens the log
//! being written, its length then counting that room; a rotation seals the
//! log meanwhile, and the reader, reading up to the length it saw, reads
//! past the end of the file. Rotations happen whenever a MemTable fills, so
//! a healthy database beside busy writers fails `verify` now and then.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::{StorageConfig, StorageEngine, SyncMode};

mod common;

use common::fault_config;

#[test]
fn verify_beside_rotations_of_synced_logs_finds_no_damage() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        wal_sync_mode: SyncMode::Full,
        // A rotation every few dozen writes.
        wal_max_file_size: 4 << 10,
        ..fault_config(&fs, RecoveryMode::default())
    })
    .unwrap();
    let stop = AtomicBool::new(false);
    let written = AtomicU32::new(0);
    let reports = thread::scope(|s| {
        let writer = s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                let i = written.load(Ordering::Relaxed);
                db.put(format!("k{i:08}"), [b'v'; 100]).unwrap();
                written.store(i + 1, Ordering::Relaxed);
            }
        });
        // At least 300 verifies, and on until the writer has rotated the
        // log a few dozen times: on a loaded machine it may start late.
        let mut reports = Vec::new();
        while reports.len() < 300 || written.load(Ordering::Relaxed) < 2000 {
            reports.push(db.verify());
        }
        stop.store(true, Ordering::Relaxed);
        writer.join().unwrap();
        reports
    });
    for report in reports {
        let report = report.unwrap();
        assert!(report.is_intact(), "{report}");
    }
}
