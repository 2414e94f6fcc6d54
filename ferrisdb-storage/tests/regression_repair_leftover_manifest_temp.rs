//! A `MANIFEST.tmp` left by a manifest write cut short (what a crash in a
//! flush leaves, among the cases repair is for): repair linked it into
//! `lost/`, then wrote its own manifest under the same name and renamed it,
//! and dropping the old name found none: the repair failed after storing
//! its manifest, and the bytes `lost/` was to keep were the new manifest's.

mod repair_common;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::StorageEngine;
use repair_common::*;

#[test]
fn a_leftover_manifest_temp_is_kept_in_lost_and_the_repair_completes() {
    let fs = FaultFileSystem::new();
    let model = build(&fs, &dir());
    let leftover = b"half a manifest".to_vec();
    rewrite(&fs, &dir().join("MANIFEST.tmp"), &leftover);
    let report =
        StorageEngine::repair(config(&fs, &dir())).unwrap_or_else(|e| panic!("repair failed: {e}"));
    assert!(report.is_complete(), "{report}");
    assert!(!fs.exists(&dir().join("MANIFEST.tmp")).unwrap());
    let kept = fs
        .list(&dir().join("lost"))
        .unwrap()
        .into_iter()
        .any(|name| fs.read_all(&dir().join("lost").join(name)).unwrap() == leftover);
    assert!(kept, "the leftover is not in lost/: {report}");
    let db = StorageEngine::open(config(&fs, &dir())).unwrap();
    assert_eq!(contents(&db, "default"), model.contents["default"]);
}
