//! An I/O error at each step of a repair: the database then opens, or
//! repairs again, to what an uninterrupted repair gives. The failure that
//! broke it was the last one, the directory sync after the new manifest's
//! rename: `manifest::store` failed though the new manifest was in place
//! (it says the directory then holds either), and repair removed the
//! tables it had written as if no manifest listed them: the database then
//! opened to an error, or repaired again to nothing of what it held.

mod repair_common;

use ferrisdb_storage::fs::{FaultFileSystem, FaultKind, FileSystem, OpKind};
use ferrisdb_storage::StorageEngine;
use repair_common::*;

const KINDS: [OpKind; 5] = [
    OpKind::Create,
    OpKind::Write,
    OpKind::Sync,
    OpKind::Rename,
    OpKind::Read,
];

#[test]
fn a_repair_failing_at_any_step_leaves_a_database_that_opens_or_repairs_whole() {
    for manifest in [true, false] {
        let base = FaultFileSystem::new();
        build(&base, &dir());
        if !manifest {
            base.remove(&dir().join("MANIFEST")).unwrap();
        }
        let (steps, default, logs) = {
            let fs = base.fork();
            fs.fail_at(u64::MAX, false, &KINDS, FaultKind::Io);
            StorageEngine::repair(config(&fs, &dir())).unwrap();
            let steps = fs.operations();
            fs.heal();
            let db = StorageEngine::open(config(&fs, &dir())).unwrap();
            (steps, contents(&db, "default"), contents(&db, "logs"))
        };
        for k in 1..=steps {
            let fs = base.fork();
            fs.fail_at(k, false, &KINDS, FaultKind::Io);
            let first = StorageEngine::repair(config(&fs, &dir()));
            fs.heal();
            let step = format!("manifest {manifest}, step {k} of {steps} ({first:?})");
            // As an operator does: open it if it opens, else repair again.
            let db = match StorageEngine::open(config(&fs, &dir())) {
                Ok(db) => db,
                Err(error) => {
                    if let Err(again) = StorageEngine::repair(config(&fs, &dir())) {
                        panic!("{step}: open failed ({error}), and repair again: {again}");
                    }
                    StorageEngine::open(config(&fs, &dir())).unwrap()
                }
            };
            let (d, l) = (contents(&db, "default"), contents(&db, "logs"));
            assert!(
                d == default,
                "{step}: {} of {} keys",
                d.len(),
                default.len()
            );
            assert!(l == logs, "{step}: {} of {} keys", l.len(), logs.len());
        }
    }
}
