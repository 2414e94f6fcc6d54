//! A flipped bit in a record in the middle of a log is corruption: never a
//! torn tail, never altered bytes returned.

mod common;

use common::{assert_prefix, error_offset, mem_fs, read_log, write_log, MemFs, MemFsExt};
use ferrisdb_storage::internals::wal::format::BLOCK_SIZE;
use ferrisdb_storage::internals::wal::{DamageKind, RecoveryMode};
use ferrisdb_storage::WriteBatch;

/// Flips every bit of `full[start..end]` and checks each mode; `damaged_at`
/// is the offset the damage must be reported at, `record_start` where the
/// damaged record starts, `intact` the records before it.
fn flip_every_bit(
    fs: &MemFs,
    full: &[u8],
    batches: &[WriteBatch],
    (start, end): (usize, usize),
    (damaged_at, record_start): (u64, u64),
    intact: usize,
) {
    let path = common::dir().join("000001.wal");
    for bit in start * 8..end * 8 {
        let mut damaged = full.to_vec();
        damaged[bit / 8] ^= 1 << (bit % 8);
        fs.set_contents(&path, damaged);
        let context = format!("bit {bit} (byte {})", bit / 8);

        for mode in [
            RecoveryMode::AbsoluteConsistency,
            RecoveryMode::TolerateCorruptedTail,
        ] {
            let back = read_log(fs, &path, mode);
            let err = back.error.expect("mid-log damage is an error");
            assert!(err.is_corruption(), "{context}: {err}");
            assert_eq!(
                error_offset(&err),
                Some(damaged_at),
                "{context} {mode:?}: {err}"
            );
            assert!(err.to_string().contains("000001.wal"), "{err}");
            assert_prefix(&back.records, batches, intact, &context);
        }

        let back = read_log(fs, &path, RecoveryMode::PointInTimeRecovery);
        assert!(back.error.is_none(), "{context}");
        assert_prefix(&back.records, batches, intact, &context);
        let damage = back.damage.expect("damage is reported");
        assert_eq!(damage.kind, DamageKind::Corruption, "{context}: {damage}");
        assert_eq!(damage.offset, damaged_at, "{context}");
        assert_eq!(back.dropped, full.len() as u64 - record_start, "{context}");
    }
}

#[test]
fn every_bit_of_a_record_in_the_middle_of_a_log() {
    let batches: Vec<_> = (0..6u8)
        .map(|i| {
            WriteBatch::new()
                .put([b'k', i], [i; 20])
                .delete([b'd', i])
                .clone()
        })
        .collect();
    let fs = mem_fs();
    let (path, ends) = write_log(&fs, &batches);
    let full = fs.contents(&path);
    let (start, end) = (ends[1] as usize, ends[2] as usize);
    flip_every_bit(&fs, &full, &batches, (start, end), (ends[1], ends[1]), 2);
}

#[test]
fn bits_of_a_middle_fragment_of_a_split_record() {
    let batches = vec![
        WriteBatch::new().put("a", "1").clone(),
        WriteBatch::new()
            .put("big", vec![7u8; 2 * BLOCK_SIZE])
            .clone(),
        WriteBatch::new().put("b", "2").clone(),
    ];
    let fs = mem_fs();
    let (path, ends) = write_log(&fs, &batches);
    let full = fs.contents(&path);
    // The fragment header and first payload bytes at the start of block 1.
    let middle = BLOCK_SIZE;
    flip_every_bit(
        &fs,
        &full,
        &batches,
        (middle, middle + 12),
        (middle as u64, ends[0]),
        1,
    );
    // A flip in the FIRST fragment is found at the record's start.
    let first = ends[0] as usize;
    flip_every_bit(
        &fs,
        &full,
        &batches,
        (first, first + 8),
        (ends[0], ends[0]),
        1,
    );
}
