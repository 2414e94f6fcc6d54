//! Bloom filter queries of a table of 4,000,000 keys, with each kind of
//! filter: the standard one of table format version 1 (probes spread over
//! the filter) and the cache-local one of version 2 (every probe of a key in
//! one 64-byte line). At 10 bits per key a filter is 5 MB, more than a
//! core's L2 cache on the machines this runs on, as the filters of a read's
//! tables are together. Keys the table does not hold are what a read asks
//! of every table but the one with its key; keys it holds, what it asks of
//! that one. Each query hashes its key (XXH64 of 16 bytes), as a read does
//! once for all its tables.
//!
//! `cargo bench -p ferrisdb-benches --bench bloom`

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use ferrisdb_storage::fs::os_file_system;
use ferrisdb_storage::internals::sstable::{
    table_file_name, TableBuilder, TableOptions, TableReader,
};
use ferrisdb_storage::sstable::FilterKind;
use ferrisdb_storage::{CompressionType, Operation};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const KEYS: u64 = 4_000_000;

/// The 16-byte key of entry `i`; present keys are even, absent ones odd.
fn key(i: u64) -> [u8; 16] {
    let mut k = *b"key:000000000000";
    let digits = format!("{i:012}");
    k[4..].copy_from_slice(digits.as_bytes());
    k
}

/// A table of [`KEYS`] keys with empty values and a filter of `kind`.
fn build(path: &Path, kind: FilterKind) -> Arc<TableReader> {
    let fs = os_file_system();
    let options = TableOptions {
        compression: CompressionType::None,
        filter: kind,
        block_size: 64 << 10,
        ..TableOptions::default()
    };
    let mut w = TableBuilder::create(fs.clone(), path, options).unwrap();
    for i in 0..KEYS {
        w.add_parts(&key(i * 2), 1, Operation::Put, b"").unwrap();
    }
    w.finish().unwrap();
    TableReader::open(&fs, path, None).unwrap()
}

fn bloom(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let tables = [
        ("standard", FilterKind::Standard),
        ("cache_local", FilterKind::CacheLocal),
    ];
    let tables: Vec<(&str, Arc<TableReader>)> = tables
        .into_iter()
        .zip(1..)
        .map(|((name, kind), n)| (name, build(&dir.path().join(table_file_name(n)), kind)))
        .collect();
    // Random keys made beforehand: formatting one costs more than a query.
    let mut rng = StdRng::seed_from_u64(42);
    let mut keys = |parity: u64| -> Vec<[u8; 16]> {
        (0..1 << 16)
            .map(|_| key(rng.random_range(0..KEYS) * 2 + parity))
            .collect()
    };
    let (present, absent) = (keys(0), keys(1));
    let mut group = c.benchmark_group("bloom");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(4));
    for (name, table) in &tables {
        for (which, keys) in [("absent", &absent), ("present", &present)] {
            let mut next = keys.iter().cycle();
            group.bench_function(format!("{name}_{which}"), |b| {
                b.iter(|| black_box(table.may_contain(next.next().unwrap())))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bloom);
criterion_main!(benches);
