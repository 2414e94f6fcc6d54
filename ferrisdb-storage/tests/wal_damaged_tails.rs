//! What a crash can leave at the end of an unsealed log (garbage, a torn
//! record) is a torn tail, and zeros from a record's end to the end of the
//! file (room the writer preallocated) are the end of the log; damage that a
//! later record's durable length covers is corruption; bytes after a seal
//! end the log at the seal.

mod common;

use common::{
    assert_prefix, error_offset, mem_fs, read_log, write_log, write_unsealed_log, MemFsExt,
};
use ferrisdb_storage::internals::wal::format::{BLOCK_SIZE, FILE_HEADER_SIZE};
use ferrisdb_storage::internals::wal::{DamageKind, RecoveryMode, WalReader};
use ferrisdb_storage::{Error, WriteBatch};
use rand::{Rng, SeedableRng};

fn batches() -> Vec<WriteBatch> {
    (0..10u8)
        .map(|i| {
            WriteBatch::new()
                .put([i], vec![i; 100 + usize::from(i)])
                .clone()
        })
        .collect()
}

/// Appends `tail` to a good log that a crash left unsealed and checks it
/// reads as a torn tail.
fn assert_torn_tail(tail: &[u8]) {
    let batches = batches();
    let fs = mem_fs();
    let (path, ends) = write_unsealed_log(&fs, &batches);
    let mut data = fs.contents(&path);
    let log_end = data.len() as u64;
    assert_eq!(log_end, *ends.last().unwrap());
    data.extend_from_slice(tail);
    fs.set_contents(&path, data);

    for mode in [
        RecoveryMode::TolerateCorruptedTail,
        RecoveryMode::PointInTimeRecovery,
    ] {
        let back = read_log(&*fs, &path, mode);
        assert!(back.error.is_none(), "{mode:?}: {:?}", back.error);
        assert_prefix(&back.records, &batches, batches.len(), "torn tail");
        // Zeros that end the file are not counted: they hold nothing.
        let zeros = tail.iter().rev().take_while(|&&b| b == 0).count();
        assert_eq!(back.dropped, (tail.len() - zeros) as u64);
        let damage = back.damage.unwrap();
        assert_eq!(damage.kind, DamageKind::TornTail, "{damage}");
        assert_eq!(damage.offset, log_end);
    }
    let back = read_log(&*fs, &path, RecoveryMode::AbsoluteConsistency);
    let err = back.error.expect("any damage is an error");
    assert_eq!(error_offset(&err), Some(log_end), "{err}");
    assert_eq!(back.records.len(), batches.len());
}

#[test]
fn zero_filled_tails_of_any_length_end_the_log_in_every_mode() {
    let batches = batches();
    let fs = mem_fs();
    let (path, ends) = write_unsealed_log(&fs, &batches);
    let log = fs.contents(&path);
    let log_end = *ends.last().unwrap();
    for len in [1, 6, 7, 100, BLOCK_SIZE, 3 * BLOCK_SIZE + 17] {
        let mut data = log.clone();
        data.resize(log.len() + len, 0);
        fs.set_contents(&path, data);
        for mode in [
            RecoveryMode::TolerateCorruptedTail,
            RecoveryMode::PointInTimeRecovery,
            RecoveryMode::AbsoluteConsistency,
        ] {
            let mut reader = WalReader::open(&*fs, &path, mode).unwrap();
            let records: Vec<_> = reader.by_ref().map(Result::unwrap).collect();
            assert_prefix(&records, &batches, batches.len(), "zero tail");
            assert_eq!(reader.damage(), None, "{len} zeros, {mode:?}");
            assert_eq!(reader.zero_tail(), Some(log_end));
            assert_eq!(reader.dropped_bytes(), 0);
        }
    }
}

#[test]
fn garbage_tails_are_torn_tails() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(9);
    for len in [1, 5, 50, 5000, 2 * BLOCK_SIZE] {
        let garbage: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        assert_torn_tail(&garbage);
    }
}

#[test]
fn a_torn_record_followed_by_zeros_is_a_torn_tail() {
    let fs = mem_fs();
    let (path, ends) = write_unsealed_log(&fs, &[WriteBatch::new().put("x", vec![1; 500]).clone()]);
    let record = fs.contents(&path)[FILE_HEADER_SIZE..ends[0] as usize].to_vec();
    let mut tail = record[..record.len() / 2].to_vec();
    tail.resize(tail.len() + 4096, 0);
    assert_torn_tail(&tail);
}

