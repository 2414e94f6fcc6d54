//! Range tombstones as the read and compaction paths hold them.
//!
//! A range delete (`db.delete_range("b".."d")`) is one
//! [`RangeTombstone`](crate::RangeTombstone): a range `[start, end)` and a
//! timestamp. It lives in the log as one entry of a batch, in a MemTable
//! beside the skip list, and in a table's range-delete block; it is never an
//! entry of the sorted point stream, because a tombstone over `[a, z)` could
//! not be found by a binary search for `m`.
//!
//! Each source keeps its tombstones as one
//! [`FragmentedTombstones`](fragments::FragmentedTombstones): cut into
//! non-overlapping fragments, each with the timestamps over it, so a read
//! asks "which tombstone covers this key, at this snapshot?" in logarithmic
//! time. This module names only the core types, so the formats (the table's
//! range-delete block), the MemTable, the versions and compaction all share
//! it. A scan merges what it sees of them into one [`ScanTombstones`]
//! (`view.rs`).
//!
//! [`ScanTombstones`]: view::ScanTombstones

pub(crate) mod fragments;
pub(crate) mod view;
