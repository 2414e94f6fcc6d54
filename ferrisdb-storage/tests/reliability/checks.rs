//! The checks around a run besides the history's: the kind of an error a
//! fault may cause, orphan files, panics in any thread, and reopening and
//! verifying a database after a crash or fault. Reading a database back
//! whole is [`read_all`](super::read_all), in `keyspaces.rs`.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::manifest;
use ferrisdb_storage::internals::sstable::parse_table_file_name;
use ferrisdb_storage::internals::wal::parse_wal_file_name;
use ferrisdb_storage::{Error, StorageEngine};

use super::{db_dir, open, read_all, State};

/// An error an injected fault may cause: I/O, a stopped background thread, or
/// a closed engine; never corruption, never an invalid argument.
pub fn assert_engine_error(e: &Error) {
    assert!(
        matches!(e, Error::Io { .. } | Error::Background(_) | Error::Closed),
        "unexpected kind of error after an injected fault: {e:?}"
    );
}

/// Asserts that `dir` holds no file a crash left behind: no temporary file,
/// no table the manifest does not list, no log below its log number; and that
/// every listed table exists.
///
/// An open engine compacts in the background, and a compaction's output is a
/// temporary file until it is done: call it with the engine closed or after
/// `wait_for_compactions`.
pub fn assert_no_orphans(fs: &FaultFileSystem, dir: &Path) {
    let state = manifest::load(fs, dir)
        .expect("manifest readable")
        .expect("an opened database has a manifest");
    let live: BTreeSet<u64> = state.all_tables().map(|(_, t)| t.file_number).collect();
    let names = fs.list(dir).expect("list");
    for name in &names {
        assert!(!name.ends_with(".tmp"), "orphan temporary file {name}");
        if let Some(n) = parse_table_file_name(name) {
            assert!(live.contains(&n), "orphan table {name} not in the manifest");
        }
        if let Some(n) = parse_wal_file_name(name) {
            assert!(
                n >= state.log_number,
                "orphan log {name} below the manifest's log number {}",
                state.log_number
            );
        }
    }
    for n in live {
        let name = ferrisdb_storage::internals::sstable::table_file_name(n);
        assert!(
            names.contains(&name),
            "the manifest lists missing table {name}"
        );
    }
}

static PANICS: AtomicUsize = AtomicUsize::new(0);

/// Counts panics in every thread from now on, the engine's background thread
/// included (whose panics would otherwise go unnoticed): see [`panics`].
pub fn watch_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
    });
}

/// Panics seen since [`watch_panics`].
pub fn panics() -> usize {
    PANICS.load(Ordering::SeqCst)
}

/// Opens `fs`, reads everything back and has `check` judge it, then waits
/// for the compactions the reopened engine starts and checks for orphan
/// files. Returns the engine, for more checks.
pub fn reopen_and_verify(
    fs: &FaultFileSystem,
    context: &str,
    check: impl FnOnce(&State) -> Result<(), String>,
) -> StorageEngine {
    let db = open(fs).unwrap_or_else(|e| panic!("{context}: reopen failed: {e}"));
    let recovered = read_all(&db).unwrap_or_else(|e| panic!("{context}: read failed: {e}"));
    if let Err(problem) = check(&recovered) {
        panic!("{context}: {problem}");
    }
    // Files of the compactions the reopened engine starts are not orphans.
    db.wait_for_compactions()
        .unwrap_or_else(|e| panic!("{context}: background work failed: {e}"));
    assert_no_orphans(fs, &db_dir());
    db
}
