//! The walks of a [`Scan`]'s two ends: from where an end stands to the next
//! key with a version the snapshot sees, and that version.
//!
//! Each walk takes one user key at a time, with all its versions. A key
//! written thousands of times has thousands of versions until compaction
//! drops the hidden ones (the hot keys of a skewed workload), and a scan
//! needs one of them, so after [`MAX_SEQUENTIAL_SKIP`] steps over one key's
//! versions a walk seeks instead, with a targeted move of the merging cursor
//! (see `merge/skip.rs`).

use std::ops::Bound;

use ferrisdb_core::compare_user_keys;

use super::{within_end, within_start, End, Scan};
use crate::iterator::Cursor;
use crate::range_del::view::{CoveredRange, ScanTombstones};
use crate::{Key, Operation, Result, Slice, Timestamp};

/// The versions of one key a walk steps over before it seeks past the
/// rest instead (RocksDB's `max_sequential_skip_in_iterations`, whose
/// default it takes): a few steps cost less than a seek, thousands far more.
const MAX_SEQUENTIAL_SKIP: usize = 8;

impl Scan {
    /// The next pair from the front. The walk is compiled twice, with and
    /// without range tombstones, so a scan that sees none pays nothing per
    /// entry for them: no check, no second timestamp read.
    pub(super) fn next_forward(&mut self) -> Result<Option<(Slice, Slice)>> {
        if self.tombstones.is_some() {
            self.walk_forward::<true>()
        } else {
            self.walk_forward::<false>()
        }
    }

    /// The next pair from the back; compiled twice as
    /// [`next_forward`](Self::next_forward) is.
    pub(super) fn next_backward(&mut self) -> Result<Option<(Slice, Slice)>> {
        if self.tombstones.is_some() {
            self.walk_backward::<true>()
        } else {
            self.walk_backward::<false>()
        }
    }

    /// Walks the front end to its next live pair; `TOMBSTONES` says whether
    /// the scan sees range tombstones.
    fn walk_forward<const TOMBSTONES: bool>(&mut self) -> Result<Option<(Slice, Slice)>> {
        let front = &mut self.front;
        if !front.positioned {
            front.positioned = true;
            match &self.start {
                Bound::Unbounded => front.cursor.seek_to_first()?,
                // The newest possible version of `key` is the first entry of it.
                Bound::Included(key) | Bound::Excluded(key) => {
                    front.cursor.seek(key, Timestamp::MAX)?
                }
            }
        }
        while front.cursor.valid() {
            let key = front.cursor.user_key().to_vec();
            if !within_end(&self.end, &key) {
                break;
            }
            if let Some(stop) = self.back.as_ref().and_then(|b| b.last_yielded.as_ref()) {
                if key >= *stop {
                    break;
                }
            }
            // A key under a range tombstone: first seek the sources holding
            // only older versions there past the whole covered range.
            let mut covering: Option<Timestamp> = None;
            if let Some((at, range)) = covered_range::<TOMBSTONES>(&self.tombstones, &key) {
                if front.sought_past != Some(at) {
                    front.sought_past = Some(at);
                    front
                        .cursor
                        .skip_older(&key, range.end.as_deref(), range.timestamp)?;
                    continue;
                }
                covering = Some(range.timestamp);
            }
            let skip_key = matches!(&self.start, Bound::Excluded(s) if *s == key);
            // Versions of `key` arrive newest first: the first one at or below
            // the snapshot is the visible one; the rest are older and hidden.
            // After a few steps over versions it does not need, the walk
            // seeks: to the visible one, or past the key.
            let mut visible: Option<Option<Slice>> = None;
            let mut stepped = 0;
            while front.cursor.valid() && same_key(front.cursor.user_key(), &key) {
                let entry = &front.cursor;
                let timestamp = entry.timestamp();
                if visible.is_none() && timestamp <= self.snapshot {
                    visible = Some(visible_value::<TOMBSTONES>(
                        entry.operation(),
                        timestamp,
                        covering,
                        || entry.value_slice(),
                    ));
                }
                if stepped < MAX_SEQUENTIAL_SKIP {
                    stepped += 1;
                    front.cursor.next()?;
                } else {
                    stepped = 0;
                    let to = if visible.is_some() { 0 } else { self.snapshot };
                    front.cursor.seek_within_key(&key, to)?;
                }
            }
            if let (false, Some(Some(value))) = (skip_key, visible) {
                remember(&mut front.last_yielded, &key);
                return Ok(Some((Slice::from(key), value)));
            }
        }
        Ok(None)
    }

