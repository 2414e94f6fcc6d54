//! Regression: without a manifest, a table whose footer, index and
//! properties were lost (its last bytes cut off) has no keyspace to say whose its
//! entries are. Repair read its data blocks, counted their entries as read,
//! and then dropped every one of them: acknowledged, readable data lost.
//! Repaired with or without its manifest, the same files must give the
//! same readable entries back.

mod repair_common;

use std::collections::BTreeSet;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::StorageEngine;
use repair_common::*;

#[test]
fn a_truncated_table_without_a_manifest_keeps_its_readable_entries() {
    let fs = FaultFileSystem::new();
    let model = build(&fs, &dir());
    cut_largest_table(&fs, |len| len - 8);

    // The same damaged files, with and without the manifest.
    let without = fs.fork();
    without.remove(&dir().join("MANIFEST")).unwrap();
    StorageEngine::repair(config(&fs, &dir())).unwrap();
    let report = StorageEngine::repair(config(&without, &dir())).unwrap();

    let with_db = StorageEngine::open(config(&fs, &dir())).unwrap();
    let without_db = StorageEngine::open(config(&without, &dir())).unwrap();
    // Every value the repair with the manifest kept, the one without keeps
    // too, under whichever keyspace name it gives it.
    let kept = |db: &StorageEngine| -> BTreeSet<(Vec<u8>, Vec<u8>)> {
        db.keyspaces()
            .iter()
            .flat_map(|name| contents(db, name))
            .collect()
    };
    let with_manifest = kept(&with_db);
    let without_manifest = kept(&without_db);
    let missing: Vec<String> = with_manifest
        .difference(&without_manifest)
        .map(|(k, _)| String::from_utf8_lossy(k).into_owned())
        .collect();
    assert!(
        missing.is_empty(),
        "{} readable entries of the truncated table were dropped, e.g. {:?}\n{report}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    // Nothing invented.
    for (key, value) in &without_manifest {
        assert!(
            model
                .history
                .iter()
                .any(|((_, k), values)| k == key && values.contains(value)),
            "invented {key:?}"
        );
    }
    // They are in a keyspace of their own: nothing says whose they were.
    assert!(
        without_db
            .keyspaces()
            .iter()
            .any(|k| k.starts_with("unknown-")),
        "{:?}",
        without_db.keyspaces()
    );
    check_repaired(&without, &without_db, &report);
}
