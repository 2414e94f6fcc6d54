//! Reopening restores every keyspace the manifest lists (risk R1 of issue
//! 19): its options, as stored, and its tables, each recording its
//! keyspace; a checkpoint copies them all and opens with every keyspace. A
//! config whose level-0 triggers no longer fit a keyspace's stored style
//! is refused, naming the keyspace and both settings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::manifest::{self, ManifestState};
use ferrisdb_storage::internals::sstable::table_file_name;
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::sstable::TableReader;
use ferrisdb_storage::{
    CompactionStyle, CompressionType, Error, LeveledOptions, StorageConfig, StorageEngine,
    WriteBatch,
};

mod common;

use common::keyspaces::{batch, new_database, store, stored_options, write_log};
use common::{dir, fault_config, string_pairs, MemFs};

/// What each keyspace holds, by name.
type Model = BTreeMap<&'static str, BTreeMap<String, String>>;

/// A database of `default`, `users` (id 1, leveled, LZ4) and `log` (id 2,
/// size-tiered, zstd), whose one log (left by a crash) holds batches across
/// them, enough to fill several of `users`' 4 KiB MemTables; and what each
/// keyspace holds.
fn database(fs: &MemFs) -> Model {
    let (mut state, log) = new_database(fs);
    state.log_number = log;
    let users = stored_options(CompressionType::Lz4, false);
    let zstd = stored_options(CompressionType::Zstd { level: 3 }, true);
    assert_eq!(state.keyspaces.create("users", users, log).unwrap(), 1);
    assert_eq!(state.keyspaces.create("log", zstd, log).unwrap(), 2);
    store(fs, &state);
    let mut model = Model::new();
    let mut batches: Vec<WriteBatch> = Vec::new();
    let value = "v".repeat(200);
    for i in 0..60 {
        let (u, e, d) = (
            format!("u:{i:02}"),
            format!("e:{i:02}"),
            format!("d:{i:02}"),
        );
        batches.push(batch(&[
            (1, &u, Some(&value)),
            (2, &e, Some("entry")),
            (0, &d, Some("x")),
        ]));
        model.entry("users").or_default().insert(u, value.clone());
        model.entry("log").or_default().insert(e, "entry".into());
        model.entry("default").or_default().insert(d, "x".into());
    }
    write_log(fs, log, 1, &batches, false);
    model
}

/// Checks `db` holds `model` in each keyspace, and no other keyspace.
fn assert_holds(db: &StorageEngine, model: &Model) {
    assert_eq!(db.keyspaces(), ["default", "log", "users"]);
    for (name, keys) in model {
        let ks = db.keyspace(name).unwrap();
        let held: BTreeMap<String, String> = string_pairs(ks.iter().unwrap());
        assert_eq!(&held, keys, "keyspace {name}");
    }
}

/// Checks every table `state` lists for a keyspace records that keyspace.
fn assert_tables_record_their_keyspace(fs: &FaultFileSystem, at: &Path, state: &ManifestState) {
    let fs: ferrisdb_storage::fs::SharedFileSystem = Arc::new(fs.clone());
    let mut count = 0;
    for (id, record) in state.all_tables() {
        let path = at.join(table_file_name(record.file_number));
        let reader = TableReader::open(&fs, &path, None).unwrap();
        assert_eq!(
            reader.properties().keyspace,
            id,
            "table {}",
            record.file_number
        );
        count += 1;
    }
    assert!(count >= 4, "{count} tables");
}

/// The database of [`database`], without background compactions: the
/// test compares the tables replay made and a reopen restores, which a
/// compaction (each keyspace has its own) would change meanwhile.
fn quiet(fs: &MemFs) -> StorageConfig {
    StorageConfig {
        disable_auto_compactions: true,
        ..fault_config(fs, RecoveryMode::default())
    }
}

#[test]
fn every_keyspace_comes_back_with_its_options_and_tables() {
    let fs = MemFs::new();
    let model = database(&fs);
    let stored_before = manifest::load(&fs, &dir()).unwrap().unwrap().keyspaces;

    let db = StorageEngine::open(quiet(&fs)).unwrap();
    assert_holds(&db, &model);
    let state = manifest::load(&fs, &dir()).unwrap().unwrap();
    let users = state.keyspaces.named("users").unwrap();
    assert!(users.tables.len() >= 2, "users filled several MemTables");
    assert_eq!(state.keyspaces.named("log").unwrap().tables.len(), 1);
    assert_eq!(state.tables.len(), 1, "default's");
    for (before, after) in stored_before.records.iter().zip(&state.keyspaces.records) {
        assert_eq!(
            (&before.name, &before.options),
            (&after.name, &after.options)
        );
    }
    assert_tables_record_their_keyspace(&fs, &dir(), &state);

    // A checkpoint copies every keyspace's tables, and opens with them.
    let copy = PathBuf::from("/copy");
    db.checkpoint(&copy).unwrap();
    db.close().unwrap();
    let copied = StorageEngine::open(StorageConfig {
        file_system: Arc::new(fs.clone()),
        disable_auto_compactions: true,
        ..StorageConfig::new(&copy)
    })
    .unwrap();
    assert_holds(&copied, &model);
    assert_tables_record_their_keyspace(&fs, &copy, &manifest::load(&fs, &copy).unwrap().unwrap());
    drop(copied);

    // Reopened from its tables alone.
    let db = StorageEngine::open(quiet(&fs)).unwrap();
    assert_holds(&db, &model);
    let reopened = manifest::load(&fs, &dir()).unwrap().unwrap();
    let tables =
        |s: &ManifestState| -> Vec<_> { s.all_tables().map(|(id, t)| (id, t.clone())).collect() };
    assert_eq!(tables(&reopened), tables(&state));
}

#[test]
fn a_config_whose_triggers_no_longer_fit_a_keyspace_is_refused_by_name() {
    let fs = MemFs::new();
    database(&fs);
    // `users` compacts level 0 at 4 tables; writes would slow down at 3.
    let config = StorageConfig {
        compaction_style: CompactionStyle::Leveled(LeveledOptions {
            level0_file_num_compaction_trigger: 2,
            ..LeveledOptions::default()
        }),
        level0_slowdown_writes_trigger: 3,
        ..fault_config(&fs, RecoveryMode::default())
    };
    let err = StorageEngine::open(config).unwrap_err();
    let Error::InvalidArgument(message) = &err else {
        panic!("not InvalidArgument: {err}")
    };
    assert!(message.contains("keyspace \"users\""), "{message}");
    assert!(
        message.contains("level0_file_num_compaction_trigger (4)"),
        "{message}"
    );
    assert!(
        message.contains("level0_slowdown_writes_trigger (3)"),
        "{message}"
    );
    // Nothing was replayed: the same database opens with fitting triggers.
    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap();
    assert_eq!(db.keyspace("log").unwrap().iter().unwrap().count(), 60);
}
