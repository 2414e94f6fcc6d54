//! Keyspaces in the scenarios' model: a key of keyspace `ks` other than
//! `default` is `"<ks>\0<key>"` in the model's single map, a key of
//! `default` has no `\0`. So one model state holds every keyspace, and the
//! history's prefix check judges a batch across keyspaces as one write:
//! after any crash it is there whole or not at all.
//!
//! A workload creates its keyspaces itself ([`Op::Keyspace`]), so each
//! create's manifest write is a crash point or a fault like any other.

use std::collections::BTreeMap;

use std::ops::Bound;

use ferrisdb_storage::{Keyspace, StorageEngine, Timestamp, WriteBatch};

use super::change::Change;
use super::history::History;
use super::workload::State;

/// The name of the keyspace every database has.
pub const DEFAULT: &str = "default";

/// The handles of a run's keyspaces besides `default`, by name.
pub type Handles = BTreeMap<String, Keyspace>;

/// The name of keyspace `i` of a workload with `count` keyspaces: `default`
/// first, then `ks1`, `ks2`, ..., and with three or more the last is
/// `cold`, which a workload writes rarely (so its MemTable spans many logs).
pub fn keyspace_name(i: u8, count: u8) -> String {
    match i {
        0 => DEFAULT.to_string(),
        _ if count >= 3 && i == count - 1 => "cold".to_string(),
        _ => format!("ks{i}"),
    }
}

/// `key` of keyspace `name` as the model holds it.
pub fn model_key(name: &str, key: &[u8]) -> Vec<u8> {
    if name == DEFAULT {
        return key.to_vec();
    }
    let mut k = Vec::with_capacity(name.len() + 1 + key.len());
    k.extend_from_slice(name.as_bytes());
    k.push(0);
    k.extend_from_slice(key);
    k
}

/// A model key's keyspace (`None` for `default`) and its key there.
pub fn split_key(k: &[u8]) -> (Option<&str>, &[u8]) {
    match k.iter().position(|&b| b == 0) {
        Some(at) => (
            Some(std::str::from_utf8(&k[..at]).expect("keyspace names are UTF-8")),
            &k[at + 1..],
        ),
        None => (None, k),
    }
}

/// The batch as the engine takes it, each change routed by its keyspace to
/// `default` (through the batch's own methods) or to the keyspace's handle
/// in `handles`, which must hold it.
pub fn to_batch_in(changes: &[Change], handles: &Handles) -> WriteBatch {
    let mut batch = WriteBatch::new();
    for change in changes {
        let handle = change.keyspace().map(|name| {
            handles
                .get(name)
                .unwrap_or_else(|| panic!("no handle of keyspace {name}"))
        });
        let key = |k: &[u8]| split_key(k).1.to_vec();
        match (change, handle) {
            (Change::Put(k, v), None) => batch.put(key(k), v),
            (Change::Put(k, v), Some(ks)) => batch.put_in(ks, key(k), v),
            (Change::Delete(k), None) => batch.delete(key(k)),
            (Change::Delete(k), Some(ks)) => batch.delete_in(ks, key(k)),
            (Change::DeleteRange { start, end, .. }, None) => {
                batch.delete_range(bounds(start, end))
            }
            (Change::DeleteRange { start, end, .. }, Some(ks)) => {
                batch.delete_range_in(ks, bounds(start, end))
            }
            (Change::DeletePrefix { prefix, .. }, None) => batch.delete_prefix(prefix),
            (Change::DeletePrefix { prefix, .. }, Some(ks)) => batch.delete_prefix_in(ks, prefix),
        };
    }
    batch
}

/// `[start, end)` as the engine takes a range (`end: None`: no upper bound).
fn bounds(start: &[u8], end: &Option<Vec<u8>>) -> (Bound<Vec<u8>>, Bound<Vec<u8>>) {
    let end = end.clone().map_or(Bound::Unbounded, Bound::Excluded);
    (Bound::Included(start.to_vec()), end)
}

