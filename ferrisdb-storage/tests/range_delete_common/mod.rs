//! Helpers of the range delete scenarios (`range_delete_*.rs`): what the
//! logs of a database hold, read with the log reader and the batch decoder
//! recovery uses, and whether its manifest declares range deletes.

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::manifest::format::INCOMPAT_RANGE_DELETES_BIT;
use ferrisdb_storage::internals::manifest::load;
use ferrisdb_storage::internals::wal::{wal_files, RecoveryMode, WalReader};
use ferrisdb_storage::internals::write_batch::{decode_logged, iter_in, Entry};
use ferrisdb_storage::wal::PayloadKind;
use ferrisdb_storage::{FeatureClass, StorageConfig, Timestamp};

/// The directory of every scenario's database.
pub const DIR: &str = "/db";

/// A database in [`DIR`] on `fs`, with the default settings.
pub fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new(DIR)
    }
}

/// A range delete as a log holds it: the record's timestamp, the keyspace
/// id, the start and the end (`None`: no upper bound).
pub type Logged = (Timestamp, u32, Vec<u8>, Option<Vec<u8>>);

/// Every range delete the logs of the database on `fs` hold, in log order,
/// and the number of records.
pub fn logged_range_deletes(fs: &FaultFileSystem) -> (Vec<Logged>, usize) {
    let mut found = Vec::new();
    let mut records = 0;
    for (_, path) in wal_files(fs, Path::new(DIR)).unwrap() {
        let reader = WalReader::open(fs, &path, RecoveryMode::AbsoluteConsistency).unwrap();
        for record in reader {
            let record = record.unwrap();
            records += 1;
            let legacy = record.kind == PayloadKind::LegacyBatch;
            let (timestamp, batch) = decode_logged(&record.payload, legacy).unwrap();
            for entry in iter_in(batch.entries()) {
                if let Entry::RangeDelete {
                    keyspace,
                    start,
                    end,
                } = entry
                {
                    found.push((timestamp, keyspace, start.to_vec(), end.map(<[u8]>::to_vec)));
                }
            }
        }
    }
    (found, records)
}

/// Whether the manifest of the database on `fs` declares the incompatible
/// feature `range_deletes`.
pub fn declares_range_deletes(fs: &FaultFileSystem) -> bool {
    let manifest = load(fs, Path::new(DIR)).unwrap().expect("a manifest");
    manifest
        .features
        .declares(FeatureClass::Incompatible, INCOMPAT_RANGE_DELETES_BIT)
}
