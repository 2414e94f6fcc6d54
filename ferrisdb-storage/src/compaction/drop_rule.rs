//! The drop rule: which versions survive a compaction.
//!
//! A compaction reads its input tables through one merging cursor, so the
//! versions of each user key arrive together, newest first. For each key it
//! keeps exactly the versions someone can still read:
//!
//! - **Snapshots.** Live snapshots cut time into *stripes*: a version with
//!   timestamp `t` belongs to the stripe of the oldest snapshot at or above
//!   `t`, or to the latest stripe if no snapshot is that new. A reader at a
//!   snapshot sees the newest version of its own or an older stripe, so the
//!   newest version of each stripe is kept and every other one dropped.
//! - **Range tombstones.** A version under a range tombstone of its own
//!   stripe that is newer than it is hidden from every reader that could
//!   see it (they all read at or above the tombstone), and is dropped, as
//!   are the older versions of its stripe. Under a tombstone of a newer
//!   stripe it is kept: the snapshot between needs it. (What happens to the
//!   range tombstones themselves is [`range_drop`](super::range_drop)'s.)
//! - **Tombstones.** A tombstone hides older versions. Once it is the oldest
//!   version kept, and no table older than the inputs can hold the key, it
//!   hides nothing any more and is dropped too (and so is the tombstone
//!   before it, if it then becomes the oldest, and so on).
//!
//! ```text
//! versions of "k", newest first      snapshots: 15; an older table may hold "k"
//!   k@20 Put "c"   latest stripe     keep (newest of the latest stripe)
//!   k@18 Put "b"   latest stripe     drop (shadowed by k@20)
//!   k@12 Delete    stripe of 15      keep (a reader at 15 must see "deleted",
//!                                          not the older table's version)
//!   k@5  Put "a"   stripe of 15      drop (shadowed by k@12 for every reader)
//! ```
//!
//! Had no older table covered "k", `k@12` would be dropped as well: with
//! nothing older anywhere, a reader at 15 finds no version, which means the
//! same as finding the tombstone.
//!
//! # One version at a time
//!
//! [`DropRule`] decides as the versions stream past, so a key's versions are
//! never gathered: a key with a million versions takes no more memory than a
//! key with one, and a kept value goes from the input table's block straight
//! to the output table's builder, which copies it once. For the key being
//! read the rule holds its bytes, the stripe of its last version, whether an
//! older table may hold it (asked once, and only if a tombstone would be
//! kept), and the tombstones that wait: whether a tombstone is the oldest
//! version kept is known only when a put of an older stripe follows (the
//! tombstones are written before it) or the key ends (they are dropped). At
//! most one waits per stripe, so they are bounded by the number of live
//! snapshots, whatever the number of versions.

use crate::range_del::fragments::FragmentedTombstones;
use crate::{Operation, Result, Timestamp};

/// The drop rule applied to a stream of versions, one at a time.
///
/// Versions are offered in [`InternalKey`](crate::InternalKey) order (user
/// key ascending, then newest first), as a merging cursor yields them; each
/// kept version is passed on in the same order.
pub(crate) struct DropRule<'s, F> {
    /// The live snapshot timestamps, ascending.
    snapshots: &'s [Timestamp],
    /// The range tombstones over the inputs, one per stripe per fragment.
    range_tombstones: &'s FragmentedTombstones,
    /// The timestamps of `range_tombstones` over the key, newest first.
    key_covering: &'s [Timestamp],
    /// Whether a table older than the compaction's inputs may hold a key.
    older_data: F,
    /// The user key of the versions arriving. Before the first version the
    /// state is that of an empty key with no version seen yet, which is what
    /// starting any key sets, so an empty first key needs no special case.
    key: Vec<u8>,
    /// The stripe of the key's last version; `None` before its first.
    stripe: Option<usize>,
    /// `older_data` of the key, once asked.
    key_has_older_data: Option<bool>,
    /// The timestamps of the key's tombstones kept since its last kept put,
    /// newest first: each the newest version of its stripe, and so far the
    /// oldest version kept, with nothing older anywhere to hide.
    waiting_tombstones: Vec<Timestamp>,
}

impl<'s, F: FnMut(&[u8]) -> bool> DropRule<'s, F> {
    /// The rule for a compaction under the live `snapshots` (ascending),
    /// with the inputs' `range_tombstones` (one per stripe per fragment,
    /// as [`CompactionTombstones::covering`](super::range_drop::CompactionTombstones)
    /// gives them), where `older_data(key)` says whether a table older than
    /// the compaction's inputs may hold `key`.
    pub(crate) fn new(
        snapshots: &'s [Timestamp],
        range_tombstones: &'s FragmentedTombstones,
        older_data: F,
    ) -> Self {
        DropRule {
            snapshots,
            range_tombstones,
            key_covering: covering(range_tombstones, &[]),
            older_data,
            key: Vec::new(),
            stripe: None,
            key_has_older_data: None,
            waiting_tombstones: Vec::new(),
        }
    }

