//! Bug (docs vs. code): `StorageEngine::flush`'s `# Errors` said it returned
//! `Error::Io` or a corruption error if writing the table failed, with
//! `Error::Background` only "from then on". The table is written by the flush
//! thread, and `flush` learns of the failure through the background error,
//! so the very call whose table write failed gets `Error::Background(Io)`: a
//! caller matching on `Error::Io` as documented missed it.
//!
//! The fix is in the docs: `flush` and `compact` say that a failed write
//! comes back as `Error::Background` wrapping the cause. This test pins what
//! they say.

use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FaultKind, OpKind};
use ferrisdb_storage::{Error, StorageConfig, StorageEngine};

#[test]
fn a_failed_table_write_is_reported_by_flush_as_documented() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    })
    .unwrap();
    db.put("k", "v").unwrap();
    fs.fail_path_at(
        1,
        true,
        &[OpKind::Create, OpKind::Write, OpKind::Sync],
        FaultKind::Io,
        ".sst",
    );
    let err = db.flush().unwrap_err();
    let Error::Background(cause) = &err else {
        panic!("flush's # Errors promises Error::Background when writing the table fails; it returned {err:?}");
    };
    assert!(
        matches!(cause.as_ref(), Error::Io { path, .. } if path.to_string_lossy().contains(".sst")),
        "the cause names the table: {cause:?}"
    );
    // The database is stopped: the next write gets the same error.
    assert!(matches!(db.put("k2", "v"), Err(Error::Background(_))));
}
