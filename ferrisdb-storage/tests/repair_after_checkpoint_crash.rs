//! Repair of a checkpoint a power loss interrupted: its tables were linked
//! and its logs copied, but no manifest written, so the copy does not open.
//! Repaired, it holds exactly what the source held when the checkpoint
//! began; interrupted earlier (a log copy cut short), it holds a part of
//! it, and nothing the source did not hold.

mod repair_common;

use std::path::PathBuf;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::{StorageConfig, StorageEngine};
use repair_common::*;

fn target() -> PathBuf {
    PathBuf::from("/backup")
}

#[test]
fn an_interrupted_checkpoint_repairs_to_the_source_or_a_part_of_it() {
    let source = FaultFileSystem::new();
    let model = build(&source, &dir());
    // The steps a whole checkpoint takes.
    let steps = {
        let fs = source.fork();
        let db = StorageEngine::open(config(&fs, &dir())).unwrap();
        let start = fs.total_operations();
        db.checkpoint(target()).unwrap();
        fs.total_operations() - start
    };
    // Whether each interrupted copy that needed a repair repaired to the
    // source's contents.
    let mut outcomes = Vec::new();
    for k in 1..steps {
        let fs = source.fork();
        let db = StorageEngine::open(config(&fs, &dir())).unwrap();
        fs.crash_after(fs.total_operations() + k);
        assert!(db.checkpoint(target()).is_err());
        drop(db);
        let rebooted = fs.crash();
        let files = rebooted.list(&target()).unwrap_or_default();
        let holds_data = files
            .iter()
            .any(|n| n.ends_with(".sst") || n.ends_with(".wal"));
        if files.iter().any(|n| n == "MANIFEST") || !holds_data {
            continue;
        }
        let config = StorageConfig {
            data_dir: target(),
            ..config(&rebooted, &target())
        };
        let report = StorageEngine::repair(config.clone()).unwrap();
        let db = StorageEngine::open(config).unwrap();
        let mut whole = true;
        for (name, repaired_name) in [("default", "default"), ("logs", "recovered-1")] {
            if !db.keyspaces().iter().any(|k| k == repaired_name) {
                whole = false;
                continue;
            }
            let repaired = contents(&db, repaired_name);
            let expected = &model.contents[name];
            for (key, value) in &repaired {
                let history = &model.history[&(name.to_string(), key.clone())];
                assert!(
                    history.contains(value),
                    "step {k}: {name}: invented {key:?}"
                );
            }
            whole &= repaired == *expected;
        }
        let verified = db.verify().unwrap();
        assert!(verified.is_intact(), "step {k}: {verified}");
        outcomes.push((k, whole, report.to_string()));
    }
    // The copy interrupted last before its manifest had every file.
    let (k, whole, report) = outcomes
        .last()
        .expect("no step left a copy without a manifest");
    assert!(
        whole,
        "step {k} of {steps}: the repaired copy lost data\n{report}"
    );
}
