//! The filter of a table: one bloom filter per table, over its distinct user
//! keys, of one of two kinds ([`FilterKind`]), named by the table's format
//! version.
//!
//! - [`standard`]: table format version 1. `k` probes by double hashing,
//!   spread over the whole bit array: up to `k` cache misses per query.
//! - [`local`]: table format version 2, what the writer writes by default.
//!   The key's hash picks one 64-byte line and every probe falls in it: one
//!   cache miss per query, for a slightly higher false-positive rate.
//!
//! Both take the key's [`key_hash`] (XXH64, seed 0), which a read computes
//! once and hands to every filter it asks.

mod local;
mod standard;
#[cfg(test)]
mod tests;

use ferrisdb_core::coding::DecodeError;
use ferrisdb_core::hash::key_hash;

use super::format::{FORMAT_VERSION_1, FORMAT_VERSION_2};
pub use local::num_probes;
use local::LocalBloom;
pub use standard::num_hashes;
use standard::StandardBloom;

/// The kind of a table's bloom filter. A table's footer names it by the
/// table's format version, so an older FerrisDB refuses a table whose
/// filter it would misread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FilterKind {
    /// The standard bloom filter of table format version 1: probes spread
    /// over the whole filter.
    Standard,
    /// The cache-local bloom filter of table format version 2: every probe
    /// of a key in one 64-byte line. The default.
    #[default]
    CacheLocal,
}

impl FilterKind {
    /// The format version of a table with this filter, written in its
    /// footer.
    pub fn format_version(self) -> u32 {
        match self {
            FilterKind::Standard => FORMAT_VERSION_1,
            FilterKind::CacheLocal => FORMAT_VERSION_2,
        }
    }

    /// The filter of a table of format `version`, if this FerrisDB reads it.
    pub fn of_format_version(version: u32) -> Option<FilterKind> {
        match version {
            FORMAT_VERSION_1 => Some(FilterKind::Standard),
            FORMAT_VERSION_2 => Some(FilterKind::CacheLocal),
            _ => None,
        }
    }
}

/// Collects the hashes of a table's user keys and builds its filter.
#[derive(Debug, Default)]
pub(crate) struct FilterBuilder {
    hashes: Vec<u64>,
}

impl FilterBuilder {
    /// Adds a user key. Add each distinct key once (the writer adds a key when
    /// it differs from the previous one).
    pub(crate) fn add_key(&mut self, user_key: &[u8]) {
        self.hashes.push(key_hash(user_key));
    }

    /// The number of keys added.
    pub(crate) fn key_count(&self) -> usize {
        self.hashes.len()
    }

    /// The filter block of `kind` for the keys added, `bits_per_key` bits
    /// each (within the kind's bounds: see [`standard`] and [`local`]).
    pub(crate) fn finish(&self, kind: FilterKind, bits_per_key: usize) -> Vec<u8> {
        match kind {
            FilterKind::Standard => standard::build(&self.hashes, bits_per_key),
            FilterKind::CacheLocal => local::build(&self.hashes, bits_per_key),
        }
    }
}

/// A decoded filter, answering "may this table hold the key?".
#[derive(Debug, Clone)]
pub struct BloomFilter(Filter);

#[derive(Debug, Clone)]
enum Filter {
    Standard(StandardBloom),
    CacheLocal(LocalBloom),
}

impl BloomFilter {
    /// Decodes a filter block of `kind`. A block that does not follow its
    /// kind's layout is an error (offsets relative to the block).
    pub(crate) fn decode(kind: FilterKind, contents: Vec<u8>) -> Result<BloomFilter, DecodeError> {
        Ok(BloomFilter(match kind {
            FilterKind::Standard => Filter::Standard(StandardBloom::decode(contents)?),
            FilterKind::CacheLocal => Filter::CacheLocal(LocalBloom::decode(&contents)?),
        }))
    }

    /// Whether `user_key` may be in the table: `false` means it certainly is not.
    pub fn may_contain(&self, user_key: &[u8]) -> bool {
        self.may_contain_hash(key_hash(user_key))
    }

    /// [`may_contain`](Self::may_contain) of the key whose [`key_hash`] is
    /// `hash`: a read hashes its key once for every filter it asks.
    #[inline]
    pub(crate) fn may_contain_hash(&self, hash: u64) -> bool {
        match &self.0 {
            Filter::CacheLocal(filter) => filter.may_contain_hash(hash),
            Filter::Standard(filter) => filter.may_contain_hash(hash),
        }
    }

    /// The filter's kind.
    pub fn kind(&self) -> FilterKind {
        match self.0 {
            Filter::Standard(_) => FilterKind::Standard,
            Filter::CacheLocal(_) => FilterKind::CacheLocal,
        }
    }

    /// Bits in the filter.
    pub fn bit_count(&self) -> u64 {
        match &self.0 {
            Filter::Standard(filter) => filter.bit_count(),
            Filter::CacheLocal(filter) => filter.bit_count(),
        }
    }

    /// The number of hash functions (probes per key).
    pub fn num_hashes(&self) -> u8 {
        match &self.0 {
            Filter::Standard(filter) => filter.num_hashes(),
            Filter::CacheLocal(filter) => filter.num_probes(),
        }
    }

    /// The expected false-positive rate with `keys` distinct keys.
    pub fn estimated_false_positive_rate(&self, keys: u64) -> f64 {
        match &self.0 {
            Filter::Standard(filter) => filter.estimated_false_positive_rate(keys),
            Filter::CacheLocal(filter) => filter.estimated_false_positive_rate(keys),
        }
    }
}
