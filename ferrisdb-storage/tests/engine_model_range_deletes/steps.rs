//! The steps of the range-delete model test and their strategies: keys of a
//! small alphabet, ranges of every bound shape over them, and the steps a
//! sequence is made of. Each step prints as the Rust that builds it, so a
//! shrunk failure pastes into a regression test.

use std::fmt;
use std::ops::Bound;

use proptest::prelude::*;

/// The bytes keys are made of: three letters and the largest byte, whose
/// prefixes have no upper bound.
const ALPHABET: [u8; 4] = [b'a', b'b', b'c', 0xff];

/// A key: up to three bytes of [`ALPHABET`] (or any bytes a test names).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key(pub Vec<u8>);

/// The key of these bytes.
pub fn k(bytes: impl AsRef<[u8]>) -> Key {
    Key(bytes.as_ref().to_vec())
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "k(b\"{}\")", self.0.escape_ascii())
    }
}

/// Which keyspace a step reads or writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ks {
    Default,
    Other,
}

impl Ks {
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A range of keys, as a pair of bounds.
#[derive(Clone, PartialEq, Eq)]
pub struct Range(pub Bound<Key>, pub Bound<Key>);

impl Range {
    /// `start..end`.
    pub fn half_open(start: impl AsRef<[u8]>, end: impl AsRef<[u8]>) -> Range {
        Range(Bound::Included(k(start)), Bound::Excluded(k(end)))
    }

    /// `..`.
    pub fn all() -> Range {
        Range(Bound::Unbounded, Bound::Unbounded)
    }

    /// The bounds as the engine takes them.
    pub fn bounds(&self) -> (Bound<Vec<u8>>, Bound<Vec<u8>>) {
        let owned = |b: &Bound<Key>| b.as_ref().map(|key| key.0.clone());
        (owned(&self.0), owned(&self.1))
    }

    /// Whether `key` is in the range (never, for an empty or inverted one).
    pub fn contains(&self, key: &[u8]) -> bool {
        let after_start = match &self.0 {
            Bound::Unbounded => true,
            Bound::Included(s) => key >= &s.0[..],
            Bound::Excluded(s) => key > &s.0[..],
        };
        let before_end = match &self.1 {
            Bound::Unbounded => true,
            Bound::Included(e) => key <= &e.0[..],
            Bound::Excluded(e) => key < &e.0[..],
        };
        after_start && before_end
    }
}

impl fmt::Debug for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bound = |b: &Bound<Key>| match b {
            Bound::Unbounded => "Bound::Unbounded".to_string(),
            Bound::Included(key) => format!("Bound::Included({key:?})"),
            Bound::Excluded(key) => format!("Bound::Excluded({key:?})"),
        };
        write!(f, "Range({}, {})", bound(&self.0), bound(&self.1))
    }
}

/// Which way a scan is read: from the front, from the back, or from both
/// ends in turn, the bits of the number (low first, repeating) choosing the
/// end of each step (1 the back).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Forward,
    Backward,
    Both(u8),
}

/// One entry of a batch.
#[derive(Clone, Debug)]
pub enum Entry {
    /// A put of a value padded with this many bytes.
    Put(Ks, Key, u8),
    Delete(Ks, Key),
    DeleteRange(Ks, Range),
    DeletePrefix(Ks, Key),
}

/// One step of a sequence. A `bool` after a range or prefix delete of
/// `default` says whether it goes through the engine's own method (else
/// the keyspace handle's).
#[derive(Clone, Debug)]
pub enum Step {
    Put(Ks, Key, u8),
    /// Puts `count` keys of [`every_key`] from the `from`th on (wrapping),
    /// each padded with `pad` bytes: many tables and levels in few steps.
    Fill(Ks, u8, u8, u8),
    Delete(Ks, Key),
    DeleteRange(Ks, Range, bool),
    DeletePrefix(Ks, Key, bool),
    Batch(Vec<Entry>),
    Get(Ks, Key),
    Scan(Ks, Range, Dir),
    ScanPrefix(Ks, Key, Dir),
    /// Takes a snapshot (at most a few are kept; the oldest goes first).
    TakeSnapshot,
    /// Reads snapshot `n % count`: a get of every key and a scan.
    ReadSnapshot(u8, Ks, Range, Dir),
    ReleaseSnapshot(u8),
    /// Opens a scan of a range and reads its first `n % 4` items now; the
    /// rest is read by a later [`Step::FinishScan`], after whatever the
    /// steps between wrote, flushed or compacted (at most a few are kept
    /// open; opening one more finishes the oldest).
    OpenScan(Ks, Range, u8),
    /// Reads the rest of open scan `n % count`: it must give what the range
    /// held when the scan was opened.
    FinishScan(u8, Dir),
    Flush,
    Compact,
    WaitForCompactions,
    /// A clean close and open.
    Reopen,
    /// A power loss and open.
    Crash,
}

