//! Regression, found while documenting the clean close: the log a clean
//! close sealed, cut short (`truncate -s -50 000006.wal`) or made longer,
//! is refused by `open` (the manifest recorded its length), yet `verify`
//! called it whole and `open_read_only` served what was left of it.
//!
//! The closed log is the newest one, and both of them tolerate a torn tail
//! there: in a read-only instance the newest log may end in a record a
//! writer is still appending. But while the manifest records a clean close,
//! no writer is appending to it: the next writer's `open` replays it and
//! writes a manifest that no longer records it before it writes anything.
//! So every reader holds the closed log to the recorded length, by the one
//! rule in `engine/log_rules.rs`, and says what `open` says.
//!
//! Through the real file system, as the cut was made: the log on disk,
//! shortened or lengthened in place.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use ferrisdb_storage::{Error, StorageConfig, StorageEngine};

/// The newest log in `dir`.
fn newest_log(dir: &Path) -> PathBuf {
    let mut logs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wal"))
        .collect();
    logs.sort();
    logs.pop().expect("a log")
}

/// The file, offset and reason of a corruption error.
fn corruption(what: &str, error: Option<Error>) -> (PathBuf, u64, String) {
    match error {
        Some(Error::Corruption {
            file,
            offset,
            reason,
        }) => (file, offset, reason),
        other => panic!("{what}: not a corruption error: {other:?}"),
    }
}

/// A change to a closed log of `len` bytes, and where the error names it.
struct Change {
    what: &'static str,
    apply: fn(&Path, u64),
    offset: fn(u64) -> u64,
    reason: fn(u64) -> String,
}

#[test]
fn a_closed_log_not_as_long_as_recorded_is_refused_by_every_reader() {
    let changes = [
        Change {
            what: "50 bytes cut off",
            apply: |log, len| {
                let file = OpenOptions::new().write(true).open(log).unwrap();
                file.set_len(len - 50).unwrap();
            },
            offset: |len| len - 50,
            reason: |len| {
                format!(
                    "this log was closed cleanly at {len} bytes but holds {}: its end is lost",
                    len - 50
                )
            },
        },
        Change {
            what: "50 bytes of garbage appended",
            apply: |log, _| {
                let mut file = OpenOptions::new().append(true).open(log).unwrap();
                file.write_all(&[0xab; 50]).unwrap();
            },
            offset: |len| len,
            reason: |len| {
                format!(
                    "this log was closed cleanly at {len} bytes but holds {}: bytes were added \
                     after its seal",
                    len + 50
                )
            },
        },
        Change {
            what: "4096 zeros appended",
            apply: |log, _| {
                let mut file = OpenOptions::new().append(true).open(log).unwrap();
                file.write_all(&[0; 4096]).unwrap();
            },
            offset: |len| len,
            reason: |len| {
                format!(
                    "this log was closed cleanly at {len} bytes but holds {}: bytes were added \
                     after its seal",
                    len + 4096
                )
            },
        },
    ];
    for change in changes {
        let what = change.what;
        let dir = tempfile::tempdir().unwrap();
        let config = || StorageConfig::new(dir.path());
        let db = StorageEngine::open(config()).unwrap();
        for i in 0..20 {
            db.put(format!("k{i:02}"), "a value of some length")
                .unwrap();
        }
        db.close().unwrap();
        // Opened before the change: its view is whole, and `verify` reads
        // the files as they are now.
        let reader = StorageEngine::open_read_only(config()).unwrap();
        let report = reader.verify().unwrap();
        assert!(report.is_intact(), "{what}: before the change: {report}");

        let log = newest_log(dir.path());
        let len = std::fs::metadata(&log).unwrap().len();
        (change.apply)(&log, len);
        let (offset, reason) = ((change.offset)(len), (change.reason)(len));

        // (a) `open` refuses it, naming the log and the offset.
        let opened = corruption(what, StorageEngine::open(config()).err());
        assert_eq!(
            opened,
            (log.clone(), offset, reason.clone()),
            "{what}: open"
        );

        // (b) `verify` reports the log damaged where `open` says, as it says.
        let report = reader.verify().unwrap();
        let damage = report
            .damage
            .iter()
            .find(|d| d.file == log)
            .unwrap_or_else(|| panic!("{what}: verify does not name the log: {report}"));
        assert_eq!((damage.offset, &damage.reason), (offset, &reason), "{what}");

        // (c) A read-only open refuses it as `open` does, and so does the
        // reader's catch-up, which keeps the view it has.
        let read_only = corruption(what, StorageEngine::open_read_only(config()).err());
        assert_eq!(read_only, opened, "{what}: open_read_only");
        let caught_up = corruption(what, reader.catch_up().err());
        assert_eq!(caught_up, opened, "{what}: catch_up");
        assert_eq!(
            reader.get("k19").unwrap().as_deref(),
            Some(&b"a value of some length"[..]),
            "{what}"
        );
    }
}
