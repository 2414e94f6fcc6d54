//! Test support for range deletes: a history of puts, deletes and range
//! deletes, dealt out to sources as an LSM-tree holds them, and the model
//! of what a read at each timestamp sees (a `BTreeMap` per timestamp).

use std::collections::BTreeMap;
use std::ops::Bound;

use ferrisdb_core::range_tombstone::range_covers;
use ferrisdb_core::{RangeTombstone, Value};
use proptest::prelude::*;

use super::Entry;
use crate::range_del::fragments::FragmentedTombstones;
use crate::{InternalKey, Key, Operation, Timestamp};

/// One write of a history.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// A put of the key; its value names its timestamp.
    Put(Key),
    /// A point delete.
    Delete(Key),
    /// A range delete of `[start, end)` (`None`: unbounded; an inverted
    /// range deletes nothing).
    DeleteRange(Key, Option<Key>),
}

/// What one source (a MemTable, a table) holds of a history.
#[derive(Debug, Clone, Default)]
pub(crate) struct Source {
    /// Its point entries, in any order.
    pub entries: Vec<Entry>,
    /// Its range tombstones.
    pub tombstones: Vec<RangeTombstone>,
}

/// A history: the sources holding it, newest first, and the live pairs at
/// every timestamp (`states[t]`: what a read at `t` sees).
#[derive(Debug, Clone)]
pub(crate) struct History {
    pub sources: Vec<Source>,
    pub states: Vec<BTreeMap<Key, Value>>,
}

impl History {
    /// The writes of `ops` in order, each at the next timestamp into the
    /// source its number names (modulo `sources`, at least one), except
    /// that a point write marked as in the same batch as a range delete
    /// just before it shares the delete's timestamp and source (the
    /// batch's order decides: the delete does not hide it). With `ordered`,
    /// the numbers are first sorted so older writes go to older sources, as
    /// in an LSM-tree (newer sources hold newer versions of every key, which
    /// `get` relies on); without, writes land anywhere (a scan must not
    /// care).
    pub fn new(ops: &[(Op, usize, bool)], sources: usize, ordered: bool) -> History {
        let count = sources.max(1);
        let mut choices: Vec<usize> = ops.iter().map(|(_, s, _)| s % count).collect();
        if ordered {
            choices.sort_unstable_by(|a, b| b.cmp(a));
        }
        let mut sources = vec![Source::default(); count];
        let mut states = vec![BTreeMap::new()];
        // The timestamp and source of the last range delete, while the
        // writes after it may join its batch.
        let mut batch: Option<(Timestamp, usize)> = None;
        for ((op, _, same_batch), choice) in ops.iter().zip(choices) {
            let joins = match (op, batch) {
                (Op::Put(key) | Op::Delete(key), Some((ts, source))) if *same_batch => {
                    // A key written once per batch.
                    let written = sources[source]
                        .entries
                        .iter()
                        .any(|e| e.0.timestamp == ts && e.0.user_key == *key);
                    (!written).then_some((ts, source))
                }
                _ => None,
            };
            // A write joining a batch changes the batch's state.
            let ((ts, source), mut state) = match joins {
                Some(batch) => (batch, states.pop().unwrap_or_default()),
                None => {
                    let state = states.last().cloned().unwrap_or_default();
                    ((states.len() as Timestamp, choice), state)
                }
            };
            let source = &mut sources[source];
            match op {
                Op::Put(key) => {
                    let value = format!("v{ts}").into_bytes();
                    state.insert(key.clone(), value.clone());
                    let entry = (InternalKey::new(key.clone(), ts), Operation::Put, value);
                    source.entries.push(entry);
                }
                Op::Delete(key) => {
                    state.remove(key);
                    let entry = (
                        InternalKey::new(key.clone(), ts),
                        Operation::Delete,
                        Vec::new(),
                    );
                    source.entries.push(entry);
                }
                Op::DeleteRange(start, end) => {
                    state.retain(|k, _| !range_covers(start, end.as_deref(), k));
                    let tombstone = RangeTombstone::new(start.clone(), end.clone(), ts);
                    source.tombstones.push(tombstone);
                }
            }
            if joins.is_none() {
                batch = matches!(op, Op::DeleteRange(..)).then_some((ts, choice));
            }
            states.push(state);
        }
        History { sources, states }
    }

    /// The timestamp of the last write (0 for none).
    pub fn last_timestamp(&self) -> Timestamp {
        self.states.len() as Timestamp - 1
    }

    /// Each source's tombstones, fragmented.
    pub fn fragmented(&self) -> Vec<FragmentedTombstones> {
        self.sources
            .iter()
            .map(|s| FragmentedTombstones::from_tombstones(s.tombstones.clone()))
            .collect()
    }

    /// The live pairs in `range` at `snapshot`, in key order.
    pub fn expected(
        &self,
        snapshot: Timestamp,
        range: &(Bound<Key>, Bound<Key>),
    ) -> Vec<(Key, Value)> {
        let at = (snapshot as usize).min(self.states.len() - 1);
        self.states[at]
            .iter()
            .filter(|(k, _)| std::ops::RangeBounds::contains(range, *k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// A key over a few letters, one or two long: ranges between them hold
/// several keys, and keys fall on range bounds often.
pub(crate) fn key() -> impl Strategy<Value = Key> {
    "[a-g]{1,2}".prop_map(String::into_bytes)
}

/// A write: mostly puts, some point deletes, a fair share of range deletes
/// (some unbounded above, some inverted), with a source number and whether
/// a point write joins the batch of a range delete just before it.
pub(crate) fn op() -> impl Strategy<Value = (Op, usize, bool)> {
    let op = prop_oneof![
        5 => key().prop_map(Op::Put),
        1 => key().prop_map(Op::Delete),
        2 => (key(), prop::option::weighted(0.85, key()))
            .prop_map(|(start, end)| Op::DeleteRange(start, end)),
    ];
    (op, 0..8usize, prop::bool::weighted(0.3))
}

/// A scan bound over the keys of [`key`].
pub(crate) fn bound() -> impl Strategy<Value = Bound<Key>> {
    prop_oneof![
        Just(Bound::Unbounded),
        key().prop_map(Bound::Included),
        key().prop_map(Bound::Excluded),
    ]
}