fn key() -> impl Strategy<Value = Key> {
    let len = prop_oneof![1 => Just(0usize), 4 => Just(1), 6 => Just(2), 4 => Just(3)];
    len.prop_flat_map(|len| prop::collection::vec(prop::sample::select(&ALPHABET[..]), len))
        .prop_map(Key)
}

fn bound(key: Key, kind: u8) -> Bound<Key> {
    match kind {
        0 => Bound::Unbounded,
        1 | 2 => Bound::Excluded(key),
        _ => Bound::Included(key),
    }
}

/// A range over [`key`]s of any bound shape, in order nine times in ten.
fn range() -> impl Strategy<Value = Range> {
    (key(), key(), 0u8..7, 0u8..7, 0u8..10).prop_map(|(a, b, start, end, order)| {
        let (a, b) = if order == 0 || a <= b { (a, b) } else { (b, a) };
        // Mostly `start..end`: included start, excluded end.
        let start = bound(a, if start < 5 { 3 } else { start - 5 });
        let end = bound(b, if end < 5 { 1 } else { (end - 5) * 3 });
        Range(start, end)
    })
}

/// A prefix: mostly one or two bytes, now and then none (every key).
fn prefix() -> impl Strategy<Value = Key> {
    key().prop_map(|Key(mut bytes)| {
        bytes.truncate(2);
        Key(bytes)
    })
}

fn ks() -> impl Strategy<Value = Ks> {
    prop_oneof![3 => Just(Ks::Default), 2 => Just(Ks::Other)]
}

fn dir() -> impl Strategy<Value = Dir> {
    prop_oneof![
        2 => Just(Dir::Forward),
        2 => Just(Dir::Backward),
        1 => any::<u8>().prop_map(Dir::Both),
    ]
}

fn entry() -> impl Strategy<Value = Entry> {
    prop_oneof![
        6 => (ks(), key(), any::<u8>()).prop_map(|(s, k, pad)| Entry::Put(s, k, pad)),
        2 => (ks(), key()).prop_map(|(s, k)| Entry::Delete(s, k)),
        2 => (ks(), range()).prop_map(|(s, r)| Entry::DeleteRange(s, r)),
        1 => (ks(), prefix()).prop_map(|(s, p)| Entry::DeletePrefix(s, p)),
    ]
}

/// A step, writes most often.
pub fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        30 => (ks(), key(), any::<u8>()).prop_map(|(s, k, pad)| Step::Put(s, k, pad)),
        2 => (ks(), any::<u8>(), 10u8..80, any::<u8>())
            .prop_map(|(s, from, count, pad)| Step::Fill(s, from, count, pad)),
        6 => (ks(), key()).prop_map(|(s, k)| Step::Delete(s, k)),
        6 => (ks(), range(), any::<bool>()).prop_map(|(s, r, e)| Step::DeleteRange(s, r, e)),
        3 => (ks(), prefix(), any::<bool>()).prop_map(|(s, p, e)| Step::DeletePrefix(s, p, e)),
        6 => prop::collection::vec(entry(), 1..6).prop_map(Step::Batch),
        6 => (ks(), key()).prop_map(|(s, k)| Step::Get(s, k)),
        3 => (ks(), range(), dir()).prop_map(|(s, r, d)| Step::Scan(s, r, d)),
        2 => (ks(), prefix(), dir()).prop_map(|(s, p, d)| Step::ScanPrefix(s, p, d)),
        3 => Just(Step::TakeSnapshot),
        3 => (any::<u8>(), ks(), range(), dir())
            .prop_map(|(n, s, r, d)| Step::ReadSnapshot(n, s, r, d)),
        1 => any::<u8>().prop_map(Step::ReleaseSnapshot),
        2 => (ks(), range(), any::<u8>()).prop_map(|(s, r, n)| Step::OpenScan(s, r, n)),
        2 => (any::<u8>(), dir()).prop_map(|(n, d)| Step::FinishScan(n, d)),
        2 => Just(Step::Flush),
        2 => Just(Step::Compact),
        1 => Just(Step::WaitForCompactions),
        1 => Just(Step::Reopen),
        1 => Just(Step::Crash),
    ]
}

/// Every key of the alphabet, in order: what a full check reads.
pub fn every_key() -> Vec<Vec<u8>> {
    let mut keys = vec![Vec::new()];
    let mut last = vec![Vec::new()];
    for _ in 0..3 {
        last = (last.iter())
            .flat_map(|k| {
                ALPHABET.iter().map(move |&b| {
                    let mut next = k.clone();
                    next.push(b);
                    next
                })
            })
            .collect();
        keys.extend(last.iter().cloned());
    }
    keys.sort();
    keys
}
