//! Regression, found by the adversarial review of issue 23: `verify` calls
//! a database intact that lost a sealed log it still needs, when no record
//! follows the missing log.
//!
//! `verify` checks that the oldest log the manifest needs exists, and sees
//! a later one missing only as a gap in the timestamps: the first record
//! after it does not follow the last one before it. A flush starts a new,
//! empty log before it writes its tables; while it runs, the logs before
//! that one are sealed and still needed, and the newest of them has no
//! record after it. Gone, it leaves no gap, and a crash before the flush
//! finishes loses its acknowledged writes at the next open, silently. The
//! engine knows every sealed log it has not retired.

use std::thread;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};

mod common;
mod verify_common;

use common::log_paths;
use verify_common::populated;

#[test]
fn a_missing_sealed_log_before_an_empty_one_is_named() {
    let fs = FaultFileSystem::new();
    let db = populated(&fs);
    let before = log_paths(&fs);
    let held = fs.hold_syncs(".sst");
    thread::scope(|s| {
        let flush = s.spawn(|| db.flush());
        held.wait_until_held(1);
        let logs = log_paths(&fs);
        // The flush's new log, empty, after every log there was.
        assert_eq!(logs.len(), before.len() + 1, "{logs:?}");
        let newest_sealed = before.last().unwrap();
        fs.remove(newest_sealed).unwrap();
        let report = db.verify().unwrap();
        held.release();
        flush.join().unwrap().unwrap();
        assert_eq!(report.damage.len(), 1, "{report}");
        assert_eq!(&report.damage[0].file, newest_sealed, "{report}");
        assert!(report.damage[0].reason.contains("missing"), "{report}");
    });
}
