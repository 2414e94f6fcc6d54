//! A child process writes and is killed with SIGKILL at a random moment, 20
//! times; every write it acknowledged must be there after each reopen.

mod child_process;
mod kill_child;

use std::path::Path;

use ferrisdb_storage::{StorageConfig, StorageEngine, SyncMode};

fn config(dir: &Path) -> StorageConfig {
    StorageConfig {
        wal_sync_mode: SyncMode::Normal,
        // Small MemTables, so kills also land during flushes.
        memtable_size: 32 << 10,
        ..StorageConfig::new(dir)
    }
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    kill_child::child_if_requested(config);
    kill_child::kill_rounds(
        "acknowledged_writes_survive_sigkill",
        20,
        config,
        |_: &StorageEngine, _| {},
    );
}
