//! Tables wholly hidden by a range tombstone, dropped without being read.
//!
//! `delete_range` over a million keys is one tombstone; once it is in a
//! table, every older table whose whole key range it covers holds nothing
//! anyone can read, and goes as a manifest edit, without a byte of it being
//! read (RocksDB's `DeleteFilesInRange` and its compaction's file dropping;
//! Pebble's delete-only compactions). The tables it covers only in part are
//! left to merges, whose drop rule removes the covered entries.
//!
//! A table `t` is covered when a table before it in read order (so holding
//! newer data) has range tombstones over all of `t`'s key range, each with
//! a timestamp `c` such that
//!
//! - `c > t.max_timestamp`: it hides every version in `t`, and
//! - no live snapshot lies in `[t.min_timestamp, c)`: every reader that
//!   could see a version of `t` sees the tombstone too. (A snapshot taken
//!   later reads at or above `c`, which is already visible.)
//!
//! Only tables' tombstones count, never a MemTable's: a MemTable's range
//! delete may still be lost by a crash (its log record not yet on disk),
//! while the manifest that dropped the table would not be. A tombstone in a
//! table the manifest lists is durable. A table dropped here does not lend
//! its own tombstones to the tables after it: they go with it.

use std::collections::HashSet;

use crate::manifest::TableRecord;
use crate::range_del::fragments::{Fragment, FragmentedTombstones};
use crate::Timestamp;

/// The idle tables of `tables` (every table of a keyspace in read order:
/// level 0 newest first, then each deeper level by key, each with its range
/// tombstones) wholly covered by the range tombstones of a table before
/// them, under the live `snapshots` (ascending).
pub(crate) fn covered_tables<'a>(
    tables: impl IntoIterator<Item = (&'a TableRecord, &'a FragmentedTombstones)>,
    snapshots: &[Timestamp],
    busy: &HashSet<u64>,
) -> Vec<u64> {
    let mut newer: Vec<&FragmentedTombstones> = Vec::new();
    let mut covered = Vec::new();
    for (table, tombstones) in tables {
        let idle = !busy.contains(&table.file_number);
        if idle
            && newer
                .iter()
                .any(|list| covers_whole(list, table, snapshots))
        {
            covered.push(table.file_number);
            continue;
        }
        if !tombstones.is_empty() {
            newer.push(tombstones);
        }
    }
    covered
}

