//! Regression, found by the adversarial review of issue 14 (bug 4): bytes after the seal of a closed log are
//! taken for a torn tail, or replayed.
//!
//! `docs/format/wal.md` says "a sealed file has no torn tail: any damage in
//! it is corruption": a writer never appends after the seal, so nothing a
//! crash leaves can follow it. The reader does not hold the seal to that:
//! after reading a seal it carries on, so garbage after the seal is cut off
//! quietly as a torn tail (the damage lies past every durable length, the
//! seal's included), and a valid record after the seal is replayed as a
//! write, in every mode.

use std::path::{Path, PathBuf};

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::{wal_files, RecoveryMode, WalReader};
use ferrisdb_storage::{StorageEngine, WriteBatch};

mod common;

use common::{dir, fault_config};

/// A closed database holding `k0`..`k4` in its one, sealed, log.
fn closed() -> (FaultFileSystem, PathBuf) {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap();
    for i in 0..5 {
        db.put(format!("k{i}"), "v").unwrap();
    }
    db.close().unwrap();
    let (_, log) = wal_files(&fs, &dir()).unwrap().pop().unwrap();
    let mut reader = WalReader::open(&fs, &log, RecoveryMode::AbsoluteConsistency).unwrap();
    assert_eq!(reader.by_ref().count(), 5);
    assert!(reader.is_sealed());
    (fs, log)
}

fn append(fs: &FaultFileSystem, path: &Path, extra: &[u8]) {
    let mut bytes = fs.read_all(path).unwrap();
    bytes.extend_from_slice(extra);
    let mut file = fs.create(path).unwrap();
    file.append(&bytes).unwrap();
    file.sync().unwrap();
}

#[test]
fn garbage_after_the_seal_is_corruption() {
    let (fs, log) = closed();
    append(&fs, &log, &[0x5a; 40]);
    // The reader alone ends the log at the garbage, every record before the
    // seal returned: a crash while the seal's own sync ran could leave it.
    let mut reader = WalReader::open(&fs, &log, RecoveryMode::TolerateCorruptedTail).unwrap();
    assert_eq!(reader.by_ref().filter(Result::is_ok).count(), 5);
    assert!(reader.damage().is_some(), "the garbage is seen");
    // The engine knows the close finished (the manifest recorded the sealed
    // log's length): it refuses the log.
    for mode in [
        RecoveryMode::TolerateCorruptedTail,
        RecoveryMode::AbsoluteConsistency,
    ] {
        match StorageEngine::open(fault_config(&fs.fork(), mode)) {
            Err(e) => assert!(e.is_corruption(), "{mode:?}: {e}"),
            Ok(_) => panic!("{mode:?} opened a closed log with garbage after its seal"),
        }
    }
}

#[test]
fn a_record_after_the_seal_is_not_replayed() {
    let (fs, log) = closed();
    // A well-formed record framed after the seal: kind BATCH, durable
    // length 24, a delete of k0 at timestamp 100, as one FULL fragment.
    let mut payload = vec![1u8, 24];
    payload.extend_from_slice(&WriteBatch::new().delete("k0").encode(100));
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&[1]);
    hasher.update(&payload);
    let mut fragment = hasher.finalize().to_le_bytes().to_vec();
    fragment.extend_from_slice(&u16::try_from(payload.len()).unwrap().to_le_bytes());
    fragment.push(1);
    fragment.extend_from_slice(&payload);
    append(&fs, &log, &fragment);

    for mode in [
        RecoveryMode::TolerateCorruptedTail,
        RecoveryMode::AbsoluteConsistency,
    ] {
        match StorageEngine::open(fault_config(&fs.fork(), mode)) {
            Err(e) => assert!(e.is_corruption(), "{mode:?}: {e}"),
            Ok(db) => assert!(
                db.get("k0").unwrap().is_some(),
                "{mode:?} replayed a record found after the seal of a closed log: k0 is deleted"
            ),
        }
    }
}
