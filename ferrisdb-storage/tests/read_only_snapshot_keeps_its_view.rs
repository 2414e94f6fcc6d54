//! A snapshot (and a transaction) of a read-only instance keeps reading the
//! view it was taken in after `catch_up` installs a newer one, even though
//! the writer's compaction, which knows nothing of the reader's snapshots,
//! dropped the versions it reads. Without the super versions it pins, a
//! read at its old timestamp through the new view finds nothing.

use ferrisdb_storage::{StorageConfig, StorageEngine};

fn config(dir: &std::path::Path) -> StorageConfig {
    StorageConfig {
        memtable_size: 16 << 10,
        ..StorageConfig::new(dir)
    }
}

#[test]
fn a_snapshot_reads_its_view_across_a_catch_up() {
    let dir = tempfile::tempdir().unwrap();
    let writer = StorageEngine::open(config(dir.path())).unwrap();
    let logs = writer.keyspace("logs").unwrap();
    for i in 0..500 {
        writer.put(format!("k{i:03}"), "v1").unwrap();
        logs.put(format!("l{i:03}"), "v1").unwrap();
    }
    writer.flush().unwrap();

    let reader = StorageEngine::open_read_only(config(dir.path())).unwrap();
    let snapshot = reader.snapshot().unwrap();
    let mut transaction = reader.transaction().unwrap();
    let reader_logs = reader.keyspace("logs").unwrap();

    for i in 0..500 {
        writer.put(format!("k{i:03}"), "v2").unwrap();
        logs.delete(format!("l{i:03}")).unwrap();
    }
    writer.compact().unwrap();
    reader.catch_up().unwrap();

    for i in (0..500).step_by(7) {
        let (k, l) = (format!("k{i:03}"), format!("l{i:03}"));
        assert_eq!(reader.get(&k).unwrap().as_deref(), Some(&b"v2"[..]), "{k}");
        assert_eq!(reader_logs.get(&l).unwrap(), None, "{l}");
        assert_eq!(
            snapshot.get(&k).unwrap().as_deref(),
            Some(&b"v1"[..]),
            "{k}"
        );
        assert_eq!(
            snapshot.get_in(&reader_logs, &l).unwrap().as_deref(),
            Some(&b"v1"[..]),
            "{l}"
        );
        assert_eq!(
            transaction.get(&k).unwrap().as_deref(),
            Some(&b"v1"[..]),
            "{k}"
        );
    }
    assert_eq!(snapshot.iter().unwrap().count(), 500);
    writer.close().unwrap();
}
