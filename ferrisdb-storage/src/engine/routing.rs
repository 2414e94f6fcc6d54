//! Routing a batch to its keyspaces: which keyspaces a batch writes and how
//! many bytes each one's MemTable takes ([`Routing`], built in the one pass
//! `check_limits` makes over the batch), which live keyspace each id is
//! ([`Inner::resolve`]), and inserting each entry into its keyspace's
//! MemTable ([`apply_routed`]), a range delete included.
//!
//! Almost every batch writes one keyspace: [`Routing::One`] holds it
//! without allocating, so a single-keyspace write pays only a comparison of
//! ids per entry, and `default` is resolved without a lookup. An entry of a
//! keyspace that is not live (dropped, or never made) is refused before
//! anything is logged.

use std::borrow::Cow;
use std::sync::{Arc, MutexGuard};

use ferrisdb_core::range_tombstone::range_covers;

use super::{Inner, WriteState};
use crate::memtable::{InsertError, MemTable};
use crate::versions::{KeyspaceSet, KeyspaceVersions, SuperVersion};
use crate::write_batch::{Entries, Entry};
use crate::{Error, KeyspaceId, Result, Timestamp, WriteBatch, DEFAULT_KEYSPACE_ID};

/// The keyspaces a batch writes, each with the bytes its entries take in a
/// MemTable (their [`charge`], a range delete's as an entry of its start and
/// end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Routing {
    /// Every entry is of this one keyspace (an empty batch: `default`).
    One(KeyspaceId, usize),
    /// Entries of several keyspaces, each once, in the order first met.
    Many(Vec<(KeyspaceId, usize)>),
}

