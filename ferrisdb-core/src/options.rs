//! Settings whose meaning is shared by several parts of the engine.

/// How far a write is pushed towards stable storage before it is acknowledged.
///
/// Each mode promises a little more than the one before it and costs more per
/// write. The write-ahead log implements them; the engine's default is
/// [`SyncMode::Normal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SyncMode {
    /// The write is buffered inside the process. It survives nothing: if the
    /// process dies before the buffer is flushed (on rotation, on
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
/// so a database may hold tables written with different settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CompressionType {
    /// Blocks are stored as they are.
    #[default]
    None,
    /// Blocks are compressed with LZ4, a fast compressor that trades ratio for
    /// speed. A block is stored uncompressed when compression does not make it
    /// smaller, so turning this on never makes a table bigger than a few bytes
    /// per block.
    Lz4,
}
