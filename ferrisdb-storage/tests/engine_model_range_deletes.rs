//! Model test of range deletes: random sequences of puts (one key, or many
//! in a row), point deletes, range and prefix deletes (alone and in batches
//! across two keyspaces), gets, scans and prefix scans (forwards, backwards,
//! from both ends), scans and snapshots kept open and read later, flushes,
//! compactions, clean reopens and power losses, run on the engine and on a
//! `BTreeMap` per keyspace, which must agree.
//!
//! Keys are zero to three bytes of `a`, `b`, `c` and `0xff`, and every range
//! bound is such a key: ranges nest and overlap all the time, a range often
//! starts or ends at a written key, and `0xff` prefixes and `..` have no
//! upper bound. Most ranges are in order; now and then one is empty or
//! inverted (a no-op). Three bytes is also the database's `max_key_size`,
//! so range bounds a byte past the longest key are met all the time. A batch applies in its order: a range delete hides
//! what the batch wrote before it, not what it writes after it.
//!
//! Two keyspaces, `default` and `other`, take different writes, so a
//! tombstone that leaked from one to the other reads as a missing key. The
//! database's compaction style is leveled in one test and size-tiered in
//! the other, `other`'s the opposite one, with tiny MemTables and levels so
//! tables form and merge in the background all through a sequence. A
//! snapshot holds the model of its instant: its reads must see what the
//! keyspaces held then, whatever was deleted, flushed and compacted since;
//! so must a scan opened, partly read, and read to its end steps later.
//! Every write is synced (`SyncMode::Full`), so a power loss loses nothing.
//!
//! Failures shrink to a short sequence, are saved under
//! `proptest-regressions/`, and each distinct one becomes a named `#[test]`
//! below. `FERRISDB_PROPTEST_CASES` (default 48) sets the sequences per
//! style.

mod reliability;

#[path = "engine_model_range_deletes/machine.rs"]
mod machine;
#[path = "engine_model_range_deletes/steps.rs"]
mod steps;

use ferrisdb_storage::{CompactionStyle, LeveledOptions, SizeTieredOptions};
use proptest::prelude::*;

use machine::check;
use steps::step;
#[allow(unused_imports)]
use steps::{k, Dir, Entry, Ks, Range, Step};

/// Leveled compaction with tiny levels, so that it runs often.
const LEVELED: CompactionStyle = CompactionStyle::Leveled(LeveledOptions {
    level0_file_num_compaction_trigger: 2,
    max_bytes_for_level_base: 4 << 10,
    max_bytes_for_level_multiplier: 2,
});

/// Size-tiered compaction merging tiers of 2 runs.
const SIZE_TIERED: CompactionStyle = CompactionStyle::SizeTiered(SizeTieredOptions {
    min_merge_width: 2,
    max_size_amplification_percent: 150,
});

fn proptest_config(name: &'static str) -> ProptestConfig {
    ProptestConfig {
        cases: reliability::env_or("FERRISDB_PROPTEST_CASES", 48) as u32,
        max_shrink_iters: 2048,
        // Relative to the crate (cargo test's working directory): integration
        // tests have no lib.rs for `SourceParallel` to find.
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(name),
        )),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(proptest_config(
        "proptest-regressions/engine_model_range_deletes.txt"
    ))]

    #[test]
    fn range_deletes_agree_with_a_model_leveled_default(
        steps in prop::collection::vec(step(), 1..160)
    ) {
        check(&steps, LEVELED, SIZE_TIERED)?;
    }

    #[test]
    fn range_deletes_agree_with_a_model_size_tiered_default(
        steps in prop::collection::vec(step(), 1..160)
    ) {
        check(&steps, SIZE_TIERED, LEVELED)?;
    }
}

/// A sequence that touches every kind of step once, in both styles: the
/// model test's own smoke test, which runs whatever the case count.
#[test]
fn every_kind_of_step_runs() {
    let steps = [
        Step::Put(Ks::Default, k("ab"), 10),
        Step::Put(Ks::Other, k("ab"), 10),
        Step::Fill(Ks::Other, 3, 40, 100),
        Step::TakeSnapshot,
        Step::OpenScan(Ks::Other, Range::all(), 1),
        Step::DeleteRange(Ks::Default, Range::half_open("a", "b"), true),
        Step::Get(Ks::Default, k("ab")),
        Step::Get(Ks::Other, k("ab")),
        Step::Flush,
        Step::Batch(vec![
            Entry::Put(Ks::Other, k("c"), 3),
            Entry::DeletePrefix(Ks::Other, k("")),
            Entry::Put(Ks::Other, k("b"), 3),
            Entry::DeleteRange(Ks::Default, Range::all()),
        ]),
        Step::DeletePrefix(Ks::Other, k(b"\xff"), false),
        Step::Scan(Ks::Other, Range::all(), Dir::Backward),
        Step::ScanPrefix(Ks::Default, k("a"), Dir::Forward),
        Step::Compact,
        Step::ReadSnapshot(0, Ks::Default, Range::all(), Dir::Backward),
        Step::FinishScan(0, Dir::Both(0b0110)),
        Step::Delete(Ks::Other, k("b")),
        Step::ReleaseSnapshot(0),
        Step::WaitForCompactions,
        Step::Reopen,
        Step::Crash,
    ];
    check(&steps, LEVELED, SIZE_TIERED).unwrap();
    check(&steps, SIZE_TIERED, LEVELED).unwrap();
}
