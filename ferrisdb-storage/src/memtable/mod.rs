//! The MemTable: the sorted in-memory buffer every write lands in first.
//!
//! An LSM tree turns random writes into sequential ones by collecting them in
//! memory, sorted, and writing them out in one go when the buffer is full.
//! That buffer is the MemTable. Everything the engine writes goes here (after
//! the write-ahead log), and every read looks here before it looks on disk.
//!
//! Three properties shape it:
//!
//! - **Concurrency without locks.** Many threads write and read at once. The
//!   entries live in a lock-free [`skip_list::SkipList`]: writers
//!   link nodes with compare-and-swap, readers never wait.
//! - **Every version is kept (MVCC).** An entry is identified by its key *and*
//!   its timestamp, so a put never overwrites: it adds a newer version. A read
//!   at timestamp `t` sees the newest version at or below `t`, which is how
//!   snapshots work. A delete adds a *tombstone* version, which hides older
//!   versions here and in older tables on disk.
//! - **It knows its size.** The engine flushes a MemTable when it reaches
//!   `max_size` bytes. Each entry is charged
//!   [`entry_size`](MemTable::entry_size)`(key, value)` = key bytes + value
//!   bytes + [`ENTRY_OVERHEAD`], reserved *before* the entry is linked with a
//!   compare-and-swap loop on one counter. So concurrent writers can never
//!   push the total past `max_size` together, and the counter always equals
//!   the sum of the entries in the table: a writer that finds its entry was a
//!   duplicate gives its reservation back.
//!
//! Reading in order, for a flush or a merge, uses [`MemTable::entries`] (a
//! borrowing iterator) or [`MemTable::iter`] (an owning two-way
//! [`MemTableCursor`] that keeps the table alive through an `Arc`).

mod cursor;
mod filter;
mod range_tombstones;
pub mod skip_list;

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ferrisdb_core::hash::key_hash;
use ferrisdb_core::{Error, InternalKey, Key, Operation, Result, Slice, Timestamp, Value};

pub use cursor::MemTableCursor;
pub use skip_list::{Entries, EntryRef};

use filter::KeyFilter;
use range_tombstones::RangeTombstones;
use skip_list::{SkipList, LINK_SIZE, NODE_HEADER_SIZE};

/// The fixed number of bytes each entry is charged on top of its key and
/// value: the node header (timestamp, lengths, height, operation: 24 bytes on
/// 64-bit targets) plus two tower links (16 bytes).
///
/// A tower has 4/3 links on average (each level is kept with probability 1/4);
/// charging two covers that and the arena's 8-byte rounding, while keeping the
/// charge independent of the random height so the accounting is exact and
/// reproducible.
pub const ENTRY_OVERHEAD: usize = NODE_HEADER_SIZE + 2 * LINK_SIZE;

/// Why [`MemTable::insert`] refused an entry; nothing was inserted.
///
/// The engine never lets these reach a user: it makes room before it
/// inserts, and gives each write a fresh timestamp. If one does occur, the
/// engine reports it as a bug ([`Error::InvalidArgument`]) and stops taking
/// writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InsertError {
    /// The entry does not fit: flush this MemTable and write to a new one.
    Full {
        /// Bytes the rejected entry would take.
        needed: usize,
        /// Bytes still free when it was rejected.
        available: usize,
        /// The MemTable's size limit.
        limit: usize,
    },
    /// The MemTable already holds a version of this key at this timestamp;
    /// versions are immutable.
    Duplicate(InternalKey),
    /// A key or value longer than `u32::MAX` bytes, which a node cannot hold.
    TooLong {
        /// `"key"` or `"value"`.
        what: &'static str,
        /// Its length.
        len: usize,
    },
}

impl fmt::Display for InsertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InsertError::Full {
                needed,
                available,
                limit,
            } => write!(
                f,
                "memtable full: the entry needs {needed} bytes but only {available} of {limit} \
                 remain"
            ),
            InsertError::Duplicate(key) => {
                write!(f, "duplicate entry: the memtable already holds {key}")
            }
            InsertError::TooLong { what, len } => write!(
                f,
                "{what} of {len} bytes is over the memtable's limit of {} bytes",
                u32::MAX
            ),
        }
    }
}

impl InsertError {
    /// The engine's error for an insert it should never have made: reported
    /// as a bug. (A method, not a `From` impl, so that no `?` of a user's
    /// turns ambiguous.)
    pub(crate) fn into_error(self) -> Error {
        Error::InvalidArgument(format!("{self} (a bug in FerrisDB: please report it)"))
    }
}

