//! A flush of a MemTable holding range deletes.
//!
//! Two things differ from a flush of points alone:
//!
//! - **What the range deletes hide is not written.** Every flush passes the
//!   MemTable's entries through the drop rule a merge uses (`write_visible`
//!   in `flush.rs`); here the rule consults the MemTable's own range
//!   deletes too, so a version hidden by one from every reader that could
//!   see it (no live snapshot between it and the delete) never reaches the
//!   table. Otherwise
//!   a scan of the deleted range would step over every such entry until a
//!   compaction: the table's newest timestamp is the delete's own, so no
//!   scan can skip it whole. Everything else is kept: point tombstones (an
//!   older table may hold their keys) and whatever a snapshot reads.
//! - **Every range delete gets an end.** One without an upper bound
//!   (`delete_prefix` of `0xff`s, a range `"k"..`) exists in the log and the
//!   MemTable, but a table needs a largest key: it is cut where no older
//!   version can lie beyond ([`bounded`]).

use std::sync::Arc;

use ferrisdb_core::range_tombstone::{next_key, prefix_successor};

use crate::compaction::{CompactionTombstones, DropRule};
use crate::memtable::MemTable;
use crate::range_del::fragments::FragmentedTombstones;
use crate::sstable::format::MAX_RANGE_END_SIZE;
use crate::versions::{Table, TableOutput};
use crate::{Key, Result, Timestamp};

/// Writes `memtable`'s entries, less what its range `tombstones` hide from
/// every reader under the live `snapshots` (ascending), and the tombstones
/// themselves, to `output`. `older` are the keyspace's tables (and any
/// written from older MemTables but not yet listed): their ranges say how
/// far an unbounded range delete must reach.
pub(super) fn write_with_range_tombstones<'a>(
    output: &mut TableOutput<'_>,
    memtable: &MemTable,
    tombstones: &FragmentedTombstones,
    snapshots: &[Timestamp],
    older: impl Iterator<Item = &'a Arc<Table>>,
) -> Result<()> {
    // An older table may hold any key: no tombstone is dropped here.
    let thinned = CompactionTombstones::new([tombstones], snapshots, |_, _| true);
    let largest_key = write_visible(output, memtable, &thinned.covering, snapshots)?;
    // Each table's keys lie below its largest key's successor, or below the
    // key itself when it is a range end ("keys below e").
    let older_ends = older.map(|t| {
        let largest = &t.record.largest.user_key;
        match t.record.ends_exclusive() {
            true => largest.clone(),
            false => next_key(largest),
        }
    });
    let ends = older_ends.chain(largest_key.map(next_key));
    output.set_range_tombstones(bounded(&thinned.kept, ends));
    Ok(())
}

/// `tombstones` as a table holds them: with an end.
///
/// A tombstone without an upper bound is cut at the largest of `ends`, each
/// an end below which every key of a table of the keyspace, or of the
/// MemTable's points, lies. That loses nothing: a tombstone hides only
/// versions older than itself, which are all in this MemTable or in tables
/// when it is flushed (MemTables are flushed oldest first, and compactions
/// make no new keys); versions written later are newer. The cut never
/// empties a fragment: it falls after the start of the last one too. It is
/// at most [`MAX_RANGE_END_SIZE`] bytes long, as every end given is.
fn bounded(
    tombstones: &FragmentedTombstones,
    ends: impl Iterator<Item = Key>,
) -> FragmentedTombstones {
    let Some(last) = tombstones.fragments().last().filter(|f| f.end.is_none()) else {
        return tombstones.clone();
    };
    let cut = ends.fold(end_after(&last.start), |a, b| a.max(b));
    tombstones.clipped(None, Some(&cut))
}

/// The smallest end above `start` that a table can hold: `start` followed
/// by `0x00`, or, for a start of the longest length, its prefix successor
/// (the write path refuses the one start of that length without one, all
/// `0xff`).
fn end_after(start: &[u8]) -> Key {
    match start.len() < MAX_RANGE_END_SIZE {
        true => next_key(start),
        false => prefix_successor(start).unwrap_or_else(|| next_key(start)),
    }
}

/// Writes `memtable`'s entries to `output`, less the versions no reader
/// can see: each passes compaction's drop rule under the stripes of
/// `snapshots` (ascending), with `covering` the MemTable's range tombstones
/// as the rule consults them. A table older than the MemTable may hold any
/// key, so a point tombstone the rule would keep for that stays. Returns
/// the largest user key of the MemTable.
///
/// A key updated thousands of times between two snapshots (the hot key
/// of a skewed workload) reaches level 0 as one version, not thousands
/// that every scan over it, and the compaction of the table, would step
/// over; a MemTable with nothing to drop makes the table it made before.
pub(super) fn write_visible<'m>(
    output: &mut TableOutput<'_>,
    memtable: &'m MemTable,
    covering: &FragmentedTombstones,
    snapshots: &[Timestamp],
) -> Result<Option<&'m [u8]>> {
    let mut rule = DropRule::new(snapshots, covering, |_: &[u8]| true);
    let mut largest_key = None;
    for entry in memtable.entries() {
        rule.offer(
            entry.user_key,
            entry.timestamp,
            entry.operation,
            entry.value,
            &mut |key, timestamp, operation, value| output.add(key, timestamp, operation, value),
        )?;
        largest_key = Some(entry.user_key);
    }
    Ok(largest_key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrisdb_core::RangeTombstone;

    /// A tombstone's start, end and timestamp.
    type Spec<'a> = (&'a [u8], Option<&'a [u8]>, Timestamp);

    fn list(tombstones: &[Spec<'_>]) -> FragmentedTombstones {
        FragmentedTombstones::from_tombstones(
            tombstones
                .iter()
                .map(|&(s, e, t)| RangeTombstone::new(s.to_vec(), e.map(<[u8]>::to_vec), t))
                .collect(),
        )
    }

    #[test]
    fn an_unbounded_tombstone_ends_past_every_older_key_and_past_its_start() {
        let unbounded = list(&[(b"b", Some(b"d"), 3), (b"k", None, 5)]);
        let ends = [b"m\0".to_vec(), b"zz".to_vec(), b"c\0".to_vec()];
        assert_eq!(
            bounded(&unbounded, ends.into_iter()),
            list(&[(b"b", Some(b"d"), 3), (b"k", Some(b"zz"), 5)])
        );
        // Nothing older at or above its start: it still ends after it.
        assert_eq!(
            bounded(&unbounded, std::iter::empty()),
            list(&[(b"b", Some(b"d"), 3), (b"k", Some(b"k\0"), 5)])
        );
        // A bounded list is left as it is.
        let bounded_list = list(&[(b"b", Some(b"d"), 3)]);
        assert_eq!(
            bounded(&bounded_list, [b"zz".to_vec()].into_iter()),
            bounded_list
        );
    }

    #[test]
    fn the_cut_of_the_longest_start_stays_within_the_table_limit() {
        let mut longest = vec![b'a'; MAX_RANGE_END_SIZE - 1];
        longest.push(0);
        let end = end_after(&longest);
        assert!(end.len() <= MAX_RANGE_END_SIZE && end > longest);
        let shorter = vec![b'a'; 10];
        assert_eq!(end_after(&shorter), next_key(&shorter));
    }
}
