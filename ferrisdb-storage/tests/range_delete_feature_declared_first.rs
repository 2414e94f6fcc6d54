//! The incompatible feature `range_deletes` is declared in a durable
//! manifest before the first range delete reaches the log:
//!
//! - a database that never range-deletes never declares it (the bytes an
//!   older FerrisDB reads), and one that does declares it once, keeping it
//!   across reopens;
//! - when the manifest write declaring it fails (before or after its
//!   rename), the range delete fails, the engine stops as after any failed
//!   manifest write, and the log holds no range delete; the reopened
//!   database holds every acknowledged write;
//! - a log holding a range delete beside a manifest that does not declare
//!   the feature (a manifest put back from before it, say) is corruption
//!   naming the log.

mod range_delete_common;

use std::path::Path;

use ferrisdb_storage::fs::{FaultFileSystem, FaultKind, FileSystem, OpKind};
use ferrisdb_storage::internals::manifest::{load, store};
use ferrisdb_storage::{Error, FeatureClass, StorageEngine};
use range_delete_common::{config, declares_range_deletes, logged_range_deletes, DIR};

/// Whether `error` is the stopped engine's, caused by an I/O error.
fn stopped_by_io(error: &Error) -> bool {
    matches!(error, Error::Background(cause) if matches!(**cause, Error::Io { .. }))
}

#[test]
fn the_feature_is_declared_by_the_first_range_delete_only() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    db.put("a", "1").unwrap();
    db.delete("a").unwrap();
    db.keyspace("users").unwrap().put("k", "v").unwrap();
    db.flush().unwrap();
    assert!(!declares_range_deletes(&fs), "no range delete yet");
    let manifest = load(&fs, Path::new(DIR)).unwrap().unwrap();
    assert_eq!(
        manifest.feature_flags(FeatureClass::Incompatible),
        1,
        "keyspaces only"
    );

    db.delete_range("a".."b").unwrap();
    assert!(declares_range_deletes(&fs));
    // Later range deletes write no manifest: the flag is known. The table
    // the flush wrote holds only the tombstone of `a`, which hides nothing,
    // so a background compaction drops it (a manifest write of its own):
    // wait for it before taking the bytes.
    db.wait_for_compactions().unwrap();
    let manifest_bytes = fs.read_all(&Path::new(DIR).join("MANIFEST")).unwrap();
    db.delete_prefix("x").unwrap();
    db.keyspace("users").unwrap().delete_prefix("k").unwrap();
    assert_eq!(
        fs.read_all(&Path::new(DIR).join("MANIFEST")).unwrap(),
        manifest_bytes
    );
    // A point beside the range deletes in each keyspace: the reopen flushes
    // the replayed MemTables, and one of only range deletes does not flush
    // to a table yet.
    db.put("z", "z").unwrap();
    db.keyspace("users").unwrap().put("z", "z").unwrap();
    db.close().unwrap();

    let db = StorageEngine::open(config(&fs)).unwrap();
    assert!(declares_range_deletes(&fs), "declared for good");
    assert_eq!(db.get("z").unwrap().as_deref(), Some(&b"z"[..]));
}

#[test]
fn a_failed_declaration_fails_the_range_delete_and_logs_nothing() {
    // The manifest's temporary file fails to be written (before the
    // rename), or the directory's sync fails (after it: the manifest in
    // place declares the feature, which no log entry needs yet).
    for (kind, pattern) in [(OpKind::Write, "MANIFEST"), (OpKind::Sync, "db")] {
        let fs = FaultFileSystem::new();
        let db = StorageEngine::open(config(&fs)).unwrap();
        db.put("kept", "1").unwrap();
        let bytes = db.stats().wal_bytes_written;
        fs.fail_path_at(1, false, &[kind], FaultKind::Io, pattern);
        let err = db.delete_range("a"..).unwrap_err();
        fs.heal();
        assert!(stopped_by_io(&err), "{kind:?}: {err}");
        assert_eq!(
            db.stats().wal_bytes_written,
            bytes,
            "{kind:?}: nothing logged"
        );
        let err = db.put("refused", "2").unwrap_err();
        assert!(
            stopped_by_io(&err),
            "{kind:?}: stopped until a reopen: {err}"
        );
        assert!(logged_range_deletes(&fs).0.is_empty(), "{kind:?}");

        let after_kill = fs.fork();
        drop(db);
        let db = StorageEngine::open(config(&after_kill)).unwrap();
        assert_eq!(
            db.get("kept").unwrap().as_deref(),
            Some(&b"1"[..]),
            "{kind:?}"
        );
        assert_eq!(db.get("refused").unwrap(), None, "{kind:?}");
        assert_eq!(
            declares_range_deletes(&after_kill),
            kind == OpKind::Sync,
            "{kind:?}: declared only by a manifest renamed in"
        );
        // The reopened database range-deletes.
        db.delete_range("a"..).unwrap();
        assert!(declares_range_deletes(&after_kill));
    }
}

#[test]
fn a_logged_range_delete_the_manifest_does_not_declare_is_corruption() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let before = load(&fs, Path::new(DIR)).unwrap().unwrap();
    db.put("k", "v").unwrap();
    db.delete_range("a".."b").unwrap();
    let log = logged_log(&fs);
    drop(db);
    // The manifest from before the range delete, put back.
    store(&fs, Path::new(DIR), &before).unwrap();
    let err = StorageEngine::open(config(&fs)).unwrap_err();
    let Error::Corruption { ref file, .. } = err else {
        panic!("not corruption: {err}")
    };
    assert_eq!(file, &log);
    let message = err.to_string();
    assert!(message.contains("range_deletes"), "{message}");
}

/// The path of the one log of the database on `fs`.
fn logged_log(fs: &FaultFileSystem) -> std::path::PathBuf {
    let mut logs = ferrisdb_storage::internals::wal::wal_files(fs, Path::new(DIR)).unwrap();
    assert_eq!(logs.len(), 1);
    logs.pop().unwrap().1
}
