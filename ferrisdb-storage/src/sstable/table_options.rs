//! What a table writer is told and what it reports: the layout of a table
//! ([`TableOptions`], chosen per table, never needed to read it) and what a
//! finished table is ([`TableMeta`]).

use std::path::PathBuf;

use ferrisdb_core::CompressionType;

use super::bloom::FilterKind;
use super::format::DEFAULT_KEYSPACE;
use super::properties::TableProperties;

/// How a table is laid out, and which keyspace it belongs to. Chosen per
/// table when it is written; the reader needs none of it to read the table.
///
/// The defaults are the engine's: `StorageConfig` takes its table settings'
/// defaults from here, and the engine derives the options of every table it
/// writes from its config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableOptions {
    /// Target uncompressed size of a data block in bytes (default 4096). A
    /// block is cut once it reaches this size, so blocks are about this big.
    pub block_size: usize,
    /// Entries between restart points, where a key is stored whole
    /// (default 16). Smaller means faster seeks and larger blocks.
    pub restart_interval: usize,
    /// Compression of data blocks (default [`CompressionType`]'s, LZ4).
    pub compression: CompressionType,
    /// Bloom filter bits per distinct user key (default 10, about 1% false
    /// positives).
    pub bloom_bits_per_key: usize,
    /// The kind of bloom filter (default [`FilterKind::CacheLocal`]), which
    /// sets the table's format version: [`FilterKind::Standard`] writes a
    /// table of format version 1, byte for byte what FerrisDB wrote before
    /// cache-local filters.
    pub filter: FilterKind,
    /// The id of the keyspace the table belongs to (default 0, the default
    /// keyspace), recorded in its properties (`TableProperties::keyspace`).
    pub keyspace: u32,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            block_size: 4096,
            restart_interval: 16,
            compression: CompressionType::default(),
            bloom_bits_per_key: 10,
            filter: FilterKind::default(),
            keyspace: DEFAULT_KEYSPACE,
        }
    }
}

/// What [`TableBuilder::finish`](super::TableBuilder::finish) wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableMeta {
    /// The table's (final) path.
    pub path: PathBuf,
    /// The table's size in bytes.
    pub file_size: u64,
    /// The table's properties, as written in it.
    pub properties: TableProperties,
}
