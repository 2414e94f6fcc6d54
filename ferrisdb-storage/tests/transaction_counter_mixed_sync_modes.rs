//! The exact counter with commits of every sync mode at once: threads
//! increment one counter in transactions committed with `SyncMode::Full`,
//! `Normal` and `None`, while another thread makes plain `Full` and
//! `Normal` writes of other keys, and small MemTables freeze under them
//! (a freeze publishes `Full` writes still syncing). `Full` commits and
//! the writes that wait for them are published after the write mutex is
//! released, the window the conflict log's "always recorded" rule covers.
//!
//! Promise: no increment is lost: the counter ends at exactly
//! threads × increments, after a reopen too.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageConfig, StorageEngine, SyncMode, WriteOptions};

const INCREMENTS: u64 = 300;
const MODES: [SyncMode; 4] = [
    SyncMode::Full,
    SyncMode::Normal,
    SyncMode::None,
    SyncMode::Full,
];

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        memtable_size: 8 << 10,
        ..StorageConfig::new("/db")
    }
}

fn decode(value: Option<&[u8]>) -> u64 {
    value.map_or(0, |v| u64::from_le_bytes(v.try_into().unwrap()))
}

#[test]
fn no_increment_is_lost_whatever_the_sync_modes() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    std::thread::scope(|s| {
        for mode in MODES {
            let db = &db;
            s.spawn(move || {
                let options = WriteOptions { sync: Some(mode) };
                for _ in 0..INCREMENTS {
                    db.run_transaction_opt(&options, |tx| {
                        let n = decode(tx.get("counter")?.as_deref());
                        tx.put("counter", (n + 1).to_le_bytes())
                    })
                    .expect("an increment commits within the retries");
                }
            });
        }
        let db = &db;
        s.spawn(move || {
            for i in 0..INCREMENTS {
                let sync = Some(if i % 2 == 0 {
                    SyncMode::Full
                } else {
                    SyncMode::Normal
                });
                db.put_opt(
                    format!("noise{}", i % 50),
                    [7u8; 100],
                    &WriteOptions { sync },
                )
                .unwrap();
            }
        });
    });
    let total = MODES.len() as u64 * INCREMENTS;
    assert_eq!(decode(db.get("counter").unwrap().as_deref()), total);
    db.close().unwrap();
    let db = StorageEngine::open(config(&fs)).unwrap();
    assert_eq!(decode(db.get("counter").unwrap().as_deref()), total);
}
