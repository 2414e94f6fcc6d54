//! Databases of several keyspaces built by hand, for the recovery
//! scenarios: a manifest listing keyspaces (through the manifest's own
//! types), and logs whose batches write them by id, each record at the
//! timestamp after the one before.

use std::path::PathBuf;
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::manifest::{
    self, KeyspaceId, ManifestState, StoredCompaction, StoredOptions,
};
use ferrisdb_storage::internals::wal::{
    wal_file_name, wal_files, RecoveryMode, WalOptions, WalWriter,
};
use ferrisdb_storage::internals::write_batch::{delete_to, put_to};
use ferrisdb_storage::{CompressionType, StorageEngine, Timestamp, WriteBatch};

use super::{dir, fault_config};

/// Options a manifest stores for a keyspace: small MemTables, the given
/// compression and a size-tiered style when `tiered`, else leveled.
pub fn stored_options(compression: CompressionType, tiered: bool) -> StoredOptions {
    let compaction = if tiered {
        StoredCompaction::SizeTiered {
            min_merge_width: 4,
            max_size_amplification_percent: 200,
        }
    } else {
        StoredCompaction::Leveled {
            level0_file_num_compaction_trigger: 4,
            max_bytes_for_level_base: 1 << 20,
            max_bytes_for_level_multiplier: 10,
        }
    };
    StoredOptions {
        memtable_size: 4 << 10,
        block_size: 4 << 10,
        bloom_bits_per_key: 10,
        compression,
        compaction,
        memtable_filter: true,
    }
}

/// A new database on `fs` whose first log is removed (the scenario writes
/// its logs with [`write_log`]): its manifest and the number of that log.
/// The manifest leaves room for ten more file numbers.
pub fn new_database(fs: &FaultFileSystem) -> (ManifestState, u64) {
    drop(StorageEngine::open(fault_config(fs, RecoveryMode::default())).unwrap());
    let (number, log) = wal_files(fs, &dir()).unwrap().pop().unwrap();
    fs.remove(&log).unwrap();
    let mut state = manifest::load(fs, &dir()).unwrap().unwrap();
    state.next_file_number = state.next_file_number.max(number + 10);
    // The scenario's logs replace the one the close recorded.
    state.closed_log = None;
    (state, number)
}

/// Stores `state` as the database's manifest.
pub fn store(fs: &FaultFileSystem, state: &ManifestState) {
    manifest::store(fs, &dir(), state).unwrap();
}

/// One entry of a crafted batch: its keyspace id, key, and value (`None`
/// for a delete).
pub type Entry<'a> = (KeyspaceId, &'a str, Option<&'a str>);

/// The batch of `entries`.
pub fn batch(entries: &[Entry<'_>]) -> WriteBatch {
    let mut batch = WriteBatch::new();
    for &(id, key, value) in entries {
        match value {
            Some(value) => put_to(&mut batch, id, key.as_bytes(), value.as_bytes()),
            None => delete_to(&mut batch, id, key.as_bytes()),
        };
    }
    batch
}

/// Writes log `number` holding `batches`, the first at timestamp `first`,
/// each at the next; sealed when `seal` (a rotated or closed log), else
/// left as a crash leaves the newest log. Returns its path and where each
/// record ends.
pub fn write_log(
    fs: &FaultFileSystem,
    number: u64,
    first: Timestamp,
    batches: &[WriteBatch],
    seal: bool,
) -> (PathBuf, Vec<u64>) {
    let writer =
        WalWriter::create(Arc::new(fs.clone()), dir(), number, WalOptions::default()).unwrap();
    let mut ends = Vec::new();
    for (ts, batch) in (first..).zip(batches) {
        ends.push(writer.append(&[&batch.encode(ts)]).unwrap().offset);
    }
    if seal {
        writer.close().unwrap();
    } else {
        writer.sync().unwrap();
        drop(writer);
    }
    (dir().join(wal_file_name(number)), ends)
}
