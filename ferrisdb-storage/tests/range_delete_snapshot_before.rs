//! A snapshot taken before a range delete still sees the data it deletes
//! (issue 20, plan risk R7), through every read of the snapshot, in every
//! keyspace; reads after it, and a later snapshot, see the delete, each
//! keyspace only its own.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Result, Slice, StorageConfig, StorageEngine};

fn keys(scan: impl Iterator<Item = Result<(Slice, Slice)>>) -> Vec<String> {
    scan.map(|item| String::from_utf8(item.unwrap().0.to_vec()).unwrap())
        .collect()
}

#[test]
fn a_snapshot_taken_before_a_range_delete_still_sees_the_data() {
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(FaultFileSystem::new()),
        ..StorageConfig::new("/db")
    })
    .unwrap();
    let users = db.keyspace("users").unwrap();
    for i in 0..100 {
        db.put(format!("u{i:02}"), "d").unwrap();
        users.put(format!("u{i:02}"), "u").unwrap();
    }
    db.flush().unwrap();
    let before = db.snapshot().unwrap();
    db.delete_range("u10".."u90").unwrap();
    users.delete_prefix("u").unwrap();
    let after = db.snapshot().unwrap();

    assert_eq!(keys(before.iter().unwrap()).len(), 100);
    assert_eq!(keys(before.iter().unwrap().rev()).len(), 100);
    assert_eq!(keys(before.scan_prefix("u5").unwrap()).len(), 10);
    assert_eq!(before.get("u50").unwrap().as_deref(), Some(&b"d"[..]));
    assert_eq!(keys(before.iter_in(&users).unwrap()).len(), 100);
    assert_eq!(
        before.get_in(&users, "u00").unwrap().as_deref(),
        Some(&b"u"[..])
    );

    for found in [keys(db.iter().unwrap()), keys(after.iter().unwrap())] {
        assert_eq!(found.len(), 20, "{found:?}");
        assert_eq!((found[9].as_str(), found[10].as_str()), ("u09", "u90"));
    }
    assert_eq!(db.get("u50").unwrap(), None);
    assert_eq!(after.get("u50").unwrap(), None);
    assert_eq!(db.get("u95").unwrap().as_deref(), Some(&b"d"[..]));
    assert!(keys(users.iter().unwrap()).is_empty());
    assert!(keys(users.scan("u00".."u50").unwrap().rev()).is_empty());
    assert!(keys(users.scan_prefix("u").unwrap()).is_empty());
    assert!(keys(after.scan_in(&users, "u00"..).unwrap()).is_empty());
    assert_eq!(users.get("u00").unwrap(), None);
    assert_eq!(after.get_in(&users, "u99").unwrap(), None);
}
