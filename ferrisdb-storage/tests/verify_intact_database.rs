//! `verify` of a healthy database finds no damage, reads every live table
//! and log (two keyspaces besides `default`, range tombstones, tables at
//! several levels, sealed logs a cold keyspace still needs, writes in the
//! log being written), and keeps finding none while another thread writes,
//! flushes and compacts beside it; after a reopen it reads the same tables.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::StorageEngine;

mod common;
mod verify_common;

use common::log_paths;
use verify_common::{config, populated, table_paths};

#[test]
fn an_intact_database_verifies_whole() {
    let fs = FaultFileSystem::new();
    let db = populated(&fs);
    let report = db.verify().unwrap();
    assert!(report.is_intact(), "{report}");
    let tables = table_paths(&db);
    // `default`'s compacted run and its newest flush, and `hot`'s tables
    // (how many compactions have merged depends on timing).
    assert!(tables.len() >= 3, "{} tables", tables.len());
    assert_eq!(report.tables, tables.len(), "{report}");
    let sizes: u64 = tables
        .iter()
        .map(|p| fs.read_all(p).unwrap().len() as u64)
        .sum();
    assert_eq!(report.table_bytes, sizes);
    // Every log is live: the cold keyspace's write is in the oldest.
    let logs = log_paths(&fs).len();
    assert!(logs >= 3, "{logs} logs");
    assert_eq!(report.logs, logs, "{report}");
    // At least the cold write and the hot writes not yet flushed.
    assert!(report.log_records >= 2, "{report}");
    assert!(report.unlisted.is_empty(), "{:?}", report.unlisted);

    let entries = report.table_entries;
    db.close().unwrap();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let reopened = db.verify().unwrap();
    assert!(reopened.is_intact(), "{reopened}");
    // The open flushed the logs' writes into new tables.
    assert!(
        reopened.table_entries > entries,
        "{reopened} after {report}"
    );
}

#[test]
fn verify_runs_beside_writes_flushes_and_compactions() {
    let fs = FaultFileSystem::new();
    let db = populated(&fs);
    let stop = AtomicBool::new(false);
    let written = AtomicU32::new(0);
    thread::scope(|s| {
        let writer = s.spawn(|| {
            let hot = db.keyspace("hot").unwrap();
            while !stop.load(Ordering::Relaxed) {
                let i = written.load(Ordering::Relaxed);
                hot.put(format!("w{i:06}"), [b'w'; 300]).unwrap();
                if i.is_multiple_of(500) {
                    db.flush().unwrap();
                }
                written.store(i + 1, Ordering::Relaxed);
            }
        });
        // Five verifies at least, and on until the writer has flushed
        // twice: on a loaded machine it may start late.
        let mut verifies = 0;
        while verifies < 5 || written.load(Ordering::Relaxed) < 1002 {
            let report = db.verify().unwrap();
            assert!(report.is_intact(), "{report}");
            verifies += 1;
        }
        stop.store(true, Ordering::Relaxed);
        writer.join().unwrap();
    });
    let report = db.verify().unwrap();
    assert!(report.is_intact(), "{report}");
}
