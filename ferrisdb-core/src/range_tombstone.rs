//! A range tombstone: one write that deletes every key in a range.
//!
//! `delete_range("b".."d")` at timestamp 9 hides every version of every key
//! in `["b", "d")` written before timestamp 9, and nothing written at 9 or
//! later. It is one log record and one timestamp however many keys the range
//! holds; reads consult it instead of finding a tombstone per key.
//!
//! Every range is stored half-open, `[start, end)`, with `end: None` for "no
//! upper bound": [`half_open`] turns any [`RangeBounds`] into that form once,
//! here, so the write batch, the log, the MemTable and the tables agree on
//! what a range holds.

use std::ops::{Bound, RangeBounds};

use crate::{compare_user_keys, Key, Timestamp};

/// The timestamp of a table's smallest bound when a range tombstone's start
/// `s` sets it: `(s, RANGE_START_TS)` comes before every version of `s`.
///
/// On-disk (table properties and manifest records): never change.
pub const RANGE_START_TS: Timestamp = u64::MAX - 1;

/// The timestamp of a table's largest bound when a range tombstone's end `e`
/// sets it: `(e, RANGE_END_TS)` means "every key below `e`", not `e` itself.
/// It comes before `(e, RANGE_START_TS)`, so a table ending where the next
/// begins still sorts before it.
///
/// On-disk (table properties and manifest records): never change.
pub const RANGE_END_TS: Timestamp = u64::MAX;

/// A deleted range `[start, end)` and the timestamp of the delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeTombstone {
    /// The first key deleted (included).
    pub start: Key,
    /// The first key after the range (excluded); `None` when the range has
    /// no upper bound.
    pub end: Option<Key>,
    /// The timestamp of the delete: it hides versions strictly older.
    pub timestamp: Timestamp,
}

impl RangeTombstone {
    /// A tombstone over `[start, end)` at `timestamp`.
    pub fn new(start: impl Into<Key>, end: Option<Key>, timestamp: Timestamp) -> Self {
        RangeTombstone {
            start: start.into(),
            end,
            timestamp,
        }
    }

    /// Whether `key` lies in `[start, end)`.
    pub fn covers(&self, key: &[u8]) -> bool {
        range_covers(&self.start, self.end.as_deref(), key)
    }

    /// Whether the version of `key` written at `version` is hidden by this
    /// tombstone: the key is in the range and the version is strictly older.
    /// A write in the same batch as the delete (the same timestamp) is not
    /// hidden; the batch's order decides it when the batch is applied.
    pub fn hides(&self, key: &[u8], version: Timestamp) -> bool {
        version < self.timestamp && self.covers(key)
    }
}

/// Whether `key` lies in `[start, end)` (`end: None` is unbounded).
pub fn range_covers(start: &[u8], end: Option<&[u8]>, key: &[u8]) -> bool {
    compare_user_keys(start, key).is_le()
        && end.is_none_or(|end| compare_user_keys(key, end).is_lt())
}

/// The half-open form `[start, end)` of `range` over byte keys, or `None`
/// when the range holds no key (empty, like `"a".."a"`, or inverted, like
/// `"b".."a"`).
///
/// An excluded start `s` becomes `s + [0x00]`, the next key in bytewise
/// order; an included end `e` becomes `e + [0x00]`; an unbounded start is the
/// empty key, the smallest; an unbounded end is `None`. So the bounded end of
/// a range may be one byte longer than the longest key.
pub fn half_open<K: AsRef<[u8]>, R: RangeBounds<K>>(range: &R) -> Option<(Key, Option<Key>)> {
    let start = match range.start_bound() {
        Bound::Included(s) => s.as_ref().to_vec(),
        Bound::Excluded(s) => next_key(s.as_ref()),
        Bound::Unbounded => Key::new(),
    };
    let end = match range.end_bound() {
        Bound::Included(e) => Some(next_key(e.as_ref())),
        Bound::Excluded(e) => Some(e.as_ref().to_vec()),
        Bound::Unbounded => None,
    };
    match &end {
        Some(end) if compare_user_keys(&start, end).is_ge() => None,
        _ => Some((start, end)),
    }
}

