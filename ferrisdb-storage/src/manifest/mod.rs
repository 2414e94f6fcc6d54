//! The manifest: the durable list of live tables and needed logs.
//!
//! A database directory holds many files; the manifest says which of them
//! matter. It records every live table (its level, number, size and key
//! range), the oldest write-ahead log that still holds data not yet in a
//! table, the next file number, and the newest timestamp stored in a table.
//!
//! # Atomic replacement
//!
//! The manifest is small, so FerrisDB rewrites it whole on every change
//! instead of appending edits to a log (LevelDB's approach). A change is made
//! durable in four steps:
//!
//! 1. write the new state to `MANIFEST.tmp`,
//! 2. fsync it,
//! 3. rename it over `MANIFEST` (atomic on POSIX file systems),
//! 4. fsync the directory, so the rename itself survives a power loss.
//!
//! A crash before step 3 leaves the old manifest in place and a stray
//! `MANIFEST.tmp`, which the next open deletes; a crash after it leaves the
//! new one. There is no state in between, so a reader of the directory always
//! sees either the old or the new set of tables. The byte layout is specified
//! in `docs/format/manifest.md`.

pub mod format;
mod state;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

pub use state::{ClosedLog, ManifestState, TableRecord};

use crate::fs::FileSystem;
use crate::{Error, Result};
use format::{MANIFEST_FILE_NAME, MANIFEST_TEMP_FILE_NAME, MAX_FILE_LEN, MAX_FILE_NUMBER};

/// Reads the manifest of `dir`, or `None` for a directory without one (a new
/// database).
///
/// # Errors
///
/// [`Error::Corruption`] or [`Error::ChecksumMismatch`] naming the manifest
/// and the offset for a damaged manifest, including one larger than
/// [`format::MAX_FILE_LEN`], which is refused before it is read;
/// [`Error::Io`] if reading fails.
pub fn load(fs: &dyn FileSystem, dir: &Path) -> Result<Option<ManifestState>> {
    let path = dir.join(MANIFEST_FILE_NAME);
    if !fs.exists(&path)? {
        return Ok(None);
    }
    let file = fs.open(&path)?;
    let len = match usize::try_from(file.len()) {
        Ok(len) if len <= MAX_FILE_LEN => len,
        _ => {
            return Err(Error::corruption(
                &path,
                0,
                format!(
                    "manifest of {} bytes is larger than any manifest ({MAX_FILE_LEN} bytes)",
                    file.len()
                ),
            ))
        }
    };
    let mut bytes = vec![0; len];
    file.read_exact_at(0, &mut bytes)?;
    ManifestState::decode(&bytes, &path).map(Some)
}

/// Replaces the manifest of `dir` with `state`, durably and atomically.
///
/// When this returns `Ok`, the new state survives a power loss; when it
/// returns an error, the directory holds either the old or the new manifest
/// and the caller must not assume which until it reloads.
///
/// # Errors
///
/// [`Error::InvalidArgument`] without writing anything when the manifest
/// would be larger than [`load`] reads ([`format::MAX_FILE_LEN`]): writing it
/// would leave a database that never opens again. Otherwise the I/O error
/// of a failed write, sync or rename.
pub fn store(fs: &dyn FileSystem, dir: &Path, state: &ManifestState) -> Result<()> {
    let bytes = state.encode();
    if bytes.len() > MAX_FILE_LEN {
        return Err(Error::InvalidArgument(format!(
            "the manifest of {} would be {} bytes, more than the {MAX_FILE_LEN} bytes a \
             manifest may hold: {} tables with keys this long are more than one database can \
             list; use shorter keys or a larger target_file_size",
            dir.display(),
            bytes.len(),
            state.tables.len()
        )));
    }
    let temp = dir.join(MANIFEST_TEMP_FILE_NAME);
    let mut file = fs.create(&temp)?;
    file.append(&bytes)?;
    file.sync()?;
    drop(file);
    fs.rename(&temp, &dir.join(MANIFEST_FILE_NAME))?;
    fs.sync_dir(dir)
}

