//! What the store's tests share: a runtime for one future, log ids, and
//! a database on a `FaultFileSystem` small enough that flushes and log
//! rotations happen within a workload.

#![allow(dead_code)]

use std::future::Future;
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageConfig, StorageEngine};
use openraft::{CommittedLeaderId, LogId};

/// Runs `future` to its end on a current-thread runtime.
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime")
        .block_on(future)
}

/// The log id of `index` in `term` (node 0 leading).
pub fn log_id(term: u64, index: u64) -> LogId<u64> {
    LogId::new(CommittedLeaderId::new(term, 0), index)
}

/// Opens the database in `/db` on `fs`, with 4 KiB MemTables and logs.
pub fn open_small(fs: &FaultFileSystem) -> ferrisdb_storage::Result<StorageEngine> {
    StorageEngine::open(StorageConfig {
        memtable_size: 4 << 10,
        wal_max_file_size: 4 << 10,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    })
}
