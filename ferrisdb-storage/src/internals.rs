//! The engine's internal parts, for FerrisDB's own benches, fuzz targets,
//! tests and tools. **Unstable**: anything here may change or go in any
//! release, without notice; do not use it from another crate.
//!
//! The public API is the crate root ([`StorageEngine`](crate::StorageEngine),
//! [`WriteBatch`](crate::WriteBatch), [`Slice`](crate::Slice), the options
//! and stats types), the reader APIs of [`wal`](crate::wal) and
//! [`sstable`](crate::sstable), and [`fs`](crate::fs). This module mirrors
//! the crate's internal modules, so a test reaches the log writer as
//! `ferrisdb_storage::internals::wal::WalWriter`.

/// The write-ahead log: writer, reader, file names and on-disk constants.
pub mod wal {
    /// The log's on-disk constants.
    pub mod format {
        pub use crate::wal::format::*;
    }

    pub use crate::filename::{
        parse_wal_file_name, parse_wal_temp_file_name, wal_file_name, wal_temp_file_name,
    };
    pub use crate::wal::files::*;
    pub use crate::wal::reader::*;
    pub use crate::wal::writer::*;
    pub use crate::wal::PayloadKind;
}

/// Write batches as the log holds them: their encoding, and the first
/// encoding older logs hold.
pub mod write_batch {
    /// The batch encoding's on-disk constants.
    pub mod format {
        pub use crate::write_batch::format::*;
    }
    pub use crate::write_batch::entries::{decode_payload, Entries, IterIn};
    pub use crate::write_batch::entry::Entry;
    pub use crate::write_batch::logged::{decode_legacy, decode_logged, error_in_log, Logged};

    use crate::{KeyspaceId, WriteBatch};

    /// Every entry of `entries` in order, range deletes included, with its
    /// keyspace id: for a tool that shows each logged entry.
    pub fn iter_in(entries: Entries<'_>) -> IterIn<'_> {
        entries.iter_in()
    }

    /// Adds to `batch` a put of `value` under `key` in the keyspace of id
    /// `keyspace`, as `WriteBatch::put_in` does with a handle: for tests
    /// that write a log of keyspaces by id.
    pub fn put_to<'b>(
        batch: &'b mut WriteBatch,
        keyspace: KeyspaceId,
        key: &[u8],
        value: &[u8],
    ) -> &'b mut WriteBatch {
        batch.put_to(keyspace, key, value)
    }

    /// Adds to `batch` a delete of `key` in the keyspace of id `keyspace`,
    /// as `WriteBatch::delete_in` does with a handle.
    pub fn delete_to<'b>(
        batch: &'b mut WriteBatch,
        keyspace: KeyspaceId,
        key: &[u8],
    ) -> &'b mut WriteBatch {
        batch.delete_to(keyspace, key)
    }

    /// Adds to `batch` a delete of every key in `[start, end)` (`end: None`:
    /// no upper bound) in the keyspace of id `keyspace`, as
    /// `WriteBatch::delete_range_in` does with a handle.
    ///
    /// # Panics
    ///
    /// In a debug build, when `end` is not above `start` (an empty range,
    /// which no write logs).
    pub fn delete_range_to<'b>(
        batch: &'b mut WriteBatch,
        keyspace: KeyspaceId,
        start: &[u8],
        end: Option<&[u8]>,
    ) -> &'b mut WriteBatch {
        batch.delete_range_to(keyspace, start, end)
    }
}

/// Tables: builder, reader, blocks, bloom filters, the block cache, file
/// names and on-disk constants.
pub mod sstable {
    /// Decoded blocks and their cursor.
    pub mod block {
        pub use crate::sstable::block::*;
    }
    /// The table's on-disk constants.
    pub mod format {
        pub use crate::sstable::format::*;
    }

    pub use crate::filename::{
        parse_table_file_name, parse_temp_table_file_name, table_file_name, temp_file_name,
    };
    pub use crate::sstable::bloom::*;
    pub use crate::sstable::cache::*;
    pub use crate::sstable::footer::*;
    pub use crate::sstable::index::*;
    pub use crate::sstable::properties::*;
    /// The range-delete block's decoder.
    pub mod range_del_block {
        pub use crate::sstable::range_del_block::decode;
    }
    pub use crate::sstable::table_builder::*;
    pub use crate::sstable::table_cursor::*;
    pub use crate::sstable::table_reader::*;
}

/// Range tombstones cut into non-overlapping fragments, as a table's
/// range-delete block holds them.
pub mod range_del {
    pub use crate::range_del::fragments::{Fragment, FragmentedTombstones};
}

/// The names of the files in a database directory.
pub mod filename {
    pub use crate::filename::*;
}

/// The manifest: the database's list of live tables and logs.
pub mod manifest {
    /// The manifest's on-disk constants.
    pub mod format {
        pub use crate::manifest::format::*;
    }
    pub use crate::manifest::{
        check_name, load, store, ClosedLog, FeatureRecord, Features, KeyspaceId, KeyspaceRecord,
        KeyspacesState, ManifestState, StoredCompaction, StoredOptions, TableRecord,
        FILE_NUMBERS_KEPT_FOR_OPEN,
    };
}

/// The settings of a database and its keyspaces.
pub mod config {
    pub use crate::config::keyspace_options_from_stored;
}

/// The MemTable and its skip list.
pub mod memtable {
    /// The lock-free skip list under the MemTable.
    pub mod skip_list {
        pub use crate::memtable::skip_list::*;
    }
    pub use crate::memtable::{
        Entries, EntryRef, InsertError, MemTable, MemTableCursor, ENTRY_OVERHEAD,
    };
}

/// The cursor contract, the two-level cursor, and the merge behind scans
/// and compaction.
pub mod iterator {
    pub use crate::iterator::merge::MergingCursor;
    pub use crate::iterator::two_level::{TwoLevelCursor, TwoLevelIndex};
    pub use crate::iterator::Cursor;
}