impl Routing {
    /// The routing of `entries`, calling `check` on each entry first: one
    /// pass over the batch for both.
    ///
    /// # Errors
    ///
    /// The first error of `check`.
    pub(crate) fn of(
        entries: Entries<'_>,
        mut check: impl FnMut(&Entry<'_>) -> Result<()>,
    ) -> Result<Routing> {
        let mut routing: Option<Routing> = None;
        for entry in entries.iter_in() {
            check(&entry)?;
            let (keyspace, bytes) = match entry {
                Entry::Point {
                    keyspace,
                    key,
                    value,
                    ..
                } => (keyspace, MemTable::entry_size(key.len(), value.len())),
                // What `MemTable::delete_range` charges.
                Entry::RangeDelete {
                    keyspace,
                    start,
                    end,
                } => (
                    keyspace,
                    MemTable::entry_size(start.len(), end.map_or(0, <[u8]>::len)),
                ),
            };
            match &mut routing {
                None => routing = Some(Routing::One(keyspace, bytes)),
                Some(Routing::One(one, total)) if *one == keyspace => {
                    *total = total.saturating_add(bytes);
                }
                Some(Routing::One(one, total)) => {
                    routing = Some(Routing::Many(vec![(*one, *total), (keyspace, bytes)]));
                }
                Some(Routing::Many(targets)) => {
                    match targets.iter_mut().find(|(id, _)| *id == keyspace) {
                        Some((_, total)) => *total = total.saturating_add(bytes),
                        None => targets.push((keyspace, bytes)),
                    }
                }
            }
        }
        Ok(routing.unwrap_or(Routing::One(DEFAULT_KEYSPACE_ID, 0)))
    }
}

impl Inner {
    /// Refuses a batch built with keyspace handles of another database (or
    /// of another open instance of this one, or of several).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`], as above; nothing is logged.
    pub(crate) fn check_origin(&self, batch: &WriteBatch) -> Result<()> {
        let origin = batch.origin();
        if origin != 0 && origin != self.instance {
            return Err(Error::InvalidArgument(
                "the batch holds entries built with keyspace handles of another database (or \
                 of an instance of this one closed since, or of several databases): build it \
                 with handles of the database it is written to"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The live keyspaces a batch routed as `routing` writes, each with the
    /// bytes its entries take in the keyspace's MemTable.
    ///
    /// `default` is taken from `Inner::default`, so a batch of only its keys
    /// looks nothing up. Any other id is looked up in the set of keyspaces
    /// `state` holds, which only a create or a drop changes, each under the
    /// `write` mutex, whose guard `state` is: so the keyspaces stay live
    /// until the batch is in their MemTables.
    ///
    /// # Errors
    ///
    /// For an entry of a keyspace that is not live:
    /// [`Error::KeyspaceDropped`] for an id given out and dropped since,
    /// [`Error::KeyspaceNotFound`] for one never given out. Nothing is
    /// logged.
    pub(crate) fn resolve(&self, state: &WriteState, routing: &Routing) -> Result<Targets<'_>> {
        match *routing {
            Routing::One(DEFAULT_KEYSPACE_ID, bytes) => {
                Ok(Targets::One(Cow::Borrowed(&self.default), bytes))
            }
            Routing::One(id, bytes) => Ok(Targets::One(
                Cow::Owned(self.live(&state.keyspaces, id)?),
                bytes,
            )),
            Routing::Many(ref targets) => {
                let targets = targets
                    .iter()
                    .map(|&(id, bytes)| Ok((self.live(&state.keyspaces, id)?, bytes)))
                    .collect::<Result<_>>()?;
                Ok(Targets::Many(targets))
            }
        }
    }

    /// The live keyspace `id` of `keyspaces`.
    ///
    /// # Errors
    ///
    /// [`Error::KeyspaceDropped`] for an id given out and dropped since,
    /// [`Error::KeyspaceNotFound`] for one never given out; a batch holds
    /// ids, not names, so the error names the id.
    fn live(&self, keyspaces: &KeyspaceSet, id: KeyspaceId) -> Result<Arc<KeyspaceVersions>> {
        if let Some(ks) = keyspaces.get(id) {
            return Ok(Arc::clone(ks));
        }
        let name = format!("#{id}");
        Err(if self.versions.was_dropped(id) {
            Error::KeyspaceDropped { name }
        } else {
            Error::KeyspaceNotFound { name }
        })
    }

    /// Makes room for a batch of `payload_len` bytes in the active MemTable
    /// of each of `targets` (see `make_room`), and returns the super
    /// versions whose active MemTables take it.
    ///
    /// With several keyspaces, the budgets they share are kept first
    /// (`keep_budgets`), which may freeze any keyspace's MemTable; a
    /// database of only `default` skips them at the cost of one comparison.
    /// Making room in one keyspace may then start a new log, freezing only
    /// that keyspace; a MemTable of another made room for before keeps
    /// taking writes in the new log, as any MemTable may (only a writer,
    /// under `write`, replaces one).
    pub(crate) fn make_rooms(
        &self,
        state: &mut MutexGuard<'_, WriteState>,
        targets: &Targets<'_>,
        payload_len: usize,
    ) -> Result<Rooms> {
        if state.keyspaces.len() > 1 {
            self.keep_budgets(state, targets.charge())?;
        }
        match targets {
            Targets::One(ks, needed) => Ok(Rooms::One(self.make_room(
                state,
                ks,
                *needed,
                payload_len,
            )?)),
            Targets::Many(targets) => {
                let mut rooms = Vec::with_capacity(targets.len());
                for (ks, needed) in targets {
                    let current = self.make_room(state, ks, *needed, payload_len)?;
                    rooms.push((ks.id(), current));
                }
                Ok(Rooms::Many(rooms))
            }
        }
    }
}

/// The live keyspaces a batch writes, from [`Inner::resolve`], each with the
/// bytes its entries take.
#[derive(Debug)]
pub(crate) enum Targets<'a> {
    /// One keyspace (`default` borrowed from the engine, with no lookup).
    One(Cow<'a, Arc<KeyspaceVersions>>, usize),
    /// Several, each once.
    Many(Vec<(Arc<KeyspaceVersions>, usize)>),
}

impl Targets<'_> {
    /// The bytes the batch takes in all its keyspaces' MemTables.
    fn charge(&self) -> usize {
        match self {
            Targets::One(_, bytes) => *bytes,
            Targets::Many(targets) => targets
                .iter()
                .fold(0, |sum, (_, bytes)| sum.saturating_add(*bytes)),
        }
    }
}

/// The super versions whose active MemTables take a batch, from
/// [`Inner::make_rooms`].
#[derive(Debug)]
pub(crate) enum Rooms {
    /// The one keyspace's.
    One(Arc<SuperVersion>),
    /// Each keyspace's, by id.
    Many(Vec<(KeyspaceId, Arc<SuperVersion>)>),
}

impl Rooms {
    /// Inserts every one of `entries` at `timestamp` into its keyspace's
    /// active MemTable ([`apply_routed`]); a batch of one keyspace pays no
    /// lookup per entry.
    ///
    /// # Errors
    ///
    /// As [`apply_routed`].
    pub(crate) fn apply(&self, entries: Entries<'_>, timestamp: Timestamp) -> Result<()> {
        match self {
            Rooms::One(current) => apply_routed(entries, timestamp, |_| &current.active),
            Rooms::Many(rooms) => apply_routed(entries, timestamp, |id| {
                let (_, current) = rooms
                    .iter()
                    .find(|(room, _)| *room == id)
                    .expect("every keyspace of the batch was resolved");
                &current.active
            }),
        }
    }
}

/// The entries [`apply_routed`] holds at once while it walks a batch
/// backwards.
const APPLY_RUN: usize = 256;

/// Inserts every one of `entries`, a batch's, at `timestamp`, into the
/// MemTable `memtable_of` gives for its keyspace.
///
/// All entries of a batch share one timestamp, so the batch's order decides
/// between them, as if its writes were applied in order:
///
/// - When a batch writes the same key of a keyspace twice only the last
///   write is kept: the entries go in last first, and the keyspace's
///   MemTable, which holds one version of a key per timestamp, turns the
///   earlier ones of a key away ([`MemTable::insert_first`]).
/// - A range delete hides only versions strictly older than itself, so not
///   the batch's own: an entry of a key that a range delete later in the
///   batch covers, in the same keyspace, is not inserted at all. Walking
///   last first, the range deletes met so far are exactly those later in
///   the batch. An entry after the range delete is kept (`delete_range(..)`
///   then `put(k)` leaves `k`).
///
/// No version at this timestamp is there before the batch: timestamps are
/// given out once (`next_timestamp`), and replay refuses a record whose
/// timestamp does not follow the one before it.
///
/// Walking backwards takes the entries [`APPLY_RUN`] at a time, so beyond
/// the MemTables' own entries this holds one run, where each run starts (a
/// few bytes per run) and the batch's range deletes met so far: never a
/// copy of every entry, which a log record of many tiny entries (deletes of
/// the empty key, 3 bytes each) made many times the record, for a MemTable
/// holding one entry. Each entry is compared with the range deletes after
/// it, so a batch of `p` points and `r` range deletes costs `p * r`
/// comparisons: nothing without range deletes.
pub(crate) fn apply_routed<'a, 'm>(
    entries: Entries<'a>,
    timestamp: Timestamp,
    memtable_of: impl Fn(KeyspaceId) -> &'m MemTable,
) -> Result<()> {
    // The batch's range deletes after the entry at hand.
    let mut later_ranges: Vec<Entry<'a>> = Vec::new();
    let mut insert = |entry: Entry<'a>| -> Result<()> {
        match entry {
            Entry::Point {
                keyspace,
                operation,
                key,
                value,
            } => {
                let covered = later_ranges.iter().any(|later| {
                    matches!(*later, Entry::RangeDelete { keyspace: ks, start, end }
                        if ks == keyspace && range_covers(start, end, key))
                });
                if covered {
                    return Ok(());
                }
                memtable_of(keyspace)
                    .insert_first(key, value, timestamp, operation)
                    .map(drop)
            }
            Entry::RangeDelete {
                keyspace,
                start,
                end,
            } => {
                later_ranges.push(entry);
                memtable_of(keyspace).delete_range(
                    start.to_vec(),
                    end.map(<[u8]>::to_vec),
                    timestamp,
                )
            }
        }
        .map_err(InsertError::into_error)
    };
    if entries.len() == 1 {
        // The common case, a single entry: nothing to walk back.
        return entries.iter_in().try_for_each(insert);
    }
    let mut run = Vec::with_capacity(entries.len().min(APPLY_RUN));
    let mut apply_run = |part: Entries<'a>| {
        run.clear();
        run.extend(part.iter_in());
        run.iter().rev().copied().try_for_each(&mut insert)
    };
    if entries.len() <= APPLY_RUN {
        return apply_run(entries);
    }
    entries
        .runs(APPLY_RUN)
        .into_iter()
        .rev()
        .try_for_each(apply_run)
}

#[cfg(test)]
mod tests;
