//! Regression (found by the review of issue 18): the batch decoder panicked
//! on a crafted payload whose entry count is an overlong (non-canonical)
//! varint.
//!
//! `Decoder::varint32` accepts a varint of up to 10 bytes (it reads a
//! varint64 and checks the value fits in 32 bits), so a payload's header can
//! be longer than `MAX_HEADER_SIZE` (13 bytes). `decode_payload` then trips
//! its `debug_assert!(header_len <= MAX_HEADER_SIZE)`: a panic on bytes read
//! from disk (in every debug build, every test run). Now such a count is a
//! decode error at its offset, and replay reports the log and offset.

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::internals::write_batch::{decode_logged, decode_payload};
use ferrisdb_storage::{StorageEngine, WriteBatch};

mod common;

use common::{crafted_log, fault_config};

/// A batch of one put, timestamp 7, whose count 1 is written as the 10-byte
/// varint `81 80 80 80 80 80 80 80 80 00`.
fn payload_with_overlong_count() -> Vec<u8> {
    let canonical = WriteBatch::new().put("k", "v").encode(7);
    assert_eq!(canonical[8], 1, "count 1 in one byte");
    let mut crafted = canonical[..8].to_vec();
    crafted.extend_from_slice(&[0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]);
    crafted.extend_from_slice(&canonical[9..]);
    crafted
}

#[test]
fn decode_payload_of_an_overlong_count_does_not_panic() {
    let crafted = payload_with_overlong_count();
    let outcome =
        std::panic::catch_unwind(|| decode_payload(&crafted).map(|(ts, e)| (ts, e.len())));
    assert!(
        outcome.is_ok(),
        "decode_payload panicked on a 23-byte crafted payload (overlong count varint)"
    );
}

#[test]
fn decode_logged_and_write_batch_decode_of_an_overlong_count_do_not_panic() {
    let crafted = payload_with_overlong_count();
    assert!(
        std::panic::catch_unwind(|| decode_logged(&crafted, false).is_ok()).is_ok(),
        "decode_logged (what replay calls on every record) panicked"
    );
    assert!(
        std::panic::catch_unwind(|| WriteBatch::decode(&crafted).is_ok()).is_ok(),
        "the public WriteBatch::decode panicked"
    );
}

/// The same payload in a log's DATA record (every fragment valid): `open`
/// replays it and refuses it with an error naming the log (it panicked).
#[test]
fn open_of_a_log_holding_an_overlong_count_does_not_panic() {
    let fs = FaultFileSystem::new();
    let (writer, log) = crafted_log(&fs);
    let mut crafted = payload_with_overlong_count();
    crafted[..8].copy_from_slice(&1u64.to_le_bytes());
    writer.append(&[&crafted]).unwrap();
    writer.close().unwrap();
    for mode in [
        RecoveryMode::TolerateCorruptedTail,
        RecoveryMode::AbsoluteConsistency,
        RecoveryMode::PointInTimeRecovery,
    ] {
        let fork = fs.fork();
        let outcome = std::panic::catch_unwind(move || {
            StorageEngine::open(fault_config(&fork, mode)).map(drop)
        });
        let Ok(opened) = outcome else {
            panic!("{mode:?}: open panicked replaying a crafted record");
        };
        // A record whose checksums hold but whose batch no FerrisDB writes is
        // corruption, named; point in time opens before it.
        match mode {
            RecoveryMode::PointInTimeRecovery => opened.unwrap(),
            _ => {
                let err = opened.unwrap_err();
                assert!(err.is_corruption(), "{mode:?}: {err}");
                let name = log.file_name().unwrap().to_str().unwrap();
                assert!(err.to_string().contains(name), "{mode:?}: {err}");
            }
        }
    }
}
