//! A repair cut short by a power loss leaves its journal, `REPAIR`, naming
//! the first number it gave out. The next repair sets those files aside
//! only in its plan (they move into `lost/` after its merge), and before
//! its merge it writes its own journal over the old one, naming a higher
//! number. Stopped before the move (an error such as a full disk, or a
//! second power loss), it leaves the first repair's tables in the directory
//! and a journal that no longer names them: the third repair reads them as
//! the database's own, and the deleted key comes back (issue 23).

mod repair_common;

use ferrisdb_storage::fs::{FaultFileSystem, FaultKind, FileSystem, OpKind};
use ferrisdb_storage::StorageEngine;
use repair_common::*;

/// What a whole repair of `base` gives, and how many steps it takes.
fn expected(base: &FaultFileSystem) -> (Vec<(String, u8)>, u64) {
    let (repaired, steps) = repaired_whole(base, small);
    let expected = keys(&StorageEngine::open(small(&repaired)).unwrap());
    assert!(!expected.iter().any(|(k, _)| k == "a30"));
    (expected, steps)
}

/// Power loss in repair 1, a full disk in repair 2, then repair 3.
#[test]
fn a_second_repair_stopped_by_an_error_keeps_the_first_repairs_journal() {
    let base = without_manifest();
    let (expected, steps) = expected(&base);
    let mut failures = Vec::new();
    for k in 1..steps {
        let rebooted = cut_short_at(&base, k, small);
        // Repair 2: every table create fails (a full disk).
        rebooted.fail_path_at(1, true, &[OpKind::Create], FaultKind::NoSpace, ".sst");
        let second = StorageEngine::repair(small(&rebooted));
        rebooted.heal();
        if second.is_ok() {
            continue;
        }
        let report = StorageEngine::repair(small(&rebooted))
            .unwrap_or_else(|e| panic!("step {k}: the third repair failed: {e}"));
        let db = StorageEngine::open(small(&rebooted)).unwrap();
        let got = keys(&db);
        if got != expected {
            failures.push((k, got.iter().any(|(k, _)| k == "a30"), report.to_string()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} crash points differ (k, a30 resurrected): {:?}",
        failures.len(),
        steps,
        failures.iter().map(|f| (f.0, f.1)).collect::<Vec<_>>()
    );
}

/// Power loss in repair 1 where its first and its last tables are durable,
/// a power loss in repair 2 at every step, then repair 3.
#[test]
fn a_second_power_loss_keeps_the_first_repairs_journal() {
    let base = without_manifest();
    let (expected, steps) = expected(&base);
    let tables = |fs: &FaultFileSystem| {
        let names = fs.list(&dir()).unwrap();
        names.iter().filter(|n| n.ends_with(".sst")).count()
    };
    let left_tables: Vec<u64> = (1..steps)
        .filter(|&k| tables(&cut_short_at(&base, k, small)) > tables(&base))
        .collect();
    let (Some(&first), Some(&last)) = (left_tables.first(), left_tables.last()) else {
        panic!("no crash point leaves the first repair's tables");
    };
    let mut failures = Vec::new();
    let mut cut_twice = 0;
    for k1 in [first, last] {
        let once = cut_short_at(&base, k1, small);
        let (_, steps2) = repaired_whole(&once, small);
        for k2 in 1..steps2 {
            let twice = cut_short_at(&once, k2, small);
            cut_twice += 1;
            let _ = StorageEngine::repair(small(&twice))
                .unwrap_or_else(|e| panic!("{k1}/{k2}: the third repair failed: {e}"));
            let got = keys(&StorageEngine::open(small(&twice)).unwrap());
            if got != expected {
                failures.push((k1, k2, got.iter().any(|(k, _)| k == "a30")));
            }
        }
    }
    assert!(cut_twice > 0);
    assert!(
        failures.is_empty(),
        "differ (k1, k2, a30 back): {failures:?}"
    );
}