/// File numbers below [`format::MAX_FILE_NUMBER`] that only `open` gives
/// out: 2^32, about as many as a database makes in decades of flushes.
///
/// A running database stops giving out numbers this far below the limit, so
/// one whose numbers ran out still opens (its new log, and the tables its
/// replay writes, take numbers from here) and reads back every write it
/// acknowledged; `open` refuses a database that has used half of them, so
/// one that opens leaves room for billions of opens again.
pub const FILE_NUMBERS_KEPT_FOR_OPEN: u64 = 1 << 32;

/// The file numbers are given out `for_open` (a new log or a replayed table
/// of `open`) or by the running database.
fn file_number_limit(for_open: bool) -> u64 {
    if for_open {
        MAX_FILE_NUMBER
    } else {
        MAX_FILE_NUMBER - FILE_NUMBERS_KEPT_FOR_OPEN
    }
}

/// Gives out the next file number of the database in `dir` from `counter`,
/// the next-file-number counter its logs and tables share (and its manifest
/// records); `for_open` when `open` takes it.
///
/// This is where file numbers are given out, and so where their limits are
/// kept: every number is below [`format::MAX_FILE_NUMBER`], so the counter
/// never passes it and no manifest, log or table the engine writes is one a
/// later `open` refuses; and the last [`FILE_NUMBERS_KEPT_FOR_OPEN`] of them
/// go only to `open`.
///
/// # Errors
///
/// [`Error::Corruption`] naming the manifest once the numbers are used up,
/// without changing the counter. No database uses 2^63 file numbers: a counter
/// this high comes from a damaged manifest's next file number or a file
/// named near the limit.
pub(crate) fn take_file_number(counter: &AtomicU64, dir: &Path, for_open: bool) -> Result<u64> {
    let limit = file_number_limit(for_open);
    // Relaxed: uniqueness needs only the atomicity of each update; the number
    // orders nothing else.
    counter
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |next| {
            (next < limit).then_some(next + 1)
        })
        .map_err(|next| numbers_used_up(dir, next, limit))
}

/// Checks, at `open`, that the database in `dir`, whose next file number is
/// `next`, has at least half of [`FILE_NUMBERS_KEPT_FOR_OPEN`] left.
///
/// # Errors
///
/// [`Error::Corruption`] naming the manifest otherwise.
pub(crate) fn check_room_to_open(dir: &Path, next: u64) -> Result<()> {
    let limit = MAX_FILE_NUMBER - FILE_NUMBERS_KEPT_FOR_OPEN / 2;
    if next < limit {
        return Ok(());
    }
    Err(numbers_used_up(dir, next, limit))
}

