//! Zeros at the end of a log: room its writer preallocated and never wrote
//! end the log, in every recovery mode, when they start at a record boundary
//! and run to the end of the file; zeros anywhere else are damage, as
//! before.

use super::*;
use crate::fs::{FaultFileSystem, FileSystem};
use crate::wal::format::{
    BLOCK_SIZE, FRAGMENT_HEADER_SIZE, MAX_RECORD_PREFIX_LEN, RECORD_KIND_DATA,
};
use crate::wal::fragment::frame_record;
use crate::wal::payload::{encode_prefix, framed_seal};
use crate::wal::WalHeader;

const MODES: [RecoveryMode; 3] = [
    RecoveryMode::TolerateCorruptedTail,
    RecoveryMode::AbsoluteConsistency,
    RecoveryMode::PointInTimeRecovery,
];

fn path() -> PathBuf {
    PathBuf::from("/db/000001.wal")
}

/// A log of file 1 holding `records` (payload, durable length it claims),
/// and where each record ends.
fn log(records: &[(Vec<u8>, u64)]) -> (Vec<u8>, Vec<u64>) {
    let mut bytes = WalHeader::new(1).encode();
    let mut ends = Vec::new();
    for (payload, durable) in records {
        let mut prefix = [0; MAX_RECORD_PREFIX_LEN];
        let len = encode_prefix(&mut prefix, RECORD_KIND_DATA, 1, *durable);
        let offset = bytes.len() as u64;
        let mut framed = Vec::new();
        frame_record(&prefix[..len], &[payload], offset, &mut framed);
        bytes.extend_from_slice(&framed);
        ends.push(bytes.len() as u64);
    }
    (bytes, ends)
}

/// Five small records, none claiming more than the header.
fn five() -> (Vec<u8>, Vec<u64>) {
    log(&(0..5u8).map(|i| (vec![i + 1; 40], 24)).collect::<Vec<_>>())
}

fn with_zeros(bytes: &[u8], zeros: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out.resize(bytes.len() + zeros, 0);
    out
}

fn store(bytes: &[u8]) -> FaultFileSystem {
    let fs = FaultFileSystem::new();
    fs.create_dir_all(Path::new("/db")).unwrap();
    let mut file = fs.create(&path()).unwrap();
    file.append(bytes).unwrap();
    file.sync().unwrap();
    fs
}

/// Reads the log in `mode`: the payloads returned, the first error, and the
/// reader.
fn read(fs: &FaultFileSystem, mode: RecoveryMode) -> (Vec<Vec<u8>>, Option<Error>, WalReader) {
    let mut reader = WalReader::open(fs, &path(), mode).unwrap();
    let mut payloads = Vec::new();
    let mut error = None;
    for record in reader.by_ref() {
        match record {
            Ok(record) => payloads.push(record.payload),
            Err(e) => error = Some(e),
        }
    }
    (payloads, error, reader)
}

/// Checks that the log in `fs` reads `records` records and ends at `end`,
/// in a zero tail, without damage, in every mode.
fn assert_ends_in_zero_tail(fs: &FaultFileSystem, records: usize, end: u64) {
    for mode in MODES {
        let (payloads, error, reader) = read(fs, mode);
        assert!(error.is_none(), "{mode:?}: {error:?}");
        assert_eq!(payloads.len(), records, "{mode:?}");
        assert_eq!(reader.damage(), None, "{mode:?}");
        assert_eq!(reader.zero_tail(), Some(end), "{mode:?}");
        assert_eq!(reader.data_len(), end, "{mode:?}");
        assert_eq!(reader.dropped_bytes(), 0, "{mode:?}");
    }
}

#[test]
fn zeros_after_the_last_record_end_the_log_in_every_mode() {
    let (bytes, ends) = five();
    let fs = store(&with_zeros(&bytes, 1 << 20));
    assert_ends_in_zero_tail(&fs, 5, ends[4]);
    // One zero byte is a zero tail too; none is a plain end.
    assert_ends_in_zero_tail(&store(&with_zeros(&bytes, 1)), 5, ends[4]);
    let (_, _, reader) = read(&store(&bytes), RecoveryMode::AbsoluteConsistency);
    assert_eq!((reader.zero_tail(), reader.data_len()), (None, ends[4]));
}

#[test]
fn zeros_from_a_block_trailer_or_a_block_boundary_end_the_log() {
    // Frame overhead of each record: the fragment header and a 3-byte
    // prefix (kind, log 1, durable length 24).
    let overhead = FRAGMENT_HEADER_SIZE + 3;
    for end in [BLOCK_SIZE - 3, BLOCK_SIZE] {
        let payload = vec![7; end - FILE_HEADER_SIZE - overhead];
        let (bytes, ends) = log(&[(payload, 24)]);
        assert_eq!(ends, [end as u64]);
        for zeros in [2, 3, BLOCK_SIZE + 100] {
            let fs = store(&with_zeros(&bytes, zeros));
            assert_ends_in_zero_tail(&fs, 1, end as u64);
        }
    }
}

