//! A progress callback that panics in the middle of a repair (a progress
//! bar failing to draw) unwound past the repair's clean-up: the tables it
//! had written stayed in the directory, listed by no manifest. Without a
//! manifest, the next repair read them as the database's own: their newest
//! timestamp, a write taken from the log, made it skip the older writes of
//! the log, a delete among them, and the deleted key came back from the
//! table the delete had hidden it in.

mod repair_common;

use std::panic::{catch_unwind, AssertUnwindSafe};

use ferrisdb_storage::{RepairOptions, StorageEngine};
use repair_common::*;

#[test]
fn a_repair_whose_progress_panics_repairs_again_to_the_same_database() {
    let base = without_manifest();
    let (calls, expected) = {
        let fs = base.fork();
        let mut calls = 0;
        let report =
            StorageEngine::repair_with_progress(small(&fs), RepairOptions::default(), &mut |_| {
                calls += 1
            })
            .unwrap();
        assert!(report.is_complete(), "{report}");
        let db = StorageEngine::open(small(&fs)).unwrap();
        (calls, keys(&db))
    };
    assert_eq!(expected.len(), 39);
    assert!(expected.contains(&("a01".into(), b'2')));
    assert!(!expected.iter().any(|(k, _)| k == "a30"));
    for k in 1..=calls {
        let fs = base.fork();
        let mut told = 0;
        // Quiet: the panic is the callback's, expected.
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let panicked = catch_unwind(AssertUnwindSafe(|| {
            StorageEngine::repair_with_progress(small(&fs), RepairOptions::default(), &mut |_| {
                told += 1;
                assert!(told != k, "the progress bar failed");
            })
        }));
        std::panic::set_hook(hook);
        assert!(panicked.is_err(), "call {k} of {calls}");
        let report = StorageEngine::repair(small(&fs))
            .unwrap_or_else(|e| panic!("call {k}: the second repair failed: {e}"));
        assert!(report.is_complete(), "call {k}: {report}");
        let db = StorageEngine::open(small(&fs)).unwrap();
        assert_eq!(keys(&db), expected, "call {k} of {calls}: {report}");
        assert!(db.verify().unwrap().is_intact(), "call {k}");
    }
}
