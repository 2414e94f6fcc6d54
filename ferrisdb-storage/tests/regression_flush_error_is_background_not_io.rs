//! Bug (docs vs. code): `StorageEngine::flush`'s `# Errors` says it returns
//! "`Error::Io` or a corruption error if writing the table or the manifest
//! failed (which also stops the database: `Error::Background` from then
//! on)". The table is written by the flush thread, and `flush` learns of the
//! failure through the background error, so the very call whose table write
//! failed already gets `Error::Background(Io)`, never `Error::Io`. A caller
//! that matches on `Error::Io` as documented misses it.
//!
//! Fix: either unwrap the error for the call that waited on that flush, or
//! say in `flush`'s (and `compact`'s) `# Errors` that a failed table write
//! comes back as `Error::Background` wrapping the I/O or corruption error.

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
    assert!(
        matches!(err, Error::Io { .. } | Error::Corruption { .. }),
        "flush's # Errors promises Error::Io (or a corruption error) when writing the table \
         fails; it returned {err:?}"
    );
}