/// The range of every key that starts with `prefix`: `[prefix, successor)`,
/// the successor being [`prefix_successor`]; unbounded above when the prefix
/// has none (it is empty or all `0xff` bytes).
pub fn prefix_range(prefix: &[u8]) -> (Key, Option<Key>) {
    (prefix.to_vec(), prefix_successor(prefix))
}

/// The smallest key greater than every key that starts with `prefix`: the
/// prefix with its last byte below `0xff` incremented and the `0xff` bytes
/// after it dropped. `None` when there is none: the empty prefix (every key
/// starts with it) and prefixes of only `0xff` bytes.
pub fn prefix_successor(prefix: &[u8]) -> Option<Key> {
    let mut successor = prefix.to_vec();
    while let Some(last) = successor.pop() {
        if last < u8::MAX {
            successor.push(last + 1);
            return Some(successor);
        }
    }
    None
}

/// The key right after `key` in bytewise order: `key` followed by `0x00`.
pub fn next_key(key: &[u8]) -> Key {
    let mut next = Vec::with_capacity(key.len() + 1);
    next.extend_from_slice(key);
    next.push(0);
    next
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ops::Bound::{self, Excluded, Included, Unbounded};

    fn v(s: &str) -> Key {
        s.as_bytes().to_vec()
    }

    /// `half_open` of a pair of bounds over `&str`.
    fn bounds(start: Bound<&str>, end: Bound<&str>) -> Option<(Key, Option<Key>)> {
        half_open::<&str, _>(&(start, end))
    }

    #[test]
    fn half_open_normalises_every_bound_shape() {
        assert_eq!(half_open(&("a".."c")), Some((v("a"), Some(v("c")))));
        assert_eq!(half_open(&("a"..="c")), Some((v("a"), Some(v("c\0")))));
        assert_eq!(half_open(&("a"..)), Some((v("a"), None)));
        assert_eq!(half_open(&(..="c")), Some((v(""), Some(v("c\0")))));
        assert_eq!(half_open::<&str, _>(&(..)), Some((v(""), None)));
        assert_eq!(
            bounds(Excluded("a"), Included("a\0")),
            Some((v("a\0"), Some(v("a\0\0"))))
        );
        assert_eq!(bounds(Excluded("a"), Unbounded), Some((v("a\0"), None)));
    }

    #[test]
    fn empty_and_inverted_ranges_hold_no_key() {
        assert_eq!(half_open(&("a".."a")), None);
        assert_eq!(half_open(&("b".."a")), None);
        #[allow(clippy::reversed_empty_ranges)]
        let inverted = "b"..="a";
        assert_eq!(half_open(&inverted), None);
        assert_eq!(bounds(Excluded("a"), Excluded("a")), None);
        assert_eq!(bounds(Excluded("a"), Included("a")), None);
        assert_eq!(bounds(Excluded("a"), Excluded("a\0")), None);
    }

    #[test]
    fn prefix_successor_increments_the_last_byte_that_can_be() {
        assert_eq!(prefix_successor(b"ab"), Some(v("ac")));
        assert_eq!(prefix_successor(b"a\xff\xff"), Some(v("b")));
        assert_eq!(prefix_successor(b"\xff"), None);
        assert_eq!(prefix_successor(b""), None);
        assert_eq!(prefix_range(b"t/"), (v("t/"), Some(v("t0"))));
    }

    #[test]
    fn a_tombstone_hides_strictly_older_versions_in_its_range() {
        let t = RangeTombstone::new("b", Some(v("d")), 9);
        assert!(t.hides(b"b", 8));
        assert!(t.hides(b"c\xff", 1));
        assert!(!t.hides(b"b", 9), "same batch: not hidden");
        assert!(!t.hides(b"b", 10));
        assert!(!t.hides(b"d", 1), "the end is excluded");
        assert!(!t.hides(b"a", 1));
        let unbounded = RangeTombstone::new("", None, 3);
        assert!(unbounded.hides(b"", 2));
        assert!(unbounded.hides(&[0xff; 40], 2));
    }
}
