//! Recovery: acknowledged writes survive a drop without close, and a batch cut
//! in the log comes back whole or not at all.

use ferrisdb_storage::fs::OsFileSystem;
use ferrisdb_storage::internals::wal::{RecoveryMode, WalReader};
use ferrisdb_storage::{StorageConfig, StorageEngine, SyncMode, WriteBatch};

/// The database's logs, oldest first.
fn wal_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    ferrisdb_storage::internals::wal::wal_files(&ferrisdb_storage::fs::OsFileSystem, dir)
        .unwrap()
        .into_iter()
        .map(|(_, path)| path)
        .collect()
}

#[test]
fn writes_acknowledged_before_a_drop_without_close_are_there_after_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let config = StorageConfig {
        wal_sync_mode: SyncMode::Normal,
        memtable_size: 64 << 10,
        ..StorageConfig::new(dir.path())
    };
    {
        let db = StorageEngine::open(config.clone()).unwrap();
        for i in 0..2_000u32 {
            db.put(format!("k{i:05}"), format!("v{i}")).unwrap();
        }
        for i in (0..2_000u32).step_by(3) {
            db.delete(format!("k{i:05}")).unwrap();
        }
        // Dropped without close: the process "ends" here.
    }
    let db = StorageEngine::open(config).unwrap();
    for i in 0..2_000u32 {
        let expected = (i % 3 != 0).then(|| format!("v{i}").into_bytes());
        assert_eq!(
            db.get(format!("k{i:05}")).unwrap().as_deref(),
            expected.as_deref(),
            "key {i}"
        );
    }
}

#[test]
fn timestamps_keep_increasing_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let config = StorageConfig::new(dir.path());
    let first = StorageEngine::open(config.clone()).unwrap();
    let t1 = first.put("a", "1").unwrap();
    first.flush().unwrap();
    let t2 = first.put("b", "2").unwrap();
    assert!(t2 > t1);
    first.close().unwrap();
    let second = StorageEngine::open(config).unwrap();
    let t3 = second.put("c", "3").unwrap();
    assert!(t3 > t2, "{t3} after restart must exceed {t2}");
}

#[test]
fn a_batch_cut_anywhere_in_the_log_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = StorageConfig::new(dir.path());
    {
        let db = StorageEngine::open(config.clone()).unwrap();
        db.put("before", "kept").unwrap();
        db.close().unwrap();
    }
    // After a clean reopen the data above is in a table; the next log holds
    // only the batch below.
    let db = StorageEngine::open(config.clone()).unwrap();
    let mut batch = WriteBatch::new();
    for i in 0..20 {
        batch.put(format!("batch{i:02}"), vec![b'x'; 100]);
    }
    db.write(batch).unwrap();
    // The manifest before the close: a crash would leave this one, without
    // the closed log's length, which the close records.
    let crashed_manifest = std::fs::read(dir.path().join("MANIFEST")).unwrap();
    db.close().unwrap();
    let log = wal_files(dir.path())
        .pop()
        .expect("a log holding the batch");
    let full = std::fs::read(&log).unwrap();
    // The closed log ends with its seal; the batch ends where the seal
    // starts, which is the durable length the seal claims. A cut inside the
    // seal loses nothing.
    let mut reader =
        WalReader::open(&OsFileSystem, &log, RecoveryMode::AbsoluteConsistency).unwrap();
    assert_eq!(reader.by_ref().count(), 1);
    assert!(reader.is_sealed());
    let batch_end = reader.durable_len() as usize;

    let copy = tempfile::tempdir().unwrap();
    for cut in
        (0..full.len())
            .step_by(97)
            .chain([batch_end - 1, batch_end, full.len() - 1, full.len()])
    {
        // A fresh copy of the database with the log cut at `cut`.
        let target = copy.path().join(format!("cut{cut}"));
        std::fs::create_dir(&target).unwrap();
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().unwrap() != "LOCK" {
                std::fs::copy(&path, target.join(path.file_name().unwrap())).unwrap();
            }
        }
        std::fs::write(target.join(log.file_name().unwrap()), &full[..cut]).unwrap();
        std::fs::write(target.join("MANIFEST"), &crashed_manifest).unwrap();

        let db = StorageEngine::open(StorageConfig::new(&target)).unwrap();
        assert_eq!(db.get("before").unwrap(), Some("kept".into()), "cut {cut}");
        let present = (0..20)
            .filter(|i| db.get(format!("batch{i:02}")).unwrap().is_some())
            .count();
        let whole = cut >= batch_end;
        assert_eq!(
            present,
            if whole { 20 } else { 0 },
            "cut at {cut} of {}",
            full.len()
        );
    }
}