#[test]
fn zeros_that_valid_records_follow_are_damage_and_inside_a_durable_length_corruption() {
    let (_, plain) = five();
    // Record 5 claims that records 1 to 4 were synced.
    let records: Vec<_> = (0..5u8)
        .map(|i| (vec![i + 1; 40], if i == 4 { plain[3] } else { 24 }))
        .collect();
    let (mut bytes, ends) = log(&records);
    bytes[ends[0] as usize..ends[2] as usize].fill(0);
    let fs = store(&bytes);
    for mode in MODES {
        let (payloads, error, reader) = read(&fs, mode);
        assert_eq!(payloads.len(), 1, "{mode:?}");
        let damage = reader.damage().unwrap();
        assert_eq!(
            (damage.offset, damage.kind),
            (ends[0], DamageKind::Corruption)
        );
        assert_eq!(error.is_some(), mode != RecoveryMode::PointInTimeRecovery);
        assert_eq!(reader.zero_tail(), None);
    }
    // Zeros to the end of the file take the record that vouched for them
    // with them: nothing is left to tell them from a crash's lost tail, as
    // nothing tells a file cut at that record boundary.
    let (bytes, ends) = log(&records);
    let fs = store(&with_zeros(&bytes[..ends[0] as usize], bytes.len()));
    assert_ends_in_zero_tail(&fs, 1, ends[0]);
}

#[test]
fn zeros_then_garbage_are_a_torn_tail_and_dropped_bytes_stop_at_the_garbage() {
    let (bytes, ends) = five();
    let mut damaged = with_zeros(&bytes, 5000);
    damaged.extend_from_slice(&[0xa5; 100]);
    damaged.resize(damaged.len() + 3000, 0);
    let garbage_end = bytes.len() as u64 + 5100;
    let fs = store(&damaged);
    for mode in MODES {
        let (payloads, error, reader) = read(&fs, mode);
        assert_eq!(payloads.len(), 5, "{mode:?}");
        let damage = reader.damage().unwrap();
        assert_eq!(
            (damage.offset, damage.kind),
            (ends[4], DamageKind::TornTail)
        );
        assert_eq!(error.is_some(), mode == RecoveryMode::AbsoluteConsistency);
        assert_eq!(reader.zero_tail(), None);
        assert_eq!(reader.data_len(), garbage_end);
        assert_eq!(reader.dropped_bytes(), garbage_end - ends[4]);
    }
}

#[test]
fn zeros_inside_a_record_are_damage_not_its_end() {
    // A record over two blocks whose second fragment is zeros to the end.
    let (bytes, ends) = log(&[(vec![1; 40], 24), (vec![9; BLOCK_SIZE], 24)]);
    let mut damaged = bytes[..BLOCK_SIZE].to_vec();
    damaged.resize(bytes.len() + 4096, 0);
    let fs = store(&damaged);
    for mode in MODES {
        let (payloads, error, reader) = read(&fs, mode);
        assert_eq!(payloads.len(), 1, "{mode:?}");
        let damage = reader.damage().unwrap();
        assert_eq!(damage.kind, DamageKind::TornTail, "{mode:?}");
        assert_eq!(error.is_some(), mode == RecoveryMode::AbsoluteConsistency);
        assert_eq!(reader.zero_tail(), None);
        assert_eq!(reader.dropped_bytes(), BLOCK_SIZE as u64 - ends[0]);
    }
}

#[test]
fn a_sealed_log_ends_at_its_seal_and_zeros_after_it_are_a_cut_a_crash_lost() {
    let (mut bytes, _) = five();
    let seal_at = bytes.len() as u64;
    bytes.extend_from_slice(&framed_seal(1, seal_at));
    let end = bytes.len() as u64;
    // As sealing leaves it: cut to the seal.
    for mode in MODES {
        let (payloads, error, reader) = read(&store(&bytes), mode);
        assert!(error.is_none() && payloads.len() == 5, "{mode:?}");
        assert!(reader.is_sealed() && reader.damage().is_none());
        assert_eq!((reader.zero_tail(), reader.data_len()), (None, end));
    }
    // The room preallocated past the seal, which a crash kept.
    let fs = store(&with_zeros(&bytes, 4096));
    assert_ends_in_zero_tail(&fs, 5, end);
    assert!(read(&fs, RecoveryMode::AbsoluteConsistency).2.is_sealed());
    // Anything else after a seal is damage, as before.
    let mut damaged = with_zeros(&bytes, 10);
    damaged.push(1);
    let (_, error, reader) = read(&store(&damaged), RecoveryMode::AbsoluteConsistency);
    assert!(error.is_some());
    assert_eq!(reader.damage().unwrap().offset, end);
}
