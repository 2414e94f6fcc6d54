//! Bug (fixed): repair trusted the manifest it found for the list of live
//! tables, even when that manifest was older than the directory's files.
//! Put back from a checkpoint taken before a compaction (what
//! `docs/operations.md` once advised for a lost manifest), it lists tables
//! the compaction has since deleted and omits the compaction's output.
//! Repair reported the missing tables' key range as affected, moved the
//! output it did not list into `lost/`, and opened without the keys only
//! that output held: keys outside every affected range it named, so the
//! database was smaller than the report said. Put back from before a flush
//! only, it lists every table that is there but needs a log the flush
//! deleted: repair set the flush's output aside with nothing affected,
//! bringing back a deleted key and an overwritten value.
//!
//! Expected: every acknowledged key that was not deleted is readable after
//! the repair, or lies in a range the report names as affected; a deleted
//! key stays deleted; the repaired database passes `verify`.

use std::path::Path;

use ferrisdb_storage::{ManifestUse, RepairOptions, StorageConfig, StorageEngine};

fn config(dir: &Path) -> StorageConfig {
    StorageConfig {
        disable_auto_compactions: true,
        ..StorageConfig::new(dir)
    }
}

/// Replaces the manifest of `dir` by the one of `checkpoint`.
fn put_back_manifest(checkpoint: &Path, dir: &Path) {
    std::fs::remove_file(dir.join("MANIFEST")).unwrap();
    std::fs::copy(checkpoint.join("MANIFEST"), dir.join("MANIFEST")).unwrap();
}

/// The manifest lists a table a compaction deleted, and not its output.
#[test]
fn regression_repair_stale_manifest_loses_unnamed_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("db");
    let checkpoint = tmp.path().join("checkpoint");

    let db = StorageEngine::open(config(&dir)).unwrap();
    db.put("k1", "v1").unwrap();
    db.flush().unwrap();
    db.put("k2", "v2").unwrap();
    db.checkpoint(&checkpoint).unwrap();
    db.put("k3", "v3").unwrap();
    db.flush().unwrap();
    // Replaces the checkpoint's table by one holding k1, k2 and k3.
    db.compact().unwrap();
    db.close().unwrap();

    // The manifest is lost; the checkpoint's is put in its place.
    put_back_manifest(&checkpoint, &dir);

    let report = StorageEngine::repair(config(&dir)).unwrap();
    assert!(matches!(report.manifest, ManifestUse::Stale(_)), "{report}");
    let db = StorageEngine::open(config(&dir)).unwrap();
    for key in ["k1", "k2", "k3"] {
        let kept = db.get(key).unwrap().is_some();
        let named = report.affected.iter().any(|range| {
            range
                .start
                .as_deref()
                .is_none_or(|start| start <= key.as_bytes())
                && range.end.as_deref().is_none_or(|end| key.as_bytes() <= end)
        });
        assert!(
            kept || named,
            "{key} is gone after the repair and no affected range names it:\n{report}"
        );
    }
    assert!(db.verify().unwrap().is_intact());
}

/// The manifest lists every table there is, but needs a log a flush
/// deleted, and does not list the flush's output, which holds a delete, an
/// overwrite and a keyspace made after the checkpoint.
#[test]
fn regression_repair_stale_manifest_before_a_flush_keeps_its_deletes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("db");
    let checkpoint = tmp.path().join("checkpoint");

    let db = StorageEngine::open(config(&dir)).unwrap();
    let users = db.keyspace("users").unwrap();
    db.put("k1", "v1").unwrap();
    db.put("k2", "v2").unwrap();
    users.put("u1", "a").unwrap();
    db.flush().unwrap();
    db.checkpoint(&checkpoint).unwrap();
    db.delete("k1").unwrap();
    db.put("k2", "v2b").unwrap();
    db.put("k3", "v3").unwrap();
    users.put("u2", "b").unwrap();
    db.keyspace("events").unwrap().put("e1", "x").unwrap();
    db.flush().unwrap();
    db.close().unwrap();
    put_back_manifest(&checkpoint, &dir);

    // Nothing is missing that held data: even a strict repair finishes.
    let report = StorageEngine::repair_with(config(&dir), RepairOptions::strict()).unwrap();
    assert!(matches!(report.manifest, ManifestUse::Stale(_)), "{report}");
    let db = StorageEngine::open(config(&dir)).unwrap();
    let get = |keyspace: &str, key: &str| {
        let value = db.keyspace(keyspace).unwrap().get(key).unwrap();
        value.map(|v| String::from_utf8(v.to_vec()).unwrap())
    };
    assert_eq!(get("default", "k1"), None, "{report}");
    assert_eq!(get("default", "k2").as_deref(), Some("v2b"), "{report}");
    assert_eq!(get("default", "k3").as_deref(), Some("v3"), "{report}");
    // The manifest's keyspace keeps its name; the one made after it comes
    // back as without a manifest.
    assert_eq!(db.keyspaces(), ["default", "recovered-2", "users"]);
    assert_eq!(get("users", "u1").as_deref(), Some("a"));
    assert_eq!(get("users", "u2").as_deref(), Some("b"));
    assert_eq!(get("recovered-2", "e1").as_deref(), Some("x"));
    assert!(db.verify().unwrap().is_intact());
}