fn numbers_used_up(dir: &Path, next: u64, limit: u64) -> Error {
    Error::corruption(
        dir.join(MANIFEST_FILE_NAME),
        0,
        format!(
            "file numbers are used up: the next would be {next}, at or past {limit} (near \
             MAX_FILE_NUMBER, {MAX_FILE_NUMBER}); no database uses that many, so the \
             manifest's next file number, or the number in a table or log name, is damaged"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::OsFileSystem;
    use crate::{Error, InternalKey};
    use std::path::PathBuf;

    fn sample() -> ManifestState {
        ManifestState {
            next_file_number: 12,
            log_number: 9,
            last_timestamp: 4_000,
            tables: vec![
                TableRecord {
                    level: 0,
                    file_number: 7,
                    file_size: 8_192,
                    entry_count: 100,
                    tombstone_count: 7,
                    smallest: InternalKey::new("apple", 3_999),
                    largest: InternalKey::new("pear", 3_000),
                    min_timestamp: 3_000,
                    max_timestamp: 3_999,
                },
                TableRecord {
                    level: 1,
                    file_number: 4,
                    file_size: 65_536,
                    entry_count: 2_000,
                    tombstone_count: 0,
                    smallest: InternalKey::new("", 1),
                    largest: InternalKey::new(vec![0xff; 3], 2_000),
                    min_timestamp: 1,
                    max_timestamp: 2_000,
                },
            ],
            closed_log: Some(ClosedLog {
                number: 9,
                length: 4_096,
            }),
        }
    }

    fn path() -> PathBuf {
        PathBuf::from("/db/MANIFEST")
    }

    #[test]
    fn encode_decode_round_trips() {
        for state in [ManifestState::default(), sample()] {
            let bytes = state.encode();
            assert_eq!(ManifestState::decode(&bytes, &path()).unwrap(), state);
        }
    }

    /// The worked example of `docs/format/manifest.md`, as version 2 writes
    /// it and as version 1 wrote it.
    #[test]
    fn the_worked_examples_decode() {
        let body = "05042a00000000000000010003d2090201\
                    01612a00000000000000\
                    01622900000000000000\
                    2900000000000000\
                    2a00000000000000";
        let hex = |s: &str| -> Vec<u8> {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        };
        let table = TableRecord {
            level: 0,
            file_number: 3,
            file_size: 1234,
            entry_count: 2,
            tombstone_count: 1,
            smallest: InternalKey::new("a", 42),
            largest: InternalKey::new("b", 41),
            min_timestamp: 41,
            max_timestamp: 42,
        };
        let expected = ManifestState {
            next_file_number: 5,
            log_number: 4,
            last_timestamp: 42,
            tables: vec![table],
            closed_log: None,
        };
        let version_2 = hex(&format!(
            "4644424d414e49460200000037000000{body}0000e3143997"
        ));
        let version_1 = hex(&format!("4644424d414e49460100000035000000{body}2325bc11"));
        assert_eq!(expected.encode(), version_2);
        assert_eq!(
            ManifestState::decode(&version_2, &path()).unwrap(),
            expected
        );
        assert_eq!(
            ManifestState::decode(&version_1, &path()).unwrap(),
            expected
        );
    }

    #[test]
    fn every_truncation_is_corruption() {
        let bytes = sample().encode();
        for cut in 0..bytes.len() {
            let err = ManifestState::decode(&bytes[..cut], &path()).unwrap_err();
            assert!(err.is_corruption(), "cut at {cut}: {err}");
            assert!(err.to_string().contains("/db/MANIFEST"), "{err}");
        }
    }

    #[test]
    fn every_flipped_byte_is_detected() {
        let bytes = sample().encode();
        for i in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[i] ^= 0x5a;
            let err = ManifestState::decode(&damaged, &path()).unwrap_err();
            assert!(err.is_corruption(), "flip at {i}: {err}");
        }
    }

    #[test]
    fn huge_table_count_is_rejected_without_allocating() {
        let mut state = sample();
        state.tables.clear();
        state.closed_log = None;
        let mut bytes = state.encode();
        // Patch the table count (the body byte before the two of the absent
        // closed log, a one-byte varint 0) to a ten-byte varint claiming
        // u64::MAX tables, then fix lengths and crc.
        let body_end = bytes.len() - format::CHECKSUM_LEN;
        bytes.truncate(body_end - 3);
        bytes.extend_from_slice(&[0xff; 9]);
        bytes.extend_from_slice(&[0x01, 0, 0]);
        let body_len = (bytes.len() - format::HEADER_LEN) as u32;
        bytes[format::BODY_LEN_OFFSET..format::HEADER_LEN].copy_from_slice(&body_len.to_le_bytes());
        let crc = crc32fast::hash(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());
        let err = ManifestState::decode(&bytes, &path()).unwrap_err();
        assert!(err.to_string().contains("table count"), "{err}");
    }

    #[test]
    fn numbers_the_engine_cannot_hold_are_rejected() {
        type Breaker = fn(&mut ManifestState);
        let cases: [(&str, Breaker); 4] = [
            ("table level 7", |s| s.tables[1].level = 7),
            ("next file number", |s| {
                s.next_file_number = format::MAX_FILE_NUMBER + 1
            }),
            ("last timestamp", |s| {
                s.last_timestamp = format::MAX_TIMESTAMP + 1
            }),
            ("above the last timestamp", |s| {
                s.tables[0].max_timestamp = s.last_timestamp + 1
            }),
        ];
        for (what, break_it) in cases {
            let mut state = sample();
            break_it(&mut state);
            let err = ManifestState::decode(&state.encode(), &path()).unwrap_err();
            assert!(err.is_corruption(), "{what}: {err}");
            assert!(err.to_string().contains(what), "{what}: {err}");
        }
    }

    #[test]
    fn a_file_that_is_not_a_manifest_says_so() {
        let err = ManifestState::decode(&[b'x'; 64], &path()).unwrap_err();
        assert!(matches!(err, Error::Corruption { offset: 0, .. }), "{err}");
        assert!(err.to_string().contains("not a FerrisDB manifest"), "{err}");
    }

    #[test]
    fn file_numbers_stop_at_their_limits_and_the_last_go_to_open() {
        let dir = Path::new("/db");
        let running_limit = MAX_FILE_NUMBER - FILE_NUMBERS_KEPT_FOR_OPEN;
        let counter = AtomicU64::new(running_limit - 1);
        assert_eq!(
            take_file_number(&counter, dir, false).unwrap(),
            running_limit - 1
        );
        let err = take_file_number(&counter, dir, false).unwrap_err();
        assert!(
            err.is_corruption() && err.to_string().contains("MANIFEST"),
            "{err}"
        );
        assert_eq!(counter.load(Ordering::Relaxed), running_limit);
        assert_eq!(
            take_file_number(&counter, dir, true).unwrap(),
            running_limit
        );

        counter.store(MAX_FILE_NUMBER - 1, Ordering::Relaxed);
        assert_eq!(
            take_file_number(&counter, dir, true).unwrap(),
            MAX_FILE_NUMBER - 1
        );
        assert!(take_file_number(&counter, dir, true).is_err());
        assert_eq!(counter.load(Ordering::Relaxed), MAX_FILE_NUMBER);

        let half = MAX_FILE_NUMBER - FILE_NUMBERS_KEPT_FOR_OPEN / 2;
        check_room_to_open(dir, half - 1).unwrap();
        assert!(check_room_to_open(dir, half).unwrap_err().is_corruption());
    }

    /// Bug: `store` wrote a manifest larger than `load` reads, so the
    /// database could never be opened again.
    #[test]
    fn regression_store_writes_a_manifest_load_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let fs = OsFileSystem;
        store(&fs, dir.path(), &sample()).unwrap();
        let huge_key = vec![b'k'; 1 << 20];
        let mut state = sample();
        state.next_file_number = 1_000;
        state.tables = (0..130)
            .map(|n| TableRecord {
                file_number: n,
                smallest: InternalKey::new(huge_key.clone(), 2),
                largest: InternalKey::new(huge_key.clone(), 1),
                ..sample().tables[0].clone()
            })
            .collect();
        let err = store(&fs, dir.path(), &state).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
        assert!(err.to_string().contains("more than"), "{err}");
        assert_eq!(
            load(&fs, dir.path()).unwrap(),
            Some(sample()),
            "the old one stays"
        );
    }

    #[test]
    fn store_then_load_and_replace() {
        let dir = tempfile::tempdir().unwrap();
        let fs = OsFileSystem;
        assert_eq!(load(&fs, dir.path()).unwrap(), None);
        store(&fs, dir.path(), &ManifestState::default()).unwrap();
        store(&fs, dir.path(), &sample()).unwrap();
        assert_eq!(load(&fs, dir.path()).unwrap(), Some(sample()));
        assert_eq!(fs.list(dir.path()).unwrap(), [MANIFEST_FILE_NAME]);
    }
}
