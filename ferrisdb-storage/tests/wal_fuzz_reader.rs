//! Seeded mutations of a sealed multi-block log, read in
//! every recovery mode.
//!
//! Checks, for each mutated log: no mode panics; a mode returns only records
//! of the original log, in order from its start (no altered or invented
//! record), for mutations that cannot forge a fragment (flips, zeroed
//! ranges, cuts, inserted bytes); and since the log is sealed, a flip or a
//! zeroed range before the seal is corruption in the default mode, never a
//! quiet torn tail. Mutations that copy real fragments elsewhere, or write
//! crafted fragments that check out where they land (kinds, log numbers,
//! durable lengths, seals with trailing bytes, huge varints, batches with
//! overlong counts), are checked for panics only, of the reader and of the
//! batch decoder replay runs on each record; some crafted fragments must
//! reach those decoders.
//!
//! `FERRISDB_WAL_FUZZ_CASES` (default 150) sets the number of mutations.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::format::{RECORD_KIND_DATA, TYPE_FULL};
use ferrisdb_storage::internals::wal::{
    DamageKind, PayloadKind, RecoveryMode, WalOptions, WalReader, WalRecord, WalWriter,
};
use ferrisdb_storage::internals::write_batch::decode_logged;
use ferrisdb_storage::{SyncMode, WriteBatch};
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

fn path() -> PathBuf {
    PathBuf::from("/db/000001.wal")
}

fn store(fs: &FaultFileSystem, bytes: &[u8]) {
    let mut file = fs.create(&path()).unwrap();
    file.append(bytes).unwrap();
    file.sync().unwrap();
}