#[test]
fn zeros_in_the_middle_of_a_log_are_corruption() {
    let batches = batches();
    let fs = mem_fs();
    let (path, ends) = write_log(&fs, &batches);
    let mut data = fs.contents(&path);
    let (start, end) = (ends[3] as usize, ends[5] as usize);
    data[start..end].fill(0);
    fs.set_contents(&path, data);

    let back = read_log(&*fs, &path, RecoveryMode::TolerateCorruptedTail);
    let err = back.error.expect("valid records follow the zeros");
    assert_eq!(error_offset(&err), Some(ends[3]), "{err}");
    assert_eq!(back.damage.unwrap().kind, DamageKind::Corruption);
    assert_prefix(&back.records, &batches, 4, "before the zeros");

    let back = read_log(&*fs, &path, RecoveryMode::PointInTimeRecovery);
    assert!(back.error.is_none());
    assert_prefix(&back.records, &batches, 4, "point in time");
}

#[test]
fn a_file_that_is_not_a_wal_is_rejected_in_every_mode() {
    let fs = mem_fs();
    let path = common::dir().join("000001.wal");
    for content in [
        &b"SQLite format 3\0 and a lot more bytes after it"[..],
        b"hello",
    ] {
        fs.set_contents(&path, content.to_vec());
        for mode in [
            RecoveryMode::TolerateCorruptedTail,
            RecoveryMode::AbsoluteConsistency,
            RecoveryMode::PointInTimeRecovery,
        ] {
            let err = WalReader::open(&*fs, &path, mode).unwrap_err();
            assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
            assert!(err.to_string().contains("not a FerrisDB WAL file"), "{err}");
        }
    }
}

#[test]
fn a_crash_before_the_header_was_written_leaves_an_empty_log() {
    let fs = mem_fs();
    let path = common::dir().join("000001.wal");
    for content in [vec![], vec![0; 10], vec![0; 4096]] {
        fs.set_contents(&path, content.clone());
        let back = read_log(&*fs, &path, RecoveryMode::TolerateCorruptedTail);
        assert!(back.error.is_none(), "{:?}", back.error);
        assert!(back.records.is_empty());
        // A torn tail at byte 0, of zeros, which hold nothing to drop.
        assert_eq!(back.damage.unwrap().offset, 0);
        assert_eq!(back.dropped, 0);
        let err = WalReader::open(&*fs, &path, RecoveryMode::AbsoluteConsistency).unwrap_err();
        assert!(err.is_corruption(), "{err}");
    }
}

#[test]
fn a_damaged_header_before_valid_records_is_corruption() {
    let fs = mem_fs();
    let (path, _) = write_log(&fs, &batches());
    let mut data = fs.contents(&path);
    data[10] ^= 0x40; // inside the format version
    fs.set_contents(&path, data);
    let err = WalReader::open(&*fs, &path, RecoveryMode::TolerateCorruptedTail).unwrap_err();
    assert!(err.to_string().contains("header checksum"), "{err}");
    let back = read_log(&*fs, &path, RecoveryMode::PointInTimeRecovery);
    assert!(back.error.is_none() && back.records.is_empty());
    assert_eq!(back.damage.unwrap().kind, DamageKind::Corruption);
}

#[test]
fn bytes_after_the_seal_end_the_log_with_every_record_before_it() {
    let fs = mem_fs();
    let (path, ends) = write_log(&fs, &batches());
    let sealed = fs.contents(&path);
    // Zeros after the seal are room preallocated past it, which the seal's
    // sync was to cut off: the end of the log, in every mode.
    for zeros in [1, 10, BLOCK_SIZE] {
        let mut data = sealed.clone();
        data.resize(sealed.len() + zeros, 0);
        fs.set_contents(&path, data);
        let mut reader = WalReader::open(&*fs, &path, RecoveryMode::AbsoluteConsistency).unwrap();
        assert_eq!(reader.by_ref().map(Result::unwrap).count(), ends.len());
        assert!(reader.is_sealed() && reader.damage().is_none());
        assert_eq!(reader.zero_tail(), Some(sealed.len() as u64));
    }
    for tail in [vec![0xab; 3], vec![0, 0, 7], vec![0xab; BLOCK_SIZE]] {
        let mut data = sealed.clone();
        data.extend_from_slice(&tail);
        fs.set_contents(&path, data);
        // A crash while the seal's own sync ran may leave bytes past it: a
        // torn tail, with every record before the seal kept. (The engine
        // refuses them when the manifest says the close finished.)
        let back = read_log(&*fs, &path, RecoveryMode::TolerateCorruptedTail);
        assert!(back.error.is_none(), "{:?}", back.error);
        assert_eq!(
            back.records.len(),
            ends.len(),
            "every record before the seal"
        );
        let damage = back.damage.expect("the bytes are seen");
        assert_eq!(damage.offset, sealed.len() as u64);
        assert_eq!(back.dropped, tail.len() as u64);
        let back = read_log(&*fs, &path, RecoveryMode::AbsoluteConsistency);
        assert_eq!(
            back.error.as_ref().and_then(error_offset),
            Some(sealed.len() as u64)
        );
    }
}
