//! The peer comparison: the same workloads, in the same order, on FerrisDB
//! and on other embedded key-value engines, with the table, CSV and SVG
//! chart of the results.
//!
//! Every engine gets the same settings: `--key_size`-byte keys and
//! `--value_size`-byte values as `db_bench` makes them
//! ([`ferrisdb_tools::bench::workloads`]), the write-ahead log on and no
//! sync per write (each write handed to the OS), compression off, bloom
//! filters of 10 bits per key, 64 MiB MemTables, a 64 MiB block cache, and
//! a fresh directory per fill. `fillsync` syncs every write.
//!
//! The engines other than FerrisDB live in `benches/benches/compare.rs`,
//! which may use the dev-dependencies.
//!
//! This file holds the settings every engine gets and what an engine must
//! provide ([`Opener`], [`Engine`]), with FerrisDB's; the suite of workloads
//! ([`run_suite`]) is in `suite.rs`, and the table, CSV and SVG chart of the
//! results ([`Table`]) in `table.rs`.

mod suite;
mod table;

use std::path::Path;

use ferrisdb_storage::{StorageConfig, StorageEngine, SyncMode};

pub use suite::{run_suite, Measurement, SuiteConfig};
pub use table::{group_digits, Table};

/// Errors of any engine.
pub type PeerError = Box<dyn std::error::Error + Send + Sync>;
/// Results of any engine.
pub type PeerResult<T> = Result<T, PeerError>;

/// MemTable (write buffer) size given to every engine.
pub const MEMTABLE_SIZE: usize = 64 << 20;
/// Block cache size given to every engine.
pub const CACHE_SIZE: usize = 64 << 20;
/// Bloom filter bits per key given to every engine.
pub const BLOOM_BITS: usize = 10;

/// An open database of one engine, as the workloads use it.
pub trait Engine: Sync {
    /// Stores `value` under `key`; with `sync` opening, durable on return.
    fn put(&self, key: &[u8], value: &[u8]) -> PeerResult<()>;
    /// The length of the value of `key`, if present (engines may avoid a
    /// copy; FerrisDB returns an owned value, and pays for it).
    fn get(&self, key: &[u8]) -> PeerResult<Option<usize>>;
    /// Reads up to `limit` entries in key order from the start; returns the
    /// entries and bytes read.
    fn scan(&self, limit: u64) -> PeerResult<(u64, u64)>;
    /// Closes the database, making every write durable.
    fn close(self: Box<Self>) -> PeerResult<()>;
}

/// Opens databases of one engine.
pub trait Opener {
    /// The engine's name, for the table.
    fn name(&self) -> &'static str;
    /// Opens (creating) a database in `dir`; `sync` makes every put wait for
    /// fdatasync.
    fn open(&self, dir: &Path, sync: bool) -> PeerResult<Box<dyn Engine>>;
}

/// FerrisDB as a peer.
#[derive(Debug, Clone, Copy, Default)]
pub struct FerrisDbOpener;

/// An open FerrisDB database.
#[derive(Debug)]
struct FerrisDb(StorageEngine);

impl Opener for FerrisDbOpener {
    fn name(&self) -> &'static str {
        "ferrisdb"
    }

    fn open(&self, dir: &Path, sync: bool) -> PeerResult<Box<dyn Engine>> {
        let config = StorageConfig {
            wal_sync_mode: if sync {
                SyncMode::Full
            } else {
                SyncMode::Normal
            },
            memtable_size: MEMTABLE_SIZE,
            block_cache_size: CACHE_SIZE,
            bloom_filter_bits_per_key: BLOOM_BITS,
            compression: ferrisdb_storage::CompressionType::None,
            ..StorageConfig::new(dir)
        };
        Ok(Box::new(FerrisDb(StorageEngine::open(config)?)))
    }
}

impl Engine for FerrisDb {
    fn put(&self, key: &[u8], value: &[u8]) -> PeerResult<()> {
        self.0.put(key, value)?;
        Ok(())
    }

    fn get(&self, key: &[u8]) -> PeerResult<Option<usize>> {
        Ok(self.0.get(key)?.map(|v| v.len()))
    }

    fn scan(&self, limit: u64) -> PeerResult<(u64, u64)> {
        let (mut entries, mut bytes) = (0, 0);
        for item in self.0.scan::<&[u8], _>(..)?.take(limit as usize) {
            let (k, v) = item?;
            entries += 1;
            bytes += (k.len() + v.len()) as u64;
        }
        Ok((entries, bytes))
    }

    fn close(self: Box<Self>) -> PeerResult<()> {
        self.0.close()?;
        Ok(())
    }
}
