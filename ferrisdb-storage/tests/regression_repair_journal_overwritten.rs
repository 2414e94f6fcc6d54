//! A repair cut short by a power loss leaves its journal, `REPAIR`, naming
//! the first number it gave out. The next repair sets those files aside
//! only in its plan (they move into `lost/` after its merge), and before
//! its merge it writes its own journal over the old one, naming a higher
//! number. Stopped before the move (an error such as a full disk, or a
//! second power loss), it leaves the first repair's tables in the directory
//! and a journal that no longer names them: the third repair reads them as
//! the database's own, and the deleted key comes back (issue 23).

mod repair_common;

use ferrisdb_storage::fs::{FaultKind, OpKind};
use ferrisdb_storage::StorageEngine;
use repair_common::*;

fn expected() -> Vec<(String, u8)> {
    let fs = without_manifest();
    StorageEngine::repair(small(&fs)).unwrap();
    keys(&StorageEngine::open(small(&fs)).unwrap())
}

/// Power loss in repair 1, a full disk in repair 2, then repair 3.
#[test]
fn a_second_repair_stopped_by_an_error_keeps_the_first_repairs_journal() {
    let base = without_manifest();
    let expected = expected();
    assert!(!expected.iter().any(|(k, _)| k == "a30"));
    let steps = {
        let fs = base.fork();
        let start = fs.total_operations();
        StorageEngine::repair(small(&fs)).unwrap();
        fs.total_operations() - start
    };
    let mut failures = Vec::new();
    for k in 1..steps {
        let fs = base.fork();
        fs.crash_after(fs.total_operations() + k);
        assert!(StorageEngine::repair(small(&fs)).is_err());
        let rebooted = fs.crash();
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

/// Power loss in repair 1, a power loss in repair 2, then repair 3.
#[test]
fn a_second_power_loss_keeps_the_first_repairs_journal() {
    let base = without_manifest();
    let expected = expected();
    let steps = {
        let fs = base.fork();
        let start = fs.total_operations();
        StorageEngine::repair(small(&fs)).unwrap();
        fs.total_operations() - start
    };
    let mut failures = Vec::new();
    // Repair 1 cut short halfway, repair 2 at every step.
    for k1 in [steps / 2, steps * 3 / 4] {
        let fs = base.fork();
        fs.crash_after(fs.total_operations() + k1);
        assert!(StorageEngine::repair(small(&fs)).is_err());
        let once = fs.crash();
        let steps2 = {
            let fs = once.fork();
            let start = fs.total_operations();
            StorageEngine::repair(small(&fs)).unwrap();
            fs.total_operations() - start
        };
        for k2 in 1..steps2 {
            let fs = once.fork();
            fs.crash_after(fs.total_operations() + k2);
            assert!(StorageEngine::repair(small(&fs)).is_err());
            let twice = fs.crash();
            let _ = StorageEngine::repair(small(&twice))
                .unwrap_or_else(|e| panic!("{k1}/{k2}: the third repair failed: {e}"));
            let got = keys(&StorageEngine::open(small(&twice)).unwrap());
            if got != expected {
                failures.push((k1, k2, got.iter().any(|(k, _)| k == "a30")));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "differ (k1, k2, a30 back): {failures:?}"
    );
}
