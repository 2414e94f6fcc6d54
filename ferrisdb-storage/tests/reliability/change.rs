//! The changes a write of a workload makes, and applying them to a model
//! state: puts and deletes of model keys, and deletes of a range or a
//! prefix of one keyspace's keys.

use super::keyspaces::{model_key, split_key, DEFAULT};
use super::workload::State;

/// One change of a write. Point keys are model keys (see
/// [`model_key`]); a range or prefix names its keyspace and holds keys as
/// that keyspace does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Put(Vec<u8>, Vec<u8>),
    Delete(Vec<u8>),
    /// Every key of `keyspace` in `[start, end)`; `end: None` has no upper
    /// bound.
    DeleteRange {
        keyspace: String,
        start: Vec<u8>,
        end: Option<Vec<u8>>,
    },
    /// Every key of `keyspace` that starts with `prefix`.
    DeletePrefix {
        keyspace: String,
        prefix: Vec<u8>,
    },
}

impl Change {
    /// A put of `value`, or a delete for `None`, of model key `k`.
    pub fn point(k: Vec<u8>, value: Option<Vec<u8>>) -> Change {
        match value {
            Some(v) => Change::Put(k, v),
            None => Change::Delete(k),
        }
    }

    /// The keyspace it changes (`None` for `default`, as [`split_key`]).
    pub fn keyspace(&self) -> Option<&str> {
        match self {
            Change::Put(k, _) | Change::Delete(k) => split_key(k).0,
            Change::DeleteRange { keyspace, .. } | Change::DeletePrefix { keyspace, .. } => {
                (keyspace != DEFAULT).then_some(keyspace.as_str())
            }
        }
    }

    /// The model key it names first: a point's key, a range's start, a
    /// prefix.
    pub fn first_key(&self) -> Vec<u8> {
        match self {
            Change::Put(k, _) | Change::Delete(k) => k.clone(),
            Change::DeleteRange {
                keyspace, start, ..
            } => model_key(keyspace, start),
            Change::DeletePrefix { keyspace, prefix } => model_key(keyspace, prefix),
        }
    }

    /// Whether it deletes a range or a prefix.
    pub fn is_range(&self) -> bool {
        matches!(
            self,
            Change::DeleteRange { .. } | Change::DeletePrefix { .. }
        )
    }
}

/// Applies a batch to a model state, in its order: a range delete removes
/// what the batch put before it, not what it puts after it.
pub fn apply(state: &mut State, batch: &[Change]) {
    for change in batch {
        match change {
            Change::Put(k, v) => {
                state.insert(k.clone(), v.clone());
            }
            Change::Delete(k) => {
                state.remove(k);
            }
            Change::DeleteRange {
                keyspace,
                start,
                end,
            } => state.retain(|k, _| {
                let (ks, key) = split_key(k);
                let covered = key >= &start[..] && end.as_ref().is_none_or(|e| key < &e[..]);
                !(ks.unwrap_or(DEFAULT) == keyspace && covered)
            }),
            Change::DeletePrefix { keyspace, prefix } => state.retain(|k, _| {
                let (ks, key) = split_key(k);
                !(ks.unwrap_or(DEFAULT) == keyspace && key.starts_with(prefix))
            }),
        }
    }
}
