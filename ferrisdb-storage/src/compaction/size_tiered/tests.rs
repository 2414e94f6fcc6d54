use super::*;
use crate::compaction::test_support::{levels, table};

fn strategy() -> SizeTiered {
    let options = SizeTieredOptions {
        min_merge_width: 4,
        max_size_amplification_percent: 200,
    };
    SizeTiered::new(&options, 20)
}

fn runs(sizes: &[u64]) -> Vec<Vec<TableRecord>> {
    levels(
        sizes
            .iter()
            .enumerate()
            .map(|(i, &s)| table(100 - i as u64, 0, "a", "z", s))
            .collect(),
    )
}

#[test]
fn four_similar_runs_merge_into_one() {
    let v = runs(&[10, 12, 9, 11, 1000]);
    assert_eq!(
        strategy().pick(&v, &HashSet::new()),
        CompactionChoice::Merge {
            inputs: vec![100, 99, 98, 97],
            output_level: 0
        }
    );
}

#[test]
fn dissimilar_or_too_few_runs_wait() {
    assert_eq!(
        strategy().pick(&runs(&[10, 12, 9, 1000]), &HashSet::new()),
        CompactionChoice::Nothing
    );
    assert_eq!(
        strategy().pick(&runs(&[10, 100, 10, 100, 1000]), &HashSet::new()),
        CompactionChoice::Nothing
    );
}

#[test]
fn a_tier_further_back_is_found_and_busy_runs_split_tiers() {
    let v = runs(&[1, 100, 100, 100, 100, 10_000]);
    assert_eq!(
        strategy().pick(&v, &HashSet::new()),
        CompactionChoice::Merge {
            inputs: vec![99, 98, 97, 96],
            output_level: 0
        }
    );
    assert_eq!(
        strategy().pick(&v, &HashSet::from([97])),
        CompactionChoice::Nothing
    );
}

#[test]
fn too_much_space_amplification_merges_everything() {
    let v = runs(&[150, 160, 100]);
    assert_eq!(
        strategy().pick(&v, &HashSet::new()),
        CompactionChoice::Merge {
            inputs: vec![100, 99, 98],
            output_level: 0
        }
    );
}

#[test]
fn too_many_runs_merge_the_newest_whatever_their_sizes() {
    let s = SizeTiered {
        max_runs: 5,
        ..strategy()
    };
    let v = runs(&[1, 3, 9, 27, 81, 1000]);
    assert_eq!(
        s.pick(&v, &HashSet::new()),
        CompactionChoice::Merge {
            inputs: vec![100, 99, 98, 97],
            output_level: 0
        }
    );
    assert_eq!(s.pick(&v, &HashSet::from([98])), CompactionChoice::Nothing);
}

#[test]
fn an_oldest_run_of_only_tombstones_is_dropped() {
    let mut v = runs(&[10, 1000]);
    v[0][1].tombstone_count = v[0][1].entry_count;
    assert_eq!(
        strategy().pick(&v, &HashSet::new()),
        CompactionChoice::Drop { tables: vec![99] }
    );
}

/// Level 0 runs of sizes 10, 12 and 9 over a leveled database: level 2
/// (two tables, 11 bytes) and level 4 (one table, 1000 bytes).
fn over_leveled() -> Vec<Vec<TableRecord>> {
    levels(vec![
        table(100, 0, "a", "z", 10),
        table(99, 0, "a", "z", 12),
        table(98, 0, "a", "z", 9),
        table(5, 2, "a", "k", 5),
        table(6, 2, "l", "z", 6),
        table(3, 4, "a", "z", 1000),
    ])
}

#[test]
fn each_deeper_level_is_one_run_and_a_merge_goes_where_its_oldest_input_was() {
    let v = over_leveled();
    assert_eq!(
        strategy().pick(&v, &HashSet::new()),
        CompactionChoice::Merge {
            inputs: vec![100, 99, 98, 5, 6],
            output_level: 2
        }
    );
    // A busy table keeps its whole level out of merges.
    assert_eq!(
        strategy().pick(&v, &HashSet::from([6])),
        CompactionChoice::Nothing
    );
}

#[test]
fn a_full_compaction_merges_every_level_into_the_deepest() {
    assert_eq!(
        strategy().full(&over_leveled(), false),
        CompactionChoice::Merge {
            inputs: vec![100, 99, 98, 5, 6, 3],
            output_level: 4
        }
    );
    // One run is left alone unless it has tombstones (point or range)
    // to drop.
    let one = levels(vec![table(5, 2, "a", "k", 5), table(6, 2, "l", "z", 6)]);
    assert_eq!(strategy().full(&one, false), CompactionChoice::Nothing);
    let mut with_tombstone = one.clone();
    with_tombstone[2][1].tombstone_count = 1;
    assert_eq!(
        strategy().full(&with_tombstone, false),
        CompactionChoice::Merge {
            inputs: vec![5, 6],
            output_level: 2
        }
    );
    assert_eq!(
        strategy().full(&one, true),
        strategy().full(&with_tombstone, false)
    );
    assert_eq!(
        strategy().full(&levels(vec![]), true),
        CompactionChoice::Nothing
    );
}

#[test]
fn tombstones_over_a_deeper_level_are_not_dropped() {
    // The oldest level-0 run holds only tombstones, but level 3 below it
    // still holds the keys they delete.
    let mut v = levels(vec![
        table(100, 0, "a", "z", 10),
        table(99, 0, "c", "f", 10),
        table(3, 3, "a", "d", 1000),
    ]);
    v[0][1].tombstone_count = v[0][1].entry_count;
    assert_eq!(
        strategy().pick(&v, &HashSet::new()),
        CompactionChoice::Nothing
    );
    // Below a range level 3 does not cover, they hide nothing.
    v[3][0] = table(3, 3, "a", "b", 1000);
    assert_eq!(
        strategy().pick(&v, &HashSet::new()),
        CompactionChoice::Drop { tables: vec![99] }
    );
}

#[test]
fn deeper_levels_do_not_count_towards_too_many_runs() {
    let s = SizeTiered {
        max_runs: 3,
        min_merge_width: 2,
        ..strategy()
    };
    let v = levels(vec![
        table(100, 0, "a", "z", 1),
        table(99, 0, "a", "z", 100),
        table(3, 1, "a", "z", 10_000),
        table(2, 2, "a", "z", 1_000_000),
    ]);
    assert_eq!(s.pick(&v, &HashSet::new()), CompactionChoice::Nothing);
}
