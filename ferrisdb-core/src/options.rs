//! Settings whose meaning is shared by several parts of the engine, and the
//! per-call options of reads and writes ([`WriteOptions`], [`ReadOptions`]),
//! which override a few engine-wide settings for one call, as RocksDB's do.

/// How far a write is pushed towards stable storage before it is acknowledged.
///
/// Each mode promises a little more than the one before it and costs more per
/// write. The write-ahead log implements them; the engine's default is
/// [`SyncMode::Normal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SyncMode {
    /// The write is buffered inside the process. It survives nothing: if the
    /// process dies before the buffer is handed to the OS (once it holds
    /// 1 MiB, on a later `Normal` or `Full` write, on rotation, on
    /// `sync_wal`, on close), the write is lost. The fastest mode, for data
    /// that can be rebuilt.
    None,
    /// The write is handed to the operating system (a `write` system call)
    /// before the call returns. It survives the process being killed, but not
    /// a power loss or kernel crash, which can drop the OS page cache.
    #[default]
    Normal,
    /// The write is on stable storage (`fdatasync`) before the call returns. It
    /// survives power loss. Concurrent writers share one sync (group commit),
    /// so throughput grows with the number of writers.
    ///
    /// Readers see the write only once it is durable: not while its sync
    /// runs, and never if the sync fails. A failed sync returns the error to
    /// every writer it was to cover and stops the database: later writes are
    /// refused until it is reopened. After the reopen the outcome of a write
    /// that got that error is unknown: it may be there (its bytes may have
    /// reached the disk) or not.
    Full,
}

/// How the blocks of a table are compressed.
///
/// Compression is chosen per table when it is written and recorded per block,
/// so a database may hold tables written with different settings. A block is
/// stored uncompressed when compression saves less than an eighth of it, so
/// turning compression on never makes a table more than a few bytes per block
/// bigger. The default is [`Lz4`](CompressionType::Lz4), as in the
/// engine's `StorageConfig`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CompressionType {
    /// Blocks are stored as they are.
    None,
    /// Blocks are compressed with LZ4, a fast compressor that trades ratio for
    /// speed: it costs little on incompressible data and decompresses at
    /// several GB/s. The default.
    #[default]
    Lz4,
    /// Blocks are compressed with zstd at `level`: smaller tables than LZ4
    /// for more CPU, above all when writing. Levels run from 1 (fastest) to
    /// 22 (smallest), and negative levels trade ratio for more speed still;
    /// 3 is zstd's own default and a good start.
    Zstd {
        /// The zstd compression level, checked when the database opens.
        level: i32,
    },
}

impl CompressionType {
    /// zstd at its default level, 3.
    pub const fn zstd() -> Self {
        CompressionType::Zstd { level: 3 }
    }
}

/// How one write is made durable.
///
/// `WriteOptions::default()` is the engine's behaviour: set only what this
/// write changes, with struct-update syntax, `WriteOptions { sync:
/// Some(SyncMode::Full), ..WriteOptions::default() }`, so that your code
/// keeps working as fields are added (or use [`WriteOptions::durable`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// How far this write is pushed towards stable storage before it is
    /// acknowledged. `None` (the default) uses the engine's
    /// `StorageConfig::wal_sync_mode`.
    ///
    /// With `Some(SyncMode::Full)` the write is on stable storage before the
    /// call returns, and readers see it only then, as under an engine-wide
    /// `Full`. Writes are published in the order of their timestamps, so a
    /// write made while a `Full` write is still syncing waits for that sync
    /// before it returns: no reader sees a later write while a `Full` write
    /// before it may still be lost.
    ///
    /// With `Some(SyncMode::Normal)` or `Some(SyncMode::None)` in a `Full`
    /// engine, the write is acknowledged before it is durable: a power loss
    /// (or, for `None`, a crash of the process) may lose it and every write
    /// after it, but never a write before it (the log is replayed as a
    /// prefix).
    pub sync: Option<SyncMode>,
}

impl WriteOptions {
    /// Options for a write that is durable (synced to stable storage) when
    /// acknowledged: `sync: Some(SyncMode::Full)`.
    pub fn durable() -> Self {
        WriteOptions {
            sync: Some(SyncMode::Full),
        }
    }
}

/// How one read or scan uses the block cache and checks what it reads.
///
/// Build it with struct-update syntax, `ReadOptions { fill_cache: false,
/// ..ReadOptions::default() }`, so that your code keeps working as fields are
/// added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// Whether blocks this read loads from disk are put in the block cache.
    /// Default `true`. Turn it off for a one-off scan over much of the
    /// database, so it does not evict the blocks other reads need (blocks
    /// already cached are still used).
    pub fill_cache: bool,
    /// Whether each block read from disk has its checksum verified. Default
    /// `true`. Turning it off saves a CRC32 per block read from disk (a
    /// block found in the cache was verified when it was loaded), and a
    /// damaged block is then no longer reported as such: the read may return
    /// wrong data or fail with a corruption error where the damage breaks
    /// the block's structure. Decoding stays bounds-checked either way.
    pub verify_checksums: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            fill_cache: true,
            verify_checksums: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_keep_the_engine_behaviour() {
        assert_eq!(WriteOptions::default().sync, None);
        assert_eq!(WriteOptions::durable().sync, Some(SyncMode::Full));
        let read = ReadOptions::default();
        assert!(read.fill_cache && read.verify_checksums);
    }
}
