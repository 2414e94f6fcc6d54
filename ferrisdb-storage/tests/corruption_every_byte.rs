//! Corruption, exhaustively: every byte of a table, the manifest and a log of
//! a small database is flipped in turn (all eight bits, on every read of the
//! file), and the database opened and read in full.
//!
//! Each time, open and reads must give the right data or a clear corruption
//! error naming the damaged file: never a panic, a hang or wrong data. The
//! database is closed first, so its log ends with a seal and no damage in it
//! may pass for a torn tail.

mod reliability;

use std::path::{Path, PathBuf};

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::Error;
use reliability::*;

/// The database: tables of 40 writes, then 12 writes left in a log.
struct Fixture {
    fs: FaultFileSystem,
    /// Every write, in order.
    history: History,
    /// The newest log, which holds the writes not in tables.
    log: PathBuf,
}

fn fixture() -> Fixture {
    let fs = fresh_fs();
    let mut history = History::default();
    let db = open(&fs).unwrap();
    // Small values keep the files small: every byte of them is tried.
    run(&db, &workload_with(21, 40, 30, 0.0), &mut history, false);
    db.flush().unwrap();
    let log = newest_log(&fs);
    run(&db, &workload_with(22, 12, 30, 0.0), &mut history, false);
    assert_eq!(newest_log(&fs), log, "the log rotated: use fewer writes");
    assert!(!history.any_failed());
    drop(db);
    Fixture { fs, history, log }
}

fn newest_log(fs: &FaultFileSystem) -> PathBuf {
    ferrisdb_storage::internals::wal::wal_files(fs, &db_dir())
        .unwrap()
        .pop()
        .unwrap()
        .1
}

/// What the damaged database gave.
enum Outcome {
    Data(State),
    Error(Error),
}

fn open_and_read(fs: &FaultFileSystem) -> Outcome {
    let db = match open(fs) {
        Ok(db) => db,
        Err(e) => return Outcome::Error(e),
    };
    match read_all(&db) {
        Ok(state) => Outcome::Data(state),
        Err(e) => Outcome::Error(e),
    }
}

fn assert_names(err: &Error, file: &Path, context: &str) {
    assert!(
        err.is_corruption(),
        "{context}: not a corruption error: {err:?}"
    );
    let name = file.file_name().unwrap().to_str().unwrap();
    assert!(
        err.to_string().contains(name),
        "{context}: the error does not name {name}: {err}"
    );
}

#[test]
fn every_flipped_byte_is_detected_or_harmless() {
    watch_panics();
    let fixture = fixture();
    let expected = fixture.history.all_applied();
    let files: Vec<PathBuf> = fixture
        .fs
        .list(&db_dir())
        .unwrap()
        .into_iter()
        .filter(|name| name.ends_with(".sst") || name.ends_with(".wal") || name == "MANIFEST")
        .map(|name| db_dir().join(name))
        .collect();
    assert!(files.len() >= 3, "tables, a log, the manifest: {files:?}");
    let (mut bytes, mut detected) = (0u64, 0u64);
    for file in &files {
        let len = fixture.fs.read_all(file).unwrap().len() as u64;
        for offset in 0..len {
            let context = format!("{} byte {offset}", file.display());
            let fs = fixture.fs.fork();
            fs.corrupt_reads(file, offset);
            bytes += 1;
            match open_and_read(&fs) {
                Outcome::Error(e) => {
                    assert_names(&e, file, &context);
                    detected += 1;
                }
                Outcome::Data(state) if state == expected => {}
                Outcome::Data(state) => {
                    // The database was closed, so its log is sealed: no
                    // damage in it can pass for a torn tail.
                    let problem = fixture.history.check(&state).err();
                    panic!("{context}: wrong data: {problem:?}");
                }
            }
        }
    }
    assert_eq!(panics(), 0, "a thread panicked (see above)");
    eprintln!(
        "corrupt files tried: {}, bytes flipped: {bytes}, detected as corruption: {detected}, \
         wrong data: 0",
        files.len()
    );
}

/// Bug: a log of the database whose magic number was damaged made `open`
/// fail with `InvalidArgument` ("not a FerrisDB WAL file"), as if the caller
/// had pointed it at a foreign file, instead of a corruption error naming
/// the log.
#[test]
fn regression_damaged_log_magic_is_reported_as_invalid_argument() {
    let fixture = fixture();
    let fs = fixture.fs.fork();
    fs.corrupt_reads(&fixture.log, 0);
    let err = open(&fs).unwrap_err();
    assert_names(&err, &fixture.log, "damaged log magic");
}
