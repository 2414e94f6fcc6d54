//! `verify` names what breaks an invariant across files, which no checksum
//! catches: a log missing between two others (and the gap in the timestamps
//! it leaves), an older log that lost its seal, a damaged log header, and a
//! manifest on disk that is not the one the database holds.

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::format::FILE_HEADER_SIZE;
use ferrisdb_storage::internals::wal::{RecoveryMode, WalReader};
use ferrisdb_storage::VerifyReport;

mod common;
mod verify_common;

use common::{dir, log_paths, replace_file};
use verify_common::populated;

/// The files `report` names damaged.
fn named(report: &VerifyReport) -> Vec<std::path::PathBuf> {
    report.damage.iter().map(|d| d.file.clone()).collect()
}

#[test]
fn a_log_missing_between_two_others_is_named_and_so_is_the_gap() {
    let fs = FaultFileSystem::new();
    let db = populated(&fs);
    let logs = log_paths(&fs);
    assert!(logs.len() >= 3, "{logs:?}");
    fs.remove(&logs[1]).unwrap();
    let report = db.verify().unwrap();
    // Named itself, and where the gap shows: the first record after it.
    let mut named = named(&report);
    named.sort();
    assert_eq!(named, vec![logs[1].clone(), logs[2].clone()], "{report}");
    assert!(
        report.damage[0].reason.contains("does not follow"),
        "{report}"
    );
    assert!(report.damage[1].reason.contains("missing"), "{report}");
}

#[test]
fn an_older_log_without_its_seal_is_named() {
    let fs = FaultFileSystem::new();
    let db = populated(&fs);
    let older = log_paths(&fs)[1].clone();
    let mut reader = WalReader::open(&fs, &older, RecoveryMode::AbsoluteConsistency).unwrap();
    let last = reader.by_ref().map(|r| r.unwrap().offset).last().unwrap();
    assert!(reader.is_sealed());
    // Cut where its last record starts: every record before reads whole.
    let bytes = fs.read_all(&older).unwrap();
    replace_file(&fs, &older, &bytes[..last as usize]);
    let report = db.verify().unwrap();
    assert_eq!(named(&report), vec![older], "{report}");
    assert_eq!(report.damage[0].offset, last, "{report}");
    assert!(report.damage[0].reason.contains("seal"), "{report}");
}

#[test]
fn a_damaged_log_header_is_named() {
    let fs = FaultFileSystem::new();
    let db = populated(&fs);
    for log in [log_paths(&fs)[0].clone(), log_paths(&fs).pop().unwrap()] {
        for at in [0, FILE_HEADER_SIZE as u64 - 1] {
            fs.corrupt_reads(&log, at);
            let report = db.verify().unwrap();
            assert_eq!(named(&report), vec![log.clone()], "byte {at}: {report}");
            assert!(
                report.damage[0].offset < FILE_HEADER_SIZE as u64,
                "{report}"
            );
        }
    }
}

#[test]
fn an_older_manifest_on_disk_is_named() {
    let fs = FaultFileSystem::new();
    let db = populated(&fs);
    let manifest = dir().join("MANIFEST");
    let older = fs.read_all(&manifest).unwrap();
    db.put("k", "v").unwrap();
    db.flush().unwrap();
    assert!(db.verify().unwrap().is_intact());
    replace_file(&fs, &manifest, &older);
    let report = db.verify().unwrap();
    assert_eq!(named(&report), vec![manifest], "{report}");
    assert!(report.damage[0].reason.contains("not the one"), "{report}");
}