/// A concurrent, multi-version, sorted in-memory table with a size limit.
///
/// Share it between threads with an `Arc<MemTable>` (or a plain reference):
/// every method takes `&self`.
pub struct MemTable {
    list: SkipList,
    /// The user keys in `list`, so a get for an absent key can skip it.
    filter: Option<KeyFilter>,
    max_size: usize,
    /// Bytes charged for the entries in the table, plus reservations of
    /// inserts in flight.
    memory_usage: AtomicUsize,
    /// The range deletes, beside the skip list (`range_tombstones.rs`).
    range_tombstones: RangeTombstones,
}

impl MemTable {
    /// An empty table that accepts entries until they would take more than
    /// `max_size` bytes, as counted by [`entry_size`](Self::entry_size).
    pub fn new(max_size: usize) -> Self {
        Self::with_filter(max_size, true)
    }

    /// Like [`new`](Self::new), with or without the filter of its keys that
    /// lets a get for an absent key skip the search (see
    /// `StorageConfig::memtable_filter`).
    pub fn with_filter(max_size: usize, filter: bool) -> Self {
        // An eighth of the table per arena chunk, from 4 KiB up to the
        // default chunk (1 MiB): a big MemTable takes the chunk mutex rarely,
        // a tiny one (tests, and the MemTable of a single oversized batch)
        // reserves little.
        let chunk_size = (max_size / 8).clamp(4096, skip_list::DEFAULT_CHUNK_SIZE);
        MemTable {
            list: SkipList::with_chunk_size(chunk_size),
            filter: filter.then(|| KeyFilter::for_capacity(max_size)),
            max_size,
            memory_usage: AtomicUsize::new(0),
            range_tombstones: RangeTombstones::default(),
        }
    }

    /// The bytes an entry with this key and value is charged:
    /// `key_len + value_len + ENTRY_OVERHEAD`.
    pub const fn entry_size(key_len: usize, value_len: usize) -> usize {
        key_len
            .saturating_add(value_len)
            .saturating_add(ENTRY_OVERHEAD)
    }

    /// Stores `value` for `key` as of `timestamp`.
    ///
    /// # Errors
    ///
    /// - [`InsertError::Full`] if the entry does not fit; nothing is
    ///   inserted.
    /// - [`InsertError::Duplicate`] if the table already has a version of
    ///   `key` at `timestamp` (the table is unchanged).
    /// - [`InsertError::TooLong`] if the key or the value is longer than
    ///   `u32::MAX` bytes.
    pub fn put(&self, key: Key, value: Value, timestamp: Timestamp) -> Result<(), InsertError> {
        self.insert(&key, &value, timestamp, Operation::Put)
    }

    /// Records that `key` is deleted as of `timestamp` (a tombstone).
    ///
    /// # Errors
    ///
    /// As for [`put`](Self::put).
    pub fn delete(&self, key: Key, timestamp: Timestamp) -> Result<(), InsertError> {
        self.insert(&key, &[], timestamp, Operation::Delete)
    }

    /// Inserts one version from borrowed parts: [`put`](Self::put) and
    /// [`delete`](Self::delete) without taking ownership, so the engine's write
    /// path copies each key and value once, into the node. A tombstone's
    /// `value` should be empty.
    ///
    /// # Errors
    ///
    /// As for [`put`](Self::put).
    pub fn insert(
        &self,
        key: &[u8],
        value: &[u8],
        ts: Timestamp,
        op: Operation,
    ) -> Result<(), InsertError> {
        if self.insert_first(key, value, ts, op)? {
            Ok(())
        } else {
            Err(Self::duplicate(key, ts))
        }
    }

    /// [`insert`](Self::insert), for a caller to whom a version of `key` at
    /// `ts` already in the table is no error: returns whether the entry went
    /// in (`false`: the table held one, and is unchanged). A batch's entries
    /// share a timestamp, and the engine applies them last first, so the
    /// table keeps the last entry of each key.
    ///
    /// # Errors
    ///
    /// As for [`put`](Self::put), but never [`InsertError::Duplicate`].
    pub(crate) fn insert_first(
        &self,
        key: &[u8],
        value: &[u8],
        ts: Timestamp,
        op: Operation,
    ) -> Result<bool, InsertError> {
        for (what, len) in [("key", key.len()), ("value", value.len())] {
            if u32::try_from(len).is_err() {
                return Err(InsertError::TooLong { what, len });
            }
        }
        let needed = Self::entry_size(key.len(), value.len());
        if let Err(full) = self.reserve(needed) {
            // A version already there says so whether or not there is room,
            // rather than suggest a flush would help.
            return match self.list.get(key, ts) {
                Some(entry) if entry.timestamp == ts => Ok(false),
                _ => Err(full),
            };
        }
        // Before the entry is linked, so whoever can see it sees its bits.
        if let Some(filter) = &self.filter {
            filter.insert(key);
        }
        if self.list.insert(key, ts, op, value) {
            Ok(true)
        } else {
            // Relaxed, like every access to the counter: it publishes no data,
            // and atomic read-modify-writes on one variable never lose updates.
            self.memory_usage.fetch_sub(needed, Ordering::Relaxed);
            Ok(false)
        }
    }