    /// The mirror of [`walk_forward`](Self::walk_forward).
    fn walk_backward<const TOMBSTONES: bool>(&mut self) -> Result<Option<(Slice, Slice)>> {
        // The back end's merge is made on its first step.
        let make = &self.make_back;
        let back = self.back.get_or_insert_with(|| End::new(make()));
        if !back.positioned {
            back.positioned = true;
            match &self.end {
                Bound::Unbounded => back.cursor.seek_to_last()?,
                // The oldest possible version of `key` is the last entry of it.
                Bound::Included(key) | Bound::Excluded(key) => back.cursor.seek_for_prev(key, 0)?,
            }
        }
        while back.cursor.valid() {
            let key = back.cursor.user_key().to_vec();
            if !within_start(&self.start, &key) {
                break;
            }
            if let Some(stop) = &self.front.last_yielded {
                if key <= *stop {
                    break;
                }
            }
            let mut covering: Option<Timestamp> = None;
            if let Some((at, range)) = covered_range::<TOMBSTONES>(&self.tombstones, &key) {
                if back.sought_past != Some(at) {
                    back.sought_past = Some(at);
                    back.cursor.skip_older_back(
                        &range.start,
                        range.end.as_deref(),
                        range.timestamp,
                    )?;
                    continue;
                }
                covering = Some(range.timestamp);
            }
            let skip_key = matches!(&self.end, Bound::Excluded(e) if *e == key);
            // Walking backwards, versions of `key` arrive oldest first: the
            // last one at or below the snapshot is the visible one. After a
            // few steps, the walk reads the visible one directly, if it has
            // not passed it, and moves before the key.
            let mut visible: Option<(Timestamp, Option<Slice>)> = None;
            let mut passed_snapshot = false;
            let mut stepped = 0;
            while back.cursor.valid() && same_key(back.cursor.user_key(), &key) {
                if stepped == MAX_SEQUENTIAL_SKIP {
                    let at = (!passed_snapshot).then_some(self.snapshot);
                    if let Some(found) = back.cursor.leave_key_back(&key, at)? {
                        if visible.as_ref().is_none_or(|(t, _)| found.timestamp > *t) {
                            let value = visible_value::<TOMBSTONES>(
                                found.operation,
                                found.timestamp,
                                covering,
                                || found.value,
                            );
                            visible = Some((found.timestamp, value));
                        }
                    }
                    break;
                }
                let entry = &back.cursor;
                let timestamp = entry.timestamp();
                if timestamp <= self.snapshot {
                    let value =
                        visible_value::<TOMBSTONES>(entry.operation(), timestamp, covering, || {
                            entry.value_slice()
                        });
                    visible = Some((timestamp, value));
                } else {
                    passed_snapshot = true;
                }
                stepped += 1;
                back.cursor.prev()?;
            }
            if let (false, Some((_, Some(value)))) = (skip_key, visible) {
                remember(&mut back.last_yielded, &key);
                return Ok(Some((Slice::from(key), value)));
            }
        }
        Ok(None)
    }
}

/// The covered range over `key` and its index, when the scan sees range
/// tombstones (`TOMBSTONES`: known at compile time, so the walk without
/// them has no check).
fn covered_range<'t, const TOMBSTONES: bool>(
    tombstones: &'t Option<ScanTombstones>,
    key: &[u8],
) -> Option<(usize, &'t CoveredRange)> {
    if !TOMBSTONES {
        return None;
    }
    tombstones.as_ref().and_then(|t| t.range_at(key))
}

/// What a scan makes of the version of a key it sees: its value, or `None`
/// for a tombstone or a value older than the range tombstone at
/// `covering` over the key.
fn visible_value<const TOMBSTONES: bool>(
    operation: Operation,
    timestamp: Timestamp,
    covering: Option<Timestamp>,
    value: impl FnOnce() -> Slice,
) -> Option<Slice> {
    match operation {
        Operation::Put if !(TOMBSTONES && older(timestamp, covering)) => Some(value()),
        _ => None,
    }
}

/// Whether a version at `version` is older than the range tombstone at
/// `covering` over its key, and so hidden by it.
fn older(version: Timestamp, covering: Option<Timestamp>) -> bool {
    covering.is_some_and(|c| version < c)
}

/// Whether two user keys are equal: one call per entry of a scan, so it
/// checks the lengths first and compares eight bytes at a time.
fn same_key(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && compare_user_keys(a, b).is_eq()
}

/// Stores `key` as an end's last yielded key, reusing the buffer of the
/// previous one: a scan yields millions of keys, and each would otherwise
/// cost an allocation here on top of the one it hands to the caller.
fn remember(last: &mut Option<Key>, key: &[u8]) {
    match last {
        Some(buffer) => {
            buffer.clear();
            buffer.extend_from_slice(key);
        }
        None => *last = Some(key.to_vec()),
    }
}