/// Whether the fragments of `list` run without a gap over `table`'s whole
/// key range, each with a tombstone that hides all of the table from every
/// reader that could see it.
fn covers_whole(list: &FragmentedTombstones, table: &TableRecord, snapshots: &[Timestamp]) -> bool {
    let stripe = |t: Timestamp| snapshots.partition_point(|&s| s < t);
    let table_stripe = stripe(table.min_timestamp);
    let hides_all = |f: &Fragment| {
        f.timestamps
            .iter()
            .any(|&c| c > table.max_timestamp && stripe(c) == table_stripe)
    };
    let fragments = list.fragments();
    let first =
        fragments.partition_point(|f| f.start.as_slice() <= table.smallest.user_key.as_slice());
    let Some(mut at) = first.checked_sub(1) else {
        return false;
    };
    if !fragments[at].covers(&table.smallest.user_key) {
        return false;
    }
    loop {
        let fragment = &fragments[at];
        if !hides_all(fragment) {
            return false;
        }
        let Some(end) = &fragment.end else {
            return true;
        };
        if table.ends_before(end) {
            return true;
        }
        at += 1;
        match fragments.get(at) {
            Some(next) if next.start == *end => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::InternalKey;
    use ferrisdb_core::range_tombstone::{RANGE_END_TS, RANGE_START_TS};
    use ferrisdb_core::RangeTombstone;

    fn table(
        file_number: u64,
        keys: (&str, &str),
        timestamps: (Timestamp, Timestamp),
    ) -> TableRecord {
        TableRecord {
            level: 1,
            file_number,
            file_size: 100,
            entry_count: 10,
            tombstone_count: 0,
            smallest: InternalKey::new(keys.0, timestamps.1),
            largest: InternalKey::new(keys.1, timestamps.0),
            min_timestamp: timestamps.0,
            max_timestamp: timestamps.1,
        }
    }

    fn list(tombstones: &[(&str, &str, Timestamp)]) -> FragmentedTombstones {
        FragmentedTombstones::from_tombstones(
            tombstones
                .iter()
                .map(|&(s, e, t)| {
                    RangeTombstone::new(s.as_bytes().to_vec(), Some(e.as_bytes().to_vec()), t)
                })
                .collect(),
        )
    }

    fn covered(
        tables: &[(TableRecord, FragmentedTombstones)],
        snapshots: &[Timestamp],
        busy: &[u64],
    ) -> Vec<u64> {
        let busy = busy.iter().copied().collect();
        covered_tables(tables.iter().map(|(t, l)| (t, l)), snapshots, &busy)
    }

    #[test]
    fn a_table_inside_a_newer_tombstone_goes_unless_a_snapshot_reads_it() {
        let mut delete = table(9, ("a", "z"), (50, 50));
        delete.smallest = InternalKey::new("a", RANGE_START_TS);
        delete.largest = InternalKey::new("z", RANGE_END_TS);
        let tables = [
            (delete, list(&[("a", "m", 50), ("m", "z", 50)])),
            (
                table(3, ("b", "f"), (10, 20)),
                FragmentedTombstones::empty(),
            ),
            (
                table(4, ("g", "y"), (21, 30)),
                FragmentedTombstones::empty(),
            ),
            (table(5, ("x", "zz"), (1, 9)), FragmentedTombstones::empty()),
            (
                table(6, ("p", "q"), (40, 60)),
                FragmentedTombstones::empty(),
            ),
        ];
        // 5 reaches past the tombstone; 6 holds versions newer than it.
        assert_eq!(covered(&tables, &[], &[]), [3, 4]);
        // A snapshot at 25 reads versions of both tables, which the
        // tombstone at 50 does not hide from it: both stay.
        assert_eq!(covered(&tables, &[25], &[]), Vec::<u64>::new());
        // A snapshot below both tables, or at or above the tombstone, reads
        // neither table's versions without the tombstone.
        assert_eq!(covered(&tables, &[5, 50], &[]), [3, 4]);
        assert_eq!(covered(&tables, &[], &[4]), [3]);
    }

    #[test]
    fn the_fragments_must_leave_no_gap_and_the_end_bound_is_exclusive() {
        let gap = list(&[("a", "c", 50), ("d", "z", 50)]);
        let tables = [
            (table(1, ("a", "a"), (1, 1)), gap),
            (table(2, ("b", "e"), (1, 2)), FragmentedTombstones::empty()),
        ];
        assert_eq!(covered(&tables, &[], &[]), Vec::<u64>::new());
        let upto_e = list(&[("a", "e", 50)]);
        let mut ends_at_e = table(2, ("b", "e"), (1, 2));
        let tables = [
            (table(1, ("a", "a"), (1, 1)), upto_e.clone()),
            (ends_at_e.clone(), FragmentedTombstones::empty()),
        ];
        assert_eq!(
            covered(&tables, &[], &[]),
            Vec::<u64>::new(),
            "e itself is not covered"
        );
        ends_at_e.largest = InternalKey::new("e", RANGE_END_TS);
        let tables = [
            (table(1, ("a", "a"), (1, 1)), upto_e),
            (ends_at_e, FragmentedTombstones::empty()),
        ];
        assert_eq!(
            covered(&tables, &[], &[]),
            [2],
            "a table of keys below e is"
        );
    }

    #[test]
    fn a_dropped_table_lends_no_tombstone() {
        let tables = [
            (table(1, ("a", "a"), (100, 100)), list(&[("a", "z", 100)])),
            (table(2, ("b", "y"), (40, 50)), list(&[("c", "d", 50)])),
            (table(3, ("c", "c"), (1, 1)), FragmentedTombstones::empty()),
        ];
        // 3 is covered by table 1's tombstone itself, not through table 2's.
        assert_eq!(covered(&tables, &[], &[]), [2, 3]);
        // With a snapshot at 60, table 2 stays (the snapshot reads it), and
        // so lends its tombstone at 50, under which table 3 goes.
        assert_eq!(covered(&tables, &[60], &[]), [3]);
    }
}
