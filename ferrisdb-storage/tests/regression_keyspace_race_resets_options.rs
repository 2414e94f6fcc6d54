//! Regression (issue 19 review): `db.keyspace(name)` ("opens, or creates with
//! defaults") racing `db.keyspace_with(name, options)` reset the options
//! the other call just gave the keyspace.
//!
//! `Inner::keyspace` looks the name up first without the `write` mutex;
//! when it is not there, it takes the mutex and looks again. If a
//! `keyspace_with` created the keyspace meanwhile, the second look finds it
//! and the plain `keyspace` call, which was given no options, stores the
//! database's defaults as the keyspace's options (`set_options`), as if it
//! had been `keyspace_with(name, KeyspaceOptions::from(&config))`. Opening
//! an existing keyspace now never changes it.
//!
//! The interleaving is forced with a hook on the manifest's creation: the
//! `keyspace_with` call holds `write` while its manifest write waits; the
//! plain call, started then, does its first look-up and queues on `write`.
//! (The short sleep only gives it time to reach the mutex; if it were too
//! short the test would pass, never fail, by mistake.)

mod wrapped_fs;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::manifest;
use ferrisdb_storage::{CompactionStyle, KeyspaceOptions, StorageConfig, StorageEngine};
use wrapped_fs::WrappedFs;

#[test]
fn opening_a_keyspace_being_created_with_options_keeps_them() {
    let inner = FaultFileSystem::new();
    let armed = Arc::new(AtomicBool::new(false));
    let reached = Arc::new(Barrier::new(2));
    let release = Arc::new(Barrier::new(2));
    let (hook_armed, hook_reached, hook_release) = (
        Arc::clone(&armed),
        Arc::clone(&reached),
        Arc::clone(&release),
    );
    let fs = Arc::new(WrappedFs {
        before_create: Box::new(move |path| {
            if path.file_name().is_some_and(|n| n == "MANIFEST.tmp")
                && hook_armed.swap(false, Ordering::SeqCst)
            {
                hook_reached.wait();
                hook_release.wait();
            }
            Ok(())
        }),
        ..WrappedFs::new(inner.clone())
    });
    let db = StorageEngine::open(StorageConfig {
        file_system: fs,
        ..StorageConfig::new("/db")
    })
    .unwrap();
    let custom = KeyspaceOptions {
        compaction_style: CompactionStyle::size_tiered(),
        memtable_size: 1 << 20,
        bloom_filter_bits_per_key: 3,
        ..KeyspaceOptions::default()
    };

    armed.store(true, Ordering::SeqCst);
    let creator = {
        let (db, custom) = (db.clone(), custom.clone());
        std::thread::spawn(move || db.keyspace_with("log", custom).unwrap())
    };
    reached.wait();
    let opener = {
        let db = db.clone();
        std::thread::spawn(move || db.keyspace("log").unwrap())
    };
    std::thread::sleep(Duration::from_millis(200));
    release.wait();
    creator.join().unwrap();
    opener.join().unwrap();

    let state = manifest::load(&inner, Path::new("/db")).unwrap().unwrap();
    let stored = &state.keyspaces.named("log").unwrap().options;
    assert_eq!(
        (stored.memtable_size, stored.bloom_bits_per_key),
        (1 << 20, 3),
        "keyspace(\"log\") replaced the options keyspace_with gave it: {stored:?}"
    );
    db.close().unwrap();
}