    /// Decides on the next version of the stream, and passes every version
    /// it keeps to `keep` as soon as that is certain: a put at once, after
    /// the tombstones of newer stripes that waited for it; a tombstone at
    /// once if an older table may hold the key, or else once a put follows
    /// it, or never.
    ///
    /// REQUIRES: versions arrive in `InternalKey` order, and a tombstone's
    /// value is empty.
    ///
    /// # Errors
    ///
    /// The first error `keep` returns.
    pub(crate) fn offer(
        &mut self,
        user_key: &[u8],
        timestamp: Timestamp,
        operation: Operation,
        value: &[u8],
        keep: &mut impl FnMut(&[u8], Timestamp, Operation, &[u8]) -> Result<()>,
    ) -> Result<()> {
        if user_key != self.key.as_slice() {
            self.start_key(user_key);
        }
        let stripe = self.snapshots.partition_point(|&s| s < timestamp);
        if self.stripe == Some(stripe) {
            // A newer version of this stripe came first: every reader that
            // could see this one sees that one instead.
            return Ok(());
        }
        self.stripe = Some(stripe);
        if self.hidden_in_its_stripe(timestamp, stripe) {
            // So are the older versions of the stripe: the stripe is decided.
            return Ok(());
        }
        if operation == Operation::Delete && !self.key_has_older_data() {
            self.waiting_tombstones.push(timestamp);
            return Ok(());
        }
        // This version is kept, so the tombstones waiting above it are no
        // longer the oldest kept: they hide it from their stripes' readers.
        for &waiting in &self.waiting_tombstones {
            keep(&self.key, waiting, Operation::Delete, &[])?;
        }
        self.waiting_tombstones.clear();
        keep(user_key, timestamp, operation, value)
    }

    /// Ends the last key and starts `user_key`.
    fn start_key(&mut self, user_key: &[u8]) {
        // The tombstones still waiting are the last key's oldest kept
        // versions, and nothing older lies below them: they hide nothing.
        self.waiting_tombstones.clear();
        self.key.clear();
        self.key.extend_from_slice(user_key);
        self.stripe = None;
        self.key_has_older_data = None;
        self.key_covering = covering(self.range_tombstones, user_key);
    }

    /// Whether a range tombstone over the key, newer than `timestamp` and of
    /// the same `stripe`, hides the version from every reader that could see
    /// it.
    fn hidden_in_its_stripe(&self, timestamp: Timestamp, stripe: usize) -> bool {
        // The oldest tombstone newer than the version is in the oldest
        // stripe of those newer than it.
        let newer = self.key_covering.partition_point(|&c| c > timestamp);
        newer > 0
            && self
                .snapshots
                .partition_point(|&s| s < self.key_covering[newer - 1])
                == stripe
    }

    /// Whether a table older than the inputs may hold the current key. Asked
    /// of `older_data` once per key, and only for keys with a tombstone to
    /// decide on.
    fn key_has_older_data(&mut self) -> bool {
        let (key, older_data) = (&self.key, &mut self.older_data);
        *self
            .key_has_older_data
            .get_or_insert_with(|| older_data(key))
    }
}

/// The timestamps of `tombstones` over `user_key`, newest first.
fn covering<'s>(tombstones: &'s FragmentedTombstones, user_key: &[u8]) -> &'s [Timestamp] {
    if tombstones.is_empty() {
        return &[];
    }
    tombstones
        .fragment_at(user_key)
        .map_or(&[], |f| f.timestamps.as_slice())
}

/// The drop rule over all the versions of one user key at once (newest
/// first): the model [`DropRule`] is tested against.
///
/// `snapshots` are the live snapshot timestamps, ascending. `older_data`
/// says whether a table older than the compaction's inputs may hold the key;
/// `covering` are the timestamps of the range tombstones over it.
/// Returns the indices of the versions to keep, newest first.
#[cfg(test)]
pub(crate) fn retained(
    versions: &[(Timestamp, Operation)],
    snapshots: &[Timestamp],
    older_data: bool,
    covering: &[Timestamp],
) -> Vec<usize> {
    let stripe = |timestamp: Timestamp| snapshots.partition_point(|&s| s < timestamp);
    let mut keep: Vec<usize> = Vec::new();
    let mut last_stripe = None;
    for (index, &(timestamp, _)) in versions.iter().enumerate() {
        let s = stripe(timestamp);
        if last_stripe != Some(s) {
            last_stripe = Some(s);
            let hidden = covering.iter().any(|&c| c > timestamp && stripe(c) == s);
            if !hidden {
                keep.push(index);
            }
        }
    }
    if !older_data {
        while keep
            .last()
            .is_some_and(|&i| versions[i].1 == Operation::Delete)
        {
            keep.pop();
        }
    }
    keep
}

#[cfg(test)]
mod tests;
