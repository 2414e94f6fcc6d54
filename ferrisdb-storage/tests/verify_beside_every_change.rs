//! `verify` of a healthy database finds no damage while other threads
//! change everything it reads: writes in every sync mode (records still in
//! the process buffer under `SyncMode::None`, preallocated zeros under
//! `SyncMode::Full`), log rotations and the deletion of retired logs,
//! flushes, compactions, and keyspaces made and dropped; and beside a
//! close, after which it reports `Closed`.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::{KeyspaceOptions, StorageConfig, StorageEngine, SyncMode};

mod common;

use common::fault_config;

/// Verifies `db` over and over while threads write `writes` records,
/// flush, compact, and make and drop keyspaces `changes` times; every
/// report must be intact.
fn verify_beside_changes(db: &StorageEngine, writes: u64, changes: u64) {
    let stop = AtomicBool::new(false);
    let (written, changed) = (AtomicU64::new(0), AtomicU64::new(0));
    thread::scope(|s| {
        for name in ["default", "hot"] {
            let (stop, written) = (&stop, &written);
            s.spawn(move || {
                let small = KeyspaceOptions {
                    memtable_size: 16 << 10,
                    ..KeyspaceOptions::default()
                };
                let ks = match name {
                    "default" => db.keyspace(name),
                    _ => db.keyspace_with(name, small),
                }
                .unwrap();
                let mut i = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    ks.put(format!("{name}{i:07}"), [b'v'; 100]).unwrap();
                    if i.is_multiple_of(97) {
                        ks.delete_range(format!("{name}{:07}", i / 2)..format!("{name}{i:07}"))
                            .unwrap();
                    }
                    i += 1;
                    written.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        s.spawn(|| {
            let mut i = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let name = format!("tmp{}", i % 3);
                let ks = db.keyspace(&name).unwrap();
                ks.put("k", "v").unwrap();
                if i.is_multiple_of(2) {
                    db.drop_keyspace(&name).unwrap();
                }
                if i.is_multiple_of(5) {
                    db.flush().unwrap();
                }
                if i.is_multiple_of(11) {
                    db.compact().unwrap();
                }
                i += 1;
                changed.fetch_add(1, Ordering::Relaxed);
            }
        });
        let mut reports = Vec::new();
        while written.load(Ordering::Relaxed) < writes || changed.load(Ordering::Relaxed) < changes
        {
            reports.push(db.verify());
        }
        stop.store(true, Ordering::Relaxed);
        for report in reports {
            let report = report.unwrap();
            assert!(report.is_intact(), "{report}");
        }
    });
    let report = db.verify().unwrap();
    assert!(report.is_intact(), "{report}");
}

fn config(fs: &FaultFileSystem, sync: SyncMode) -> StorageConfig {
    StorageConfig {
        wal_sync_mode: sync,
        wal_max_file_size: 32 << 10,
        ..fault_config(fs, RecoveryMode::default())
    }
}

#[test]
fn verify_beside_every_change_in_every_sync_mode() {
    for sync in [SyncMode::None, SyncMode::Normal, SyncMode::Full] {
        let fs = FaultFileSystem::new();
        let db = StorageEngine::open(config(&fs, sync)).unwrap();
        verify_beside_changes(&db, 10_000, 20);
        db.close().unwrap();
    }
}

#[test]
fn verify_beside_every_change_on_the_os_file_system() {
    for sync in [SyncMode::None, SyncMode::Full] {
        let dir = tempfile::tempdir().unwrap();
        let db = StorageEngine::open(StorageConfig {
            wal_sync_mode: sync,
            wal_max_file_size: 32 << 10,
            ..StorageConfig::new(dir.path())
        })
        .unwrap();
        verify_beside_changes(&db, 5_000, 10);
        db.close().unwrap();
    }
}

#[test]
fn verify_beside_close_finds_no_damage_then_reports_closed() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs, SyncMode::Full)).unwrap();
    for i in 0..2_000u32 {
        db.put(format!("k{i:06}"), [b'v'; 100]).unwrap();
    }
    let other = db.clone();
    let intact = Arc::new(AtomicU32::new(0));
    let verified = Arc::clone(&intact);
    let verifier = thread::spawn(move || loop {
        match other.verify() {
            Ok(report) => assert!(report.is_intact(), "{report}"),
            Err(ferrisdb_storage::Error::Closed) => return,
            Err(error) => panic!("{error}"),
        }
        verified.fetch_add(1, Ordering::Relaxed);
    });
    let mut i = 0u32;
    // On until the verifier has finished one verify: on a loaded machine
    // it may start late.
    while i < 2_000 || intact.load(Ordering::Relaxed) == 0 {
        db.put(format!("j{i:06}"), [b'v'; 100]).unwrap();
        i += 1;
    }
    db.close().unwrap();
    verifier.join().unwrap();
}
