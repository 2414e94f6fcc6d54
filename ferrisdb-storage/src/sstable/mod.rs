//! SSTables: immutable sorted tables of data blocks, an index, a bloom filter and properties.
//!
//! A flushed MemTable becomes a table file `NNNNNN.sst`, written once by
//! `TableBuilder` and read by [`TableReader`]:
//!
//! ```text
//! table := data_block* filter_block range_del_block? index_block properties_block footer
//! ```
//!
//! - Data blocks (about `block_size` bytes) hold entries in internal-key
//!   order (user key ascending, newest version first) with prefix-compressed
//!   keys and restart points (`block_builder.rs`, `block/`).
//! - Every block carries a compression byte and a CRC32 checked on every read.
//! - The index maps each data block to its last key, so a lookup picks one
//!   block; the [`BloomFilter`] rules out most absent keys without reading
//!   any.
//! - The range-delete block holds the table's range tombstones as
//!   non-overlapping fragments (`range_del_block.rs`), decoded once at open;
//!   a table of only range tombstones has no data block.
//! - The [`Footer`] locates the index, filter and properties; the
//!   properties locate the range-delete block (an extension, [`RangeDeletes`]).
//!
//! The byte-level specification is `docs/format/sstable.md`; its constants are
//! in `format.rs`. Decoded blocks are shared through a [`BlockCache`].
//!
//! The public part of this module is the reader, for tools that inspect
//! tables ([`TableReader`] and the types it returns, among them the
//! [`TableCursor`], moved by the methods of the [`Cursor`] trait); the
//! builder and the rest are the engine's own.

pub(crate) mod block;
mod block_builder;
mod block_io;
pub(crate) mod bloom;
pub(crate) mod cache;
pub(crate) mod checked_blocks;
pub(crate) mod footer;
pub(crate) mod format;
pub(crate) mod index;
mod index_search;
mod metadata;
pub(crate) mod properties;
mod property_extensions;
pub(crate) mod range_del_block;
mod readahead;
pub(crate) mod salvage;
pub(crate) mod table_builder;
pub(crate) mod table_cursor;
mod table_options;
pub(crate) mod table_reader;

pub use crate::iterator::Cursor;
pub use bloom::{BloomFilter, FilterKind};
pub(crate) use cache::next_file_id;
pub use cache::BlockCache;
pub use footer::{BlockHandle, Footer};
pub use index::IndexEntry;
pub use properties::TableProperties;
pub use property_extensions::RangeDeletes;
pub use table_cursor::{TableBlocks, TableCursor, TableRange};
pub use table_reader::{TableEntry, TableReader};

pub(crate) use table_builder::{TableBuilder, TableOptions};