/// A sealed log of about three blocks, some records spanning blocks, with
/// `sync()` now and then so records claim durable lengths; its bytes, its
/// records and the seal's offset.
fn original(rng: &mut StdRng) -> (Vec<u8>, Vec<WalRecord>, u64) {
    let fs = FaultFileSystem::new();
    fs.create_dir_all(Path::new("/db")).unwrap();
    let writer = WalWriter::create(
        Arc::new(fs.clone()),
        "/db",
        1,
        WalOptions {
            sync_mode: SyncMode::Normal,
        },
    )
    .unwrap();
    let mut end = 0;
    for ts in 1..=60 {
        let len = if ts % 17 == 0 {
            40_000
        } else {
            rng.random_range(0..1500)
        };
        let batch = WriteBatch::new()
            .put(format!("key{ts}"), vec![(ts % 251) as u8; len])
            .delete(format!("gone{ts}"))
            .clone();
        end = writer.append(&[&batch.encode(ts)]).unwrap().offset;
        if rng.random_bool(0.2) {
            writer.sync().unwrap();
        }
    }
    writer.close().unwrap();
    let bytes = fs.read_all(&path()).unwrap();
    let records: Vec<WalRecord> = WalReader::open(&fs, &path(), RecoveryMode::AbsoluteConsistency)
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(records.len(), 60);
    (bytes, records, end)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// A fragment that checks out at `offset` of log 1 (from version 2 on the
/// CRC covers the offset), so the reader hands its payload to the record
/// decoders: a record kind (any of 0..4), a log number (mostly 1), a durable
/// length (in range or not, or an overlong varint), then perhaps a batch
/// (perhaps with an overlong entry count) and random bytes.
fn crafted_fragment(rng: &mut StdRng, offset: u64) -> Vec<u8> {
    let mut payload = vec![if rng.random_bool(0.6) {
        RECORD_KIND_DATA
    } else {
        rng.random_range(0..4u8)
    }];
    put_varint(
        &mut payload,
        if rng.random_bool(0.9) {
            1
        } else {
            rng.random_range(0..5)
        },
    );
    match rng.random_range(0..8) {
        0 => payload.extend_from_slice(&[0xff; 10]),
        1 => payload.extend_from_slice(&[0x80; 11]),
        2 => put_varint(&mut payload, rng.random_range(0..200_000)),
        _ => put_varint(&mut payload, rng.random_range(24..=offset.max(24))),
    }
    if rng.random_bool(0.8) {
        let batch = WriteBatch::new().put("crafted", "x").encode(7);
        payload.extend_from_slice(&batch[..8]);
        if rng.random_bool(0.3) {
            payload.extend_from_slice(&[0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0]);
        } else {
            payload.push(batch[8]);
        }
        payload.extend_from_slice(&batch[9..]);
    }
    for _ in 0..rng.random_range(0..40) {
        payload.push(rng.random());
    }
    let kind = if rng.random_bool(0.75) {
        TYPE_FULL
    } else {
        rng.random_range(1..=4u8)
    };
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&offset.to_le_bytes());
    hasher.update(&[kind]);
    hasher.update(&payload);
    let mut out = hasher.finalize().to_le_bytes().to_vec();
    out.extend_from_slice(&(payload.len() as u16).to_le_bytes());
    out.push(kind);
    out.extend_from_slice(&payload);
    out
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mutation {
    Flip,
    Zero,
    Cut,
    Insert,
    Copy,
    Craft,
}

#[test]
fn mutated_logs_never_panic_never_invent_records_and_damage_before_the_seal_is_corruption() {
    let cases = std::env::var("FERRISDB_WAL_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150u64);
    let mut rng = StdRng::seed_from_u64(14);
    let (bytes, records, seal_at) = original(&mut rng);
    let fs = FaultFileSystem::new();
    fs.create_dir_all(Path::new("/db")).unwrap();
    let mut quiet_before_seal = Vec::new();
    // Crafted fragments the reader took as a record and handed to the
    // record decoders (a record it returned, or one whose prefix failed).
    let mut crafted_decoded = 0;
    for case in 0..cases {
        let mutation = [
            Mutation::Flip,
            Mutation::Zero,
            Mutation::Cut,
            Mutation::Insert,
            Mutation::Copy,
            Mutation::Craft,
        ][(case % 6) as usize];
        let mut data = bytes.clone();
        let at = rng.random_range(0..data.len());
        let mut before_seal = false;
        match mutation {
            Mutation::Flip => {
                data[at] ^= 1 << rng.random_range(0..8);
                before_seal = at >= 24 && (at as u64) < seal_at;
            }
            Mutation::Zero => {
                let end = (at + rng.random_range(1..5000)).min(data.len());
                // Zeros reaching the seal destroy the evidence with it: a
                // closed log then looks crashed (see
                // regression_closed_log_cut_at_record_boundary.rs).
                before_seal =
                    at >= 24 && (end as u64) <= seal_at && data[at..end].iter().any(|&b| b != 0);
                data[at..end].fill(0);
            }
            Mutation::Cut => data.truncate(at),
            Mutation::Insert => {
                let mut extra = vec![0; rng.random_range(1..64)];
                rng.fill_bytes(&mut extra);
                data.splice(at..at, extra);
            }
            Mutation::Copy => {
                let from = rng.random_range(24..bytes.len());
                let len = rng.random_range(1..3000).min(bytes.len() - from);
                let to = rng.random_range(24..data.len());
                let end = (to + len).min(data.len());
                data[to..end].copy_from_slice(&bytes[from..from + (end - to)]);
            }
            Mutation::Craft => {
                // Mostly at the start of a record, where the reader takes
                // it for the next record; else anywhere, where the scan
                // after the damage it makes meets it.
                let to = if rng.random_bool(0.7) {
                    records[rng.random_range(0..records.len())].offset as usize
                } else {
                    rng.random_range(24..data.len())
                };
                let fragment = crafted_fragment(&mut rng, to as u64);
                let end = (to + fragment.len()).min(data.len());
                data[to..end].copy_from_slice(&fragment[..end - to]);
            }
        }
        store(&fs, &data);
        for mode in [
            RecoveryMode::TolerateCorruptedTail,
            RecoveryMode::AbsoluteConsistency,
            RecoveryMode::PointInTimeRecovery,
        ] {
            let context = format!("case {case}: {mutation:?} at {at}, {mode:?}");
            let mut reader = match WalReader::open(&fs, &path(), mode) {
                Ok(reader) => reader,
                Err(_) => continue,
            };
            let mut got = Vec::new();
            let mut error = None;
            for item in reader.by_ref() {
                match item {
                    Ok(r) => {
                        // What replay does with each record: a crafted
                        // batch is refused or read, never a panic.
                        let _ = decode_logged(&r.payload, r.kind == PayloadKind::LegacyBatch);
                        got.push(r);
                    }
                    Err(e) => {
                        error = Some(e);
                        break;
                    }
                }
            }
            let damage = reader.damage().map(|d| d.reason.clone());
            if mutation == Mutation::Craft
                && (got.iter().zip(&records).any(|(got, real)| got != real)
                    || damage.is_some_and(|d| d.contains("invalid record payload")))
            {
                crafted_decoded += 1;
            }
            if !matches!(mutation, Mutation::Copy | Mutation::Craft) {
                assert!(
                    got.len() <= records.len() && got[..] == records[..got.len()],
                    "{context}: returned records that are not the log's first ones"
                );
            }
            if mode == RecoveryMode::TolerateCorruptedTail && before_seal && error.is_none() {
                let damage = reader.damage().cloned();
                if damage
                    .as_ref()
                    .is_some_and(|d| d.kind == DamageKind::TornTail)
                {
                    quiet_before_seal.push(format!("{context}: {damage:?}"));
                }
            }
        }
    }
    assert!(
        crafted_decoded > 0 || cases < 60,
        "no crafted fragment reached the record decoders in {cases} cases"
    );
    assert!(
        quiet_before_seal.is_empty(),
        "damage before the seal of a sealed log taken for a torn tail:\n{}",
        quiet_before_seal.join("\n")
    );
}
