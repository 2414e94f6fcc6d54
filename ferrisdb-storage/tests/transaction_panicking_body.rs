//! A `run_transaction` body that panics, and one that returns an error
//! that is not a conflict. Promise: the panic unwinds through
//! `run_transaction` without writing anything or leaving the transaction
//! counted as live, and the database goes on (no poisoned lock); the error
//! comes back at once, after one run of the body, with nothing written.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Error, StorageConfig, StorageEngine};

#[test]
fn a_panicking_or_failing_body_leaves_nothing() {
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(FaultFileSystem::new()),
        ..StorageConfig::new("/db")
    })
    .unwrap();
    db.put("k", "v0").unwrap();
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        db.run_transaction(|tx| -> ferrisdb_storage::Result<()> {
            tx.get("k")?;
            tx.put("k", "half")?;
            panic!("the body panics");
        })
    }));
    assert!(panicked.is_err());
    assert_eq!(db.stats().live_transactions, 0);
    assert_eq!(db.get("k").unwrap().as_deref(), Some(&b"v0"[..]));

    let mut runs = 0;
    let failed = db.run_transaction(|tx| -> ferrisdb_storage::Result<()> {
        runs += 1;
        tx.put("k", "half")?;
        tx.put(vec![0u8; 1 << 20], "too long a key")
    });
    assert!(
        matches!(failed, Err(Error::KeyTooLarge { .. })),
        "{failed:?}"
    );
    assert_eq!(runs, 1);
    assert_eq!(db.get("k").unwrap().as_deref(), Some(&b"v0"[..]));
    assert_eq!(db.stats().live_transactions, 0);

    db.fetch_update("k", |_| Some("v1")).unwrap();
    assert_eq!(db.get("k").unwrap().as_deref(), Some(&b"v1"[..]));
    // compare_and_swap of an absent key with None, None: nothing to change.
    assert_eq!(db.compare_and_swap("absent", None, None).unwrap(), Ok(()));
    assert_eq!(db.get("absent").unwrap(), None);
    assert_eq!(
        db.fetch_update("k", |_| None::<&[u8]>).unwrap().as_deref(),
        Some(&b"v1"[..])
    );
    assert_eq!(db.get("k").unwrap(), None);
}
