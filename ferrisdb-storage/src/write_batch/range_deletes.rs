//! Range deletes in a batch: [`WriteBatch::delete_range`] and
//! [`WriteBatch::delete_prefix`], and [`RangeDeletes`], the range deletes a
//! batch holds.
//!
//! Every range is turned into its half-open form `[start, end)` once, when
//! it is added ([`half_open`], [`prefix_successor`]), and logged so: its
//! start as the entry's key, its end as its value, the empty end meaning no
//! upper bound (a bounded range is never empty, so the two never meet). An
//! empty or inverted range deletes nothing and adds nothing to the batch:
//! writing such a range is a no-op, as in RocksDB, rather than an error a
//! chained builder could not return.

use std::ops::RangeBounds;

use ferrisdb_core::coding::{put_length_prefixed, put_varint64};
use ferrisdb_core::range_tombstone::{half_open, prefix_successor};
use ferrisdb_core::{compare_user_keys, KeyspaceId};

use super::entries::IterIn;
use super::entry::Entry;
use super::format::{DEFAULT_KEYSPACE, TAG_RANGE_DELETE};
use super::WriteBatch;

impl WriteBatch {
    /// Adds a delete of every key in `range`, in the `default` keyspace:
    /// every version written before this batch of every key in the range
    /// reads as absent from this batch on. It is one entry however many keys
    /// the range holds.
    ///
    /// `range` is any range of byte keys: `"a".."c"`, `"a"..="c"`, `"a"..`,
    /// `..`, or a pair of [`Bound`](std::ops::Bound)s. An empty or inverted
    /// range (`"a".."a"`, `"b".."a"`) holds no key: it adds nothing, and the
    /// batch stays as it was.
    ///
    /// Within the batch, the range delete deletes the keys the batch wrote
    /// before it, not those it writes after it:
    ///
    /// ```
    /// use ferrisdb_storage::WriteBatch;
    ///
    /// let mut batch = WriteBatch::new();
    /// batch.put("user:1", "old").delete_range("user:".."user;").put("user:2", "new");
    /// // `user:1` is deleted with the rest of the range; `user:2` is kept.
    /// assert_eq!(batch.len(), 3);
    /// let ranges: Vec<_> = batch.range_deletes().collect();
    /// assert_eq!(ranges, [(&b"user:"[..], Some(&b"user;"[..]))]);
    ///
    /// batch.delete_range("b".."a"); // inverted: nothing added
    /// assert_eq!(batch.len(), 3);
    /// ```
    pub fn delete_range<K: AsRef<[u8]>, R: RangeBounds<K>>(&mut self, range: R) -> &mut Self {
        match half_open(&range) {
            Some((start, end)) => self.delete_range_to(DEFAULT_KEYSPACE, &start, end.as_deref()),
            None => self,
        }
    }

    /// Adds a delete of every key that starts with `prefix`, in the
    /// `default` keyspace, as [`delete_range`](Self::delete_range) of the
    /// range those keys fill. The empty prefix deletes every key.
    pub fn delete_prefix(&mut self, prefix: impl AsRef<[u8]>) -> &mut Self {
        let prefix = prefix.as_ref();
        self.delete_range_to(
            DEFAULT_KEYSPACE,
            prefix,
            prefix_successor(prefix).as_deref(),
        )
    }

    /// Adds a delete of every key in `[start, end)` (`end: None`: no upper
    /// bound) in keyspace `keyspace`.
    ///
    /// REQUIRES: `start < end` when `end` is given ([`half_open`] makes
    /// every range so, or says it is empty).
    pub(crate) fn delete_range_to(
        &mut self,
        keyspace: KeyspaceId,
        start: &[u8],
        end: Option<&[u8]>,
    ) -> &mut Self {
        debug_assert!(
            end.is_none_or(|end| compare_user_keys(start, end).is_lt()),
            "an empty range delete"
        );
        let end = end.unwrap_or_default();
        // One allocation for the entry, as `put_to` makes.
        self.entries.reserve(2 + 10 + start.len() + 10 + end.len());
        self.entries.push(TAG_RANGE_DELETE);
        put_varint64(&mut self.entries, u64::from(keyspace));
        put_length_prefixed(&mut self.entries, start);
        put_length_prefixed(&mut self.entries, end);
        self.count += 1;
        self.range_deletes += 1;
        self
    }

    /// The range deletes in insertion order, as `(start, end)`: the range
    /// `[start, end)`, `end` being `None` when it has no upper bound. A range
    /// added with an included end or an excluded start is shown in this
    /// form (`"a"..="c"` as `("a", Some("c\0"))`).
    pub fn range_deletes(&self) -> RangeDeletes<'_> {
        RangeDeletes {
            inner: self.entries().iter_in(),
            left: self.range_deletes,
        }
    }

    /// Whether the batch holds a range delete.
    pub(crate) fn has_range_deletes(&self) -> bool {
        self.range_deletes > 0
    }
}

/// The range deletes of a [`WriteBatch`], from
/// [`WriteBatch::range_deletes`].
#[derive(Debug, Clone)]
pub struct RangeDeletes<'a> {
    inner: IterIn<'a>,
    /// The range deletes not yet returned.
    left: u64,
}

impl<'a> Iterator for RangeDeletes<'a> {
    type Item = (&'a [u8], Option<&'a [u8]>);

    fn next(&mut self) -> Option<Self::Item> {
        while self.left > 0 {
            if let Entry::RangeDelete { start, end, .. } = self.inner.next()? {
                self.left -= 1;
                return Some((start, end));
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.left).unwrap_or(usize::MAX);
        (left, Some(left))
    }
}

#[cfg(test)]
mod tests;
