//! Batches written to the WAL come back exactly, across blocks, files and
//! threads, in every sync mode.

mod common;

use std::sync::Arc;

use common::{append, assert_prefix, decoded, dir, mem_fs, read_log, write_log, MemFsExt};
use ferrisdb_storage::fs::os_file_system;
use ferrisdb_storage::internals::wal::format::{BLOCK_SIZE, FILE_HEADER_SIZE};
use ferrisdb_storage::internals::wal::{
    len_after_append, wal_files, RecoveryMode, WalOptions, WalReader, WalWriter,
};
use ferrisdb_storage::{SyncMode, WriteBatch};
use rand::SeedableRng;

const MODES: [RecoveryMode; 3] = [
    RecoveryMode::TolerateCorruptedTail,
    RecoveryMode::AbsoluteConsistency,
    RecoveryMode::PointInTimeRecovery,
];

#[test]
fn random_batches_round_trip_in_every_recovery_mode() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let batches: Vec<_> = (0..300)
        .map(|_| common::random_batch(&mut rng, 8, 200))
        .collect();
    let fs = mem_fs();
    let (path, ends) = write_log(&fs, &batches);
    for mode in MODES {
        let back = read_log(&*fs, &path, mode);
        assert!(back.error.is_none(), "{mode:?}: {:?}", back.error);
        assert_prefix(&back.records, &batches, batches.len(), &format!("{mode:?}"));
        assert_eq!(back.dropped, 0);
        assert_eq!(back.damage, None);
        // Each record starts where the previous one ended.
        for (record, start) in back.records.iter().skip(1).zip(&ends) {
            assert!(
                record.offset >= *start && record.offset < start + 7,
                "{record:?}"
            );
        }
    }
}

#[test]
fn a_batch_larger_than_a_block_is_split_and_reassembled() {
    let big = vec![0xabu8; 3 * BLOCK_SIZE + 100];
    let batches = vec![
        WriteBatch::new().put("small", "1").clone(),
        WriteBatch::new().put("big", &big).delete("gone").clone(),
        WriteBatch::new().put("after", "2").clone(),
    ];
    let fs = mem_fs();
    let (path, ends) = write_log(&fs, &batches);
    assert!(
        ends[1] > 3 * BLOCK_SIZE as u64,
        "the big record spans blocks"
    );
    let back = read_log(&*fs, &path, RecoveryMode::AbsoluteConsistency);
    assert!(back.error.is_none(), "{:?}", back.error);
    assert_prefix(&back.records, &batches, 3, "split batch");
    assert_eq!(back.records[1].offset, ends[0]);
}

#[test]
fn rotation_spreads_batches_over_numbered_files_read_back_in_order() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(2);
    let batches: Vec<_> = (0..200)
        .map(|_| common::random_batch(&mut rng, 4, 100))
        .collect();
    let fs = mem_fs();
    let writer = WalWriter::create(fs.clone(), dir(), 7, WalOptions::default()).unwrap();
    // The caller rotates, as the engine does at a size limit, with numbers
    // of its own.
    let mut next_number = 10;
    let mut len = FILE_HEADER_SIZE as u64;
    for (ts, batch) in (1..).zip(&batches) {
        let payload = batch.encode(ts);
        if len > FILE_HEADER_SIZE as u64 && len_after_append(len, payload.len()) > 4096 {
            writer.rotate(next_number).unwrap();
            next_number += 1;
        }
        len = writer.append(&[&payload]).unwrap().offset;
    }
    let manual = next_number;
    writer.rotate(manual).unwrap();
    assert_eq!(writer.current_file_number(), manual);
    writer.close().unwrap();

    let files = wal_files(&*fs, &dir()).unwrap();
    assert!(files.len() > 5, "{} files", files.len());
    assert_eq!(files[0].0, 7, "the first file has the number given");
    assert_eq!(files[1].0, 10, "rotation takes the number it is given");
    let mut records = Vec::new();
    for (number, path) in &files {
        let reader = WalReader::open(&*fs, path, RecoveryMode::AbsoluteConsistency).unwrap();
        assert_eq!(reader.header().unwrap().file_number, *number);
        // Only a record bigger than the limit may exceed it; these are small.
        assert!(
            reader.file_len() <= 4096,
            "{path:?} is {} bytes",
            reader.file_len()
        );
        for record in reader {
            records.push(record.unwrap());
        }
    }
    assert_prefix(&records, &batches, batches.len(), "rotated log");
    // Every finished file ends with its seal, claiming all of it durable;
    // the manual rotation's file holds nothing else.
    for (_, path) in &files {
        let mut reader = WalReader::open(&*fs, path, RecoveryMode::AbsoluteConsistency).unwrap();
        let count = reader.by_ref().count();
        assert!(reader.is_sealed(), "{path:?}");
        assert!(reader.durable_len() > FILE_HEADER_SIZE as u64 || count == 0);
        if path == &files.last().unwrap().1 {
            assert_eq!(count, 0, "the manual rotation's file is empty");
            assert_eq!(reader.durable_len(), FILE_HEADER_SIZE as u64);
        }
    }
}

