//! Reading past damage for `repair` (`WalReader::open_salvaging`): the
//! records before the damage come from the iteration, those after it from
//! `take_salvaged`, none altered, none twice.

use super::*;
use crate::fs::os_file_system;
use crate::wal::{WalOptions, WalWriter};

/// A log of 20 records, `record-00` to `record-19`, and where each ends.
fn log(dir: &Path) -> (PathBuf, Vec<u64>) {
    let writer = WalWriter::create(os_file_system(), dir, 3, WalOptions::default()).unwrap();
    let ends = (0..20)
        .map(|i| {
            writer
                .append(&[format!("record-{i:02}").as_bytes()])
                .unwrap()
                .offset
        })
        .collect();
    writer.close().unwrap();
    (dir.join("000003.wal"), ends)
}

fn payloads(records: &[WalRecord]) -> Vec<String> {
    records
        .iter()
        .map(|r| String::from_utf8(r.payload.clone()).unwrap())
        .collect()
}

#[test]
fn a_damaged_record_costs_only_itself() {
    let dir = tempfile::tempdir().unwrap();
    let (path, ends) = log(dir.path());
    let mut bytes = std::fs::read(&path).unwrap();
    // A byte inside record 10.
    bytes[ends[9] as usize + 9] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();

    let fs = os_file_system();
    let mut reader = WalReader::open_salvaging(fs.as_ref(), &path).unwrap();
    let before: Vec<WalRecord> = reader.by_ref().map(Result::unwrap).collect();
    assert_eq!(reader.damage().unwrap().kind, DamageKind::Corruption);
    let after = reader.take_salvaged();
    let expected: Vec<String> = (0..20).map(|i| format!("record-{i:02}")).collect();
    assert_eq!(payloads(&before), expected[..10]);
    assert_eq!(payloads(&after), expected[11..]);
}

#[test]
fn an_ordinary_reader_keeps_nothing_past_the_damage() {
    let dir = tempfile::tempdir().unwrap();
    let (path, ends) = log(dir.path());
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[ends[4] as usize + 9] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let fs = os_file_system();
    let mut reader =
        WalReader::open(fs.as_ref(), &path, RecoveryMode::PointInTimeRecovery).unwrap();
    assert_eq!(reader.by_ref().count(), 5);
    assert_eq!(reader.dropped_records(), 14);
    assert!(reader.take_salvaged().is_empty());
}