/// Writes one range or prefix delete through the engine's `delete_range` or
/// `delete_prefix` (for `default`) or the keyspace handle's in `handles`.
pub fn delete_range(
    db: &StorageEngine,
    change: &Change,
    handles: &Handles,
) -> ferrisdb_storage::Result<Timestamp> {
    let handle = change.keyspace().map(|name| &handles[name]);
    match (change, handle) {
        (Change::DeleteRange { start, end, .. }, None) => db.delete_range(bounds(start, end)),
        (Change::DeleteRange { start, end, .. }, Some(ks)) => ks.delete_range(bounds(start, end)),
        (Change::DeletePrefix { prefix, .. }, None) => db.delete_prefix(prefix),
        (Change::DeletePrefix { prefix, .. }, Some(ks)) => ks.delete_prefix(prefix),
        (point, _) => panic!("not a range delete: {point:?}"),
    }
}

/// The batch as the engine takes it, every change to `default`.
pub fn to_batch(changes: &[Change]) -> WriteBatch {
    to_batch_in(changes, &Handles::new())
}

/// Creates (or opens) keyspace `name` on `db` into `handles`, recording the
/// attempt in `history`.
pub fn create_keyspace(
    db: &StorageEngine,
    name: &str,
    handles: &mut Handles,
    history: &mut History,
) -> ferrisdb_storage::Result<()> {
    let result = db.keyspace(name);
    history.keyspaces.push((name.to_string(), result.is_ok()));
    handles.insert(name.to_string(), result?);
    Ok(())
}

/// Makes sure `handles` holds every keyspace `changes` names, creating those
/// it lacks (a create that failed before is tried again).
pub fn ensure_handles(
    db: &StorageEngine,
    changes: &[Change],
    handles: &mut Handles,
    history: &mut History,
) -> ferrisdb_storage::Result<()> {
    for change in changes {
        if let Some(name) = change.keyspace() {
            if !handles.contains_key(name) {
                create_keyspace(db, name, handles, history)?;
            }
        }
    }
    Ok(())
}

/// Every live pair of `db` in every keyspace, as the model holds them, by
/// full scans cross-checked with point reads and backward scans.
pub fn read_all(db: &StorageEngine) -> ferrisdb_storage::Result<State> {
    let mut state = State::new();
    for name in db.keyspaces() {
        let ks = db.keyspace(&name)?;
        let mut forward = Vec::new();
        for item in ks.iter()? {
            let (k, v) = item?;
            forward.push((k.to_vec(), v.to_vec()));
        }
        for (k, v) in &forward {
            assert_eq!(
                ks.get(k)?.as_deref(),
                Some(&v[..]),
                "scan and get disagree in keyspace {name}"
            );
        }
        let mut backwards = Vec::new();
        for item in ks.iter()?.rev() {
            let (k, v) = item?;
            backwards.push((k.to_vec(), v.to_vec()));
        }
        backwards.reverse();
        assert!(
            backwards == forward,
            "forward and backward scans disagree in keyspace {name}"
        );
        for (k, v) in forward {
            state.insert(model_key(&name, &k), v);
        }
    }
    Ok(state)
}

/// The value of model key `k` in `db`, read in its keyspace if that exists;
/// `None` if it does not (a reader never creates a keyspace).
pub fn get_if_created(
    db: &StorageEngine,
    k: &[u8],
) -> ferrisdb_storage::Result<Option<ferrisdb_storage::Slice>> {
    match split_key(k) {
        (None, key) => db.get(key),
        (Some(name), key) if db.keyspaces().iter().any(|n| n == name) => {
            db.keyspace(name)?.get(key)
        }
        (Some(_), _) => Ok(None),
    }
}

/// Whether a write changes keys of more than one keyspace.
pub fn spans_keyspaces(changes: &[Change]) -> bool {
    let mut names = changes.iter().map(Change::keyspace);
    let first = names.next();
    names.any(|name| Some(name) != first)
}
