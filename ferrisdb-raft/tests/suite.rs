//! openraft 0.9.25's conformance suite (`openraft::testing::Suite`) on a
//! `LogStore` and a `StateMachine` in a fresh FerrisDB database per case.
//!
//! A plain `#[test]`: the suite builds a tokio runtime per case, which a
//! `#[tokio::test]` would nest.

use ferrisdb_raft::{LogStore, StateMachine, StorageError, TypeConfig};
use ferrisdb_storage::{StorageConfig, StorageEngine};
use openraft::testing::{StoreBuilder, Suite};
use openraft::{ErrorSubject, ErrorVerb, StorageIOError};
use tempfile::TempDir;

/// Opens a new database in a temporary directory for each case.
struct FerrisBuilder;

/// The `StorageError` of a failure to set up a case.
fn setup_error(e: &(dyn std::error::Error + 'static)) -> StorageError {
    StorageIOError::new(
        ErrorSubject::Store,
        ErrorVerb::Write,
        openraft::AnyError::error(e),
    )
    .into()
}

impl StoreBuilder<TypeConfig, LogStore, StateMachine, TempDir> for FerrisBuilder {
    async fn build(&self) -> Result<(TempDir, LogStore, StateMachine), StorageError> {
        let dir = tempfile::tempdir().map_err(|e| setup_error(&e))?;
        let db =
            StorageEngine::open(StorageConfig::new(dir.path())).map_err(|e| setup_error(&e))?;
        let log = LogStore::open(&db).map_err(|e| setup_error(&e))?;
        let sm = StateMachine::open(&db)?;
        Ok((dir, log, sm))
    }
}

#[test]
fn openraft_suite_passes() {
    // The suite's 35 cases (0.9.25) assert, and so panic, on a wrong answer;
    // an error is a store that failed to read or write.
    if let Err(e) = Suite::test_all(FerrisBuilder) {
        panic!("the openraft suite met a storage error: {e}");
    }
}
