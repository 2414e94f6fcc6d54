//! The tables a manifest lists for a keyspace besides `default` are the
//! database's: `open` never deletes them as leftovers, refuses a manifest
//! that lists one missing, `checkpoint` copies them, and the manifests
//! flushes write after keep them, and the logs that keyspace needs, as they
//! were.

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::manifest::{self, ManifestState};
use ferrisdb_storage::internals::sstable::table_file_name;
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::{CompressionType, StorageEngine};

mod common;

use common::keyspaces::stored_options;
use common::{dir, fault_config};

/// A database whose keyspace `users` holds one table, made by a flush; the
/// table's number.
fn database_with_a_users_table(fs: &FaultFileSystem) -> u64 {
    let db = StorageEngine::open(fault_config(fs, RecoveryMode::default())).unwrap();
    let users = db.keyspace("users").unwrap();
    users.put("u:1", "ada").unwrap();
    db.flush().unwrap();
    let tables = users.live_tables();
    assert_eq!(tables.len(), 1, "one flush, one table");
    db.close().unwrap();
    tables[0].file_number
}

fn users(state: &ManifestState) -> Vec<u64> {
    let record = state.keyspaces.named("users").expect("users is listed");
    record.tables.iter().map(|t| t.file_number).collect()
}

#[test]
fn another_keyspace_s_tables_survive_open_flushes_and_checkpoints() {
    let fs = FaultFileSystem::new();
    let table = database_with_a_users_table(&fs);
    let path = dir().join(table_file_name(table));

    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap();
    assert!(
        fs.exists(&path).unwrap(),
        "open deleted another keyspace's table"
    );
    assert!(db.live_tables().is_empty(), "default has no table");
    assert_eq!(db.keyspaces(), ["default", "users"]);
    assert_eq!(db.get("u:1").unwrap(), None, "not default's key");
    assert_eq!(
        db.keyspace("users").unwrap().get("u:1").unwrap().unwrap(),
        "ada"
    );

    // Flushes of default rewrite the manifest: `users` stays, with its
    // table, and so does the oldest log it needs.
    db.put("d:1", "x").unwrap();
    db.flush().unwrap();
    let state = manifest::load(&fs, &dir()).unwrap().unwrap();
    assert_eq!(users(&state), [table]);
    let users_log = state.keyspaces.named("users").unwrap().log_number;
    assert_eq!(
        state.log_number,
        users_log.min(state.keyspaces.default_log_number)
    );

    // A checkpoint holds it too, and opens.
    let copy = std::path::PathBuf::from("/copy");
    db.checkpoint(&copy).unwrap();
    assert!(fs.exists(&copy.join(table_file_name(table))).unwrap());
    let copied = manifest::load(&fs, &copy).unwrap().unwrap();
    assert_eq!(users(&copied), [table]);
    db.close().unwrap();

    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap();
    assert!(fs.exists(&path).unwrap());
    assert_eq!(db.get("d:1").unwrap().unwrap(), "x");
    drop(db);

    // Its table missing, the manifest is refused, and nothing is deleted.
    fs.remove(&path).unwrap();
    let err = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap_err();
    assert!(err.is_corruption(), "{err}");
    assert!(err.to_string().contains("missing"), "{err}");
}

/// A table listed under a keyspace other than the one whose entries it
/// holds (its properties name the keyspace) is refused at open, naming the
/// table: read through the wrong list, it would serve `default`'s keys as
/// `users`'s.
#[test]
fn a_table_listed_under_another_keyspace_is_refused() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap();
    db.put("d:1", "x").unwrap();
    db.flush().unwrap();
    db.close().unwrap();
    let mut state = manifest::load(&fs, &dir()).unwrap().unwrap();
    let table = state.tables.pop().unwrap();
    state
        .keyspaces
        .create(
            "users",
            stored_options(CompressionType::None, true),
            state.log_number,
        )
        .unwrap();
    state.keyspaces.records[0].tables.push(table.clone());
    manifest::store(&fs, &dir(), &state).unwrap();

    let err = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap_err();
    assert!(err.is_corruption(), "{err}");
    let message = err.to_string();
    assert!(
        message.contains(&table_file_name(table.file_number)),
        "{err}"
    );
    assert!(message.contains("keyspace \"users\" (id 1)"), "{err}");
    assert!(message.contains("keyspace \"default\" (id 0)"), "{err}");
    let path = dir().join(table_file_name(table.file_number));
    assert!(fs.exists(&path).unwrap(), "a refused open deletes nothing");
}
