//! `--range_tombstones=N`: the range deletes readrandom reads through.
//!
//! Before the first readrandom on a database, N range deletes are written,
//! each over [`KEYS_PER_TOMBSTONE`] keys (fewer when `--num / N` is
//! smaller) in the middle of the i-th of N equal slices of the key space,
//! so they are disjoint and spread over it. They are live: readrandom
//! writes nothing, so they stay in the MemTable the writes put them in, and
//! every `get` consults them; a later flush or compaction moves them into
//! tables, and a compaction at the bottom of the tree drops them. Gets of
//! the keys they cover find nothing and count as not found. With
//! `--keyspaces=K`, each range is deleted in every keyspace (K range
//! deletes in one batch).

use std::ops::Bound;

use ferrisdb_storage::{Result, StorageEngine};

use super::data::make_key;
use super::keyspaces::Targets;

/// Keys each tombstone covers, at most.
pub const KEYS_PER_TOMBSTONE: u64 = 10;

/// The index ranges (first, last, inclusive) of `count` tombstones over
/// `num` keys: disjoint, in key order, one in the middle of each of
/// `count` equal slices. Empty when `count` is 0 or above `num`.
pub fn tombstone_ranges(num: u64, count: u64) -> Vec<(u64, u64)> {
    if count == 0 || count > num {
        return Vec::new();
    }
    // Slice i is `[i * num / count, (i + 1) * num / count)`: at least
    // `num / count` keys long, so `width` keys fit in each.
    let bound = |i: u64| (u128::from(i) * u128::from(num) / u128::from(count)) as u64;
    let width = KEYS_PER_TOMBSTONE.min(num / count);
    (0..count)
        .map(|i| {
            let (start, end) = (bound(i), bound(i + 1));
            let first = start + (end - start - width) / 2;
            (first, first + width - 1)
        })
        .collect()
}

/// Writes the `count` range deletes of [`tombstone_ranges`] over `num`
/// keys of `key_size` bytes; returns the keys they cover.
///
/// # Errors
///
/// The first error of the range deletes.
pub(super) fn write(
    db: &StorageEngine,
    targets: &Targets,
    num: u64,
    key_size: usize,
    count: u64,
) -> Result<u64> {
    let mut covered = 0;
    for (first, last) in tombstone_ranges(num, count) {
        let (start, end) = (make_key(first, key_size), make_key(last, key_size));
        targets.delete_range(
            db,
            (
                Bound::Included(start.as_slice()),
                Bound::Included(end.as_slice()),
            ),
        )?;
        covered += last - first + 1;
    }
    Ok(covered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tombstones_are_disjoint_spread_and_inside_the_key_space() {
        for (num, count) in [
            (1000, 1),
            (1000, 3),
            (1000, 100),
            (1_000_000, 100),
            (7, 7),
            (25, 10),
        ] {
            let ranges = tombstone_ranges(num, count);
            assert_eq!(ranges.len() as u64, count, "{num} {count}");
            let width = KEYS_PER_TOMBSTONE.min(num / count);
            for (i, &(first, last)) in ranges.iter().enumerate() {
                assert_eq!(last - first + 1, width, "{num} {count}: {ranges:?}");
                let slice = (i as u64 * num / count)..((i as u64 + 1) * num / count);
                assert!(
                    slice.contains(&first) && slice.contains(&last),
                    "{ranges:?}"
                );
            }
            assert!(ranges.windows(2).all(|w| w[0].1 < w[1].0), "{ranges:?}");
        }
        assert_eq!(tombstone_ranges(1000, 1), [(495, 504)]);
        assert!(tombstone_ranges(1000, 0).is_empty());
        assert!(tombstone_ranges(3, 4).is_empty());
        assert_eq!(tombstone_ranges(u64::MAX, 2).len(), 2);
    }
}
