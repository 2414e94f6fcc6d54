//! A log cut at any byte (a crash in the middle of a write) recovers exactly
//! the batches that ended before the cut.

mod common;

use common::{assert_prefix, mem_fs, read_log, write_log, MemFs, MemFsExt};
use ferrisdb_storage::internals::wal::format::{BLOCK_SIZE, FILE_HEADER_SIZE};
use ferrisdb_storage::internals::wal::{DamageKind, RecoveryMode};
use ferrisdb_storage::WriteBatch;
use rand::SeedableRng;

/// Checks the log `full` cut at `cut` under every mode.
fn check_cut(fs: &MemFs, full: &[u8], ends: &[u64], batches: &[WriteBatch], cut: usize) {
    let path = common::dir().join("000001.wal");
    fs.set_contents(&path, full[..cut].to_vec());
    let complete = ends.iter().filter(|&&end| end <= cut as u64).count();
    let last_end = if complete == 0 {
        FILE_HEADER_SIZE as u64
    } else {
        ends[complete - 1]
    };
    // A record's end is a clean end, and so is the end of the whole log,
    // whose last record is the seal `close` appends; so are zeros from a
    // record's end to the cut (a block trailer, or a record cut after its
    // first bytes, zeros), which read as room preallocated past the log.
    let zeros_after = |from: usize| cut >= from && full[from..cut].iter().all(|&b| b == 0);
    let clean_end = cut == FILE_HEADER_SIZE
        || ends.contains(&(cut as u64))
        || cut == full.len()
        || (cut >= FILE_HEADER_SIZE && zeros_after(last_end as usize));
    // Dropped bytes stop at the last byte of the cut file that is not zero.
    let nonzero_end = |from: usize| {
        full[from..cut]
            .iter()
            .rposition(|&b| b != 0)
            .map_or(from, |i| from + i + 1) as u64
    };
    let context = format!("cut at {cut}");

    for mode in [
        RecoveryMode::TolerateCorruptedTail,
        RecoveryMode::PointInTimeRecovery,
    ] {
        let back = read_log(fs, &path, mode);
        assert!(back.error.is_none(), "{context} {mode:?}: {:?}", back.error);
        assert_prefix(&back.records, batches, complete, &context);
        if clean_end {
            assert_eq!(back.damage, None, "{context}");
            assert_eq!(back.dropped, 0, "{context}");
        } else {
            let damage = back.damage.expect("a torn tail is reported");
            assert_eq!(damage.kind, DamageKind::TornTail, "{context}: {damage}");
            let expected_drop = if cut < FILE_HEADER_SIZE {
                nonzero_end(0)
            } else {
                nonzero_end(last_end as usize) - last_end
            };
            assert_eq!(back.dropped, expected_drop, "{context}");
        }
    }

    let back = read_log(fs, &path, RecoveryMode::AbsoluteConsistency);
    assert_eq!(
        back.error.is_some(),
        !clean_end,
        "{context}: {:?}",
        back.error
    );
    if cut >= FILE_HEADER_SIZE {
        assert_prefix(&back.records, batches, complete, &context);
    }
}

#[test]
fn every_cut_of_a_small_log() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let batches: Vec<_> = (0..12)
        .map(|_| common::random_batch(&mut rng, 3, 40))
        .collect();
    let fs = mem_fs();
    let (path, ends) = write_log(&fs, &batches);
    let full = fs.contents(&path);
    assert!(full.len() < 2000, "kept small so the test is fast");
    for cut in 0..=full.len() {
        check_cut(&fs, &full, &ends, &batches, cut);
    }
}

#[test]
fn cuts_around_block_boundaries_of_a_multi_block_log() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(4);
    let mut batches = Vec::new();
    for i in 0..24 {
        batches.push(if i % 8 == 3 {
            WriteBatch::new()
                .put("big", vec![i as u8; BLOCK_SIZE + 5000])
                .clone()
        } else {
            common::random_batch(&mut rng, 4, 1500)
        });
    }
    let fs = mem_fs();
    let (path, ends) = write_log(&fs, &batches);
    let full = fs.contents(&path);
    assert!(full.len() > 3 * BLOCK_SIZE);
    let mut cuts: Vec<usize> = (0..=full.len()).step_by(2999).collect();
    for boundary in (0..full.len()).step_by(BLOCK_SIZE).skip(1) {
        cuts.extend(boundary - 8..boundary + 8);
    }
    for &end in &ends {
        let end = end as usize;
        cuts.extend(end.saturating_sub(1)..(end + 2).min(full.len()));
    }
    cuts.sort_unstable();
    cuts.dedup();
    for cut in cuts {
        check_cut(&fs, &full, &ends, &batches, cut);
    }
}