    fn duplicate(key: &[u8], ts: Timestamp) -> InsertError {
        InsertError::Duplicate(InternalKey::new(key, ts))
    }

    /// Adds `needed` to the memory counter unless that would pass `max_size`.
    ///
    /// A compare-and-swap loop rather than `fetch_add` then undo: with an
    /// add-then-check, two writers could both overshoot, both back off, and
    /// both fail although one of them fit; and the counter would show bytes no
    /// entry holds in between.
    fn reserve(&self, needed: usize) -> Result<(), InsertError> {
        // Relaxed: see `insert`; the CAS makes check-and-add one atomic step.
        let mut current = self.memory_usage.load(Ordering::Relaxed);
        loop {
            let available = self.max_size.saturating_sub(current);
            if needed > available {
                return Err(InsertError::Full {
                    needed,
                    available,
                    limit: self.max_size,
                });
            }
            match self.memory_usage.compare_exchange_weak(
                current,
                current + needed,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(()),
                Err(actual) => current = actual,
            }
        }
    }

    /// The newest version of `key` at or below `timestamp`, as its value and
    /// operation.
    ///
    /// A tombstone comes back as `(empty, Operation::Delete)`: the key is
    /// deleted as of `timestamp`, and the caller must not look for it in older
    /// tables. `None` means this table knows nothing about the key at that
    /// timestamp.
    pub fn get(&self, key: &[u8], timestamp: Timestamp) -> Option<(Slice, Operation)> {
        self.get_hashed(key, key_hash(key), timestamp)
    }

    /// [`get`](Self::get) of the key whose [`key_hash`] is `hash`: a read
    /// hashes its key once for every filter it asks.
    pub fn get_hashed(
        &self,
        key: &[u8],
        hash: u64,
        timestamp: Timestamp,
    ) -> Option<(Slice, Operation)> {
        if self.filter.as_ref().is_some_and(|f| !f.may_contain(hash)) {
            return None;
        }
        self.list
            .get(key, timestamp)
            .map(|entry| (Slice::copy_from_slice(entry.value), entry.operation))
    }

    /// The live key-value pairs with `start <= key < end` as of `timestamp`,
    /// in key order: for each key, its newest version at or below `timestamp`,
    /// left out if that version is a tombstone.
    pub fn scan(&self, start: &[u8], end: &[u8], timestamp: Timestamp) -> Vec<(Key, Value)> {
        let mut out = Vec::new();
        // The key whose visible version has been decided; its older versions
        // are skipped.
        let mut decided: Option<&[u8]> = None;
        for entry in self.list.entries_from(start, Timestamp::MAX) {
            if entry.user_key >= end {
                break;
            }
            if decided == Some(entry.user_key) || entry.timestamp > timestamp {
                continue;
            }
            decided = Some(entry.user_key);
            if entry.operation == Operation::Put {
                out.push((entry.user_key.to_vec(), entry.value.to_vec()));
            }
        }
        out
    }

    /// Every entry (all versions, tombstones included) in [`InternalKey`]
    /// order: what a flush writes to a table.
    pub fn entries(&self) -> Entries<'_> {
        self.list.entries()
    }

    /// An owning two-way cursor over every entry, not yet positioned. It
    /// keeps the table alive, so it can outlive the borrow it was made from.
    pub fn iter(self: &Arc<Self>) -> MemTableCursor {
        MemTableCursor::new(self)
    }

    /// Bytes charged for the entries in the table (and for inserts in flight).
    pub fn memory_usage(&self) -> usize {
        self.memory_usage.load(Ordering::Relaxed)
    }

    /// The size limit given to [`new`](Self::new).
    pub fn max_size(&self) -> usize {
        self.max_size
    }

    /// Whether not even an entry with an empty key and value would fit: time
    /// to freeze the table and flush it.
    pub fn is_full(&self) -> bool {
        self.memory_usage() + ENTRY_OVERHEAD > self.max_size
    }

    /// The number of entries (versions and tombstones all count).
    pub fn entry_count(&self) -> usize {
        self.list.len()
    }

    /// Whether the table has no entries and no range deletes.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty() && self.range_delete_count() == 0
    }
}

impl fmt::Debug for MemTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemTable")
            .field("entries", &self.entry_count())
            .field("range_deletes", &self.range_delete_count())
            .field("memory_usage", &self.memory_usage())
            .field("max_size", &self.max_size)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