#[test]
fn concurrent_full_appends_are_all_recovered_in_order_per_thread() {
    let fs = mem_fs();
    let options = WalOptions {
        sync_mode: SyncMode::Full,
    };
    let writer = Arc::new(common::writer(fs.clone(), options));
    let threads: Vec<_> = (0..8u64)
        .map(|t| {
            let writer = writer.clone();
            std::thread::spawn(move || {
                for i in 0..200u64 {
                    let batch = WriteBatch::new()
                        .put(t.to_be_bytes(), i.to_be_bytes())
                        .clone();
                    append(&writer, &batch, t * 1000 + i).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    Arc::try_unwrap(writer).unwrap().close().unwrap();
    let back = read_log(
        &*fs,
        &dir().join("000001.wal"),
        RecoveryMode::AbsoluteConsistency,
    );
    assert!(back.error.is_none());
    assert_eq!(back.records.len(), 1600);
    let mut next = [0u64; 8];
    for r in &back.records {
        let (timestamp, _) = decoded(r);
        let t = (timestamp / 1000) as usize;
        assert_eq!(timestamp % 1000, next[t], "thread {t} out of order");
        next[t] += 1;
    }
}

#[test]
fn sync_modes_decide_when_bytes_reach_the_file() {
    let batch = WriteBatch::new().put("k", "v").clone();
    let path = dir().join("000001.wal");
    for (mode, visible_at_once) in [
        (SyncMode::None, false),
        (SyncMode::Normal, true),
        (SyncMode::Full, true),
    ] {
        let fs = mem_fs();
        let options = WalOptions { sync_mode: mode };
        let writer = common::writer(fs.clone(), options);
        let pos = append(&writer, &batch, 1).unwrap();
        // The log's bytes on file: under `Full` the file goes on in the
        // zeros its sync preallocated.
        let on_file = || common::log_records(&fs, &path).len() as u64;
        assert_eq!(on_file() == pos.offset, visible_at_once, "{mode:?}");
        writer.flush().unwrap();
        assert_eq!(on_file(), pos.offset, "{mode:?} after flush");
        assert_eq!(writer.bytes_written(), pos.offset);
    }
}

#[test]
fn dropping_a_none_mode_writer_hands_its_buffer_to_the_os() {
    let fs = mem_fs();
    let options = WalOptions {
        sync_mode: SyncMode::None,
    };
    let writer = common::writer(fs.clone(), options);
    let pos = append(&writer, WriteBatch::new().delete("k"), 5).unwrap();
    drop(writer);
    assert_eq!(
        fs.contents(&dir().join("000001.wal")).len() as u64,
        pos.offset
    );
}

#[test]
fn the_os_file_system_round_trips_with_every_sync_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let fs = os_file_system();
    for (number, mode) in [
        (1, SyncMode::None),
        (2, SyncMode::Normal),
        (3, SyncMode::Full),
    ] {
        let options = WalOptions { sync_mode: mode };
        let writer = WalWriter::create(fs.clone(), tmp.path(), number, options).unwrap();
        for ts in 0..10 {
            append(
                &writer,
                WriteBatch::new().put(format!("{mode:?}"), [ts as u8]),
                ts,
            )
            .unwrap();
        }
        writer.close().unwrap();
    }
    let files = wal_files(&*fs, tmp.path()).unwrap();
    assert_eq!(files.len(), 3);
    for (_, path) in files {
        let records: Vec<_> = WalReader::open(&*fs, &path, RecoveryMode::AbsoluteConsistency)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(records.len(), 10);
    }
    assert!(fs.exists(&tmp.path().join("000003.wal")).unwrap());
}
