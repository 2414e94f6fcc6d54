//! Corruption, exhaustively: every byte of a table, the manifest and a log of
//! a small database is flipped in turn (all eight bits, on every read of the
//! file), and the database opened and read in full.
//!
//! Each time, open and reads must give the right data or a clear corruption
//! error naming the damaged file: never a panic, a hang or wrong data. One
//! exception is inherent to logs: damage inside the *last* records of the
//! newest log looks exactly like a write torn by a crash, which recovery
//! drops by design (`RecoveryMode::TolerateCorruptedTail`); there the
//! database must hold every write before the damaged record, and nothing
//! else may differ.

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
    /// Writes in tables (the rest are in the log).
    in_tables: usize,
    /// The newest log, and the offset just past each of its records.
    log: PathBuf,
    log_record_ends: Vec<u64>,
}

fn fixture() -> Fixture {
    let fs = fresh_fs();
    let mut history = History::default();
    let db = open(&fs).unwrap();
    // Small values keep the files small: every byte of them is tried.
    run(&db, &workload_with(21, 40, 30, 0.0), &mut history, false);
    db.flush().unwrap();
    let in_tables = history.attempts.len();
    let log = newest_log(&fs);
    let mut log_record_ends = Vec::new();
    for op in workload_with(22, 12, 30, 0.0) {
        run(&db, &[op], &mut history, false);
        let len = fs.read_all(&log).unwrap().len() as u64;
        if log_record_ends.last() != Some(&len) {
            log_record_ends.push(len);
        }
    }
    assert_eq!(newest_log(&fs), log, "the log rotated: use fewer writes");
    assert!(!history.any_failed());
    drop(db);
    Fixture {
        fs,
        history,
        in_tables,
        log,
        log_record_ends,
    }
}

fn newest_log(fs: &FaultFileSystem) -> PathBuf {
    ferrisdb_storage::wal::wal_files(fs, &db_dir())
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
    let (mut bytes, mut detected, mut torn_tails) = (0u64, 0u64, 0u64);
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
                    // Only a log's damaged tail may be dropped, and only from
                    // the damaged record on.
                    assert_eq!(file, &fixture.log, "{context}: wrong data");
                    let damaged_record = fixture
                        .log_record_ends
                        .iter()
                        .position(|&end| end > offset)
                        .unwrap_or(fixture.log_record_ends.len());
                    // Writes before the damaged record must all be there.
                    let mut kept = fixture.history.clone();
                    for a in &mut kept.attempts[fixture.in_tables + damaged_record..] {
                        a.acknowledged = false;
                    }
                    if let Err(problem) = kept.check(&state) {
                        panic!("{context}: wrong data: {problem}");
                    }
                    torn_tails += 1;
                }
            }
        }
    }
    assert_eq!(panics(), 0, "a thread panicked (see above)");
    eprintln!(
        "corrupt files tried: {}, bytes flipped: {bytes}, detected as corruption: {detected}, \
         dropped as a torn log tail: {torn_tails}, wrong data: 0",
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
