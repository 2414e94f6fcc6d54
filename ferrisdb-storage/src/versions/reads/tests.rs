//! `get` and scans of a super version over MemTables and tables holding
//! range tombstones, checked against the model of the history they hold.
//!
//! A history is dealt out newest first to MemTables (the active one, then
//! frozen ones), level-0 tables, and deeper levels: each of the oldest
//! sources cut into tables at user-key boundaries, each holding its slice of
//! the source's tombstones (as compaction outputs do), which widens its
//! recorded range over the gap before the next table, over keys a deeper
//! level holds. A source of nothing is a table of one filler entry (`~`, at
//! timestamp 0) the model knows nothing of; a source of only tombstones, a
//! table of only tombstones.

use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex};

use proptest::prelude::*;

use crate::iterator::model::history::{bound, op, History, Source};
use crate::iterator::model::Entry;
use crate::memtable::MemTable;
use crate::range_del::fragments::FragmentedTombstones;
use crate::sstable::table_cursor::tests::file_system;
use crate::sstable::{BlockCache, TableBuilder, TableOptions, TableReader};
use crate::versions::output::table_record;
use crate::versions::{SuperVersion, Table, TableCache, Version};
use crate::{InternalKey, Key, Operation, ReadOptions};

const FILLER: &[u8] = b"~";

/// Builds tables and MemTables from sources.
struct Builder {
    fs: crate::fs::SharedFileSystem,
    cache: Arc<TableCache>,
    next_number: u64,
}

impl Builder {
    fn new() -> Self {
        let (_, fs) = file_system();
        let blocks = Arc::new(BlockCache::new(1 << 20));
        let cache = Arc::new(TableCache::new(Arc::clone(&fs), blocks, 4));
        Builder {
            fs,
            cache,
            next_number: 1,
        }
    }

    /// A live table at `level` holding `entries` and `tombstones` (the
    /// filler alone if it would hold nothing). A table holds no unbounded
    /// tombstone: one is cut at `~~`, past every key the tests read.
    fn table(
        &mut self,
        level: u32,
        mut entries: Vec<Entry>,
        tombstones: FragmentedTombstones,
    ) -> Arc<Table> {
        if entries.is_empty() && tombstones.is_empty() {
            entries.push((InternalKey::new(FILLER, 0), Operation::Put, b"-".to_vec()));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let number = self.next_number;
        self.next_number += 1;
        let path = Path::new("/db").join(format!("{number:06}.sst"));
        let options = TableOptions {
            block_size: 64,
            restart_interval: 2,
            ..TableOptions::default()
        };
        let mut builder = TableBuilder::create(Arc::clone(&self.fs), &path, options).unwrap();
        for (key, op, value) in &entries {
            builder.add(key, *op, value).unwrap();
        }
        builder
            .add_range_tombstones(&tombstones.clipped(None, Some(b"~~")))
            .unwrap();
        builder.finish().unwrap();
        let written = TableReader::open(&self.fs, &path, None).unwrap();
        let record = table_record(level, number, written.file_size(), written.properties());
        let unlocked = Arc::new(Mutex::new(None));
        Table::open(&self.cache, &path, record, &unlocked).unwrap()
    }

    /// `source` as level `level` of up to `cuts + 1` tables cut between
    /// user keys, each with the tombstones between its cut points.
    fn level(&mut self, level: u32, source: &Source, cuts: usize) -> Vec<Arc<Table>> {
        let tombstones = FragmentedTombstones::from_tombstones(source.tombstones.clone());
        let mut entries = source.entries.clone();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut keys: Vec<Key> = entries.iter().map(|e| e.0.user_key.clone()).collect();
        keys.dedup();
        if keys.is_empty() {
            return vec![self.table(level, Vec::new(), tombstones)];
        }
        // Cut points: user keys at which a new table starts.
        let step = (keys.len() / (cuts + 1)).max(1);
        let splits: Vec<Key> = keys.iter().skip(step).step_by(step).cloned().collect();
        let mut tables = Vec::new();
        let mut lower: Option<Key> = None;
        for upper in splits.iter().map(Some).chain([None]) {
            let inside: Vec<Entry> = entries
                .iter()
                .filter(|e| lower.as_ref().is_none_or(|l| e.0.user_key >= *l))
                .filter(|e| upper.is_none_or(|u| e.0.user_key < *u))
                .cloned()
                .collect();
            let slice = tombstones.clipped(lower.as_deref(), upper.map(Vec::as_slice));
            tables.push(self.table(level, inside, slice));
            lower = upper.cloned();
        }
        tables
    }
}

fn memtable(source: &Source) -> Arc<MemTable> {
    let table = MemTable::new(1 << 20);
    for (key, op, value) in &source.entries {
        let (k, ts) = (key.user_key.clone(), key.timestamp);
        match op {
            Operation::Put => table.put(k, value.clone(), ts).unwrap(),
            Operation::Delete => table.delete(k, ts).unwrap(),
        }
    }
    for t in &source.tombstones {
        table
            .delete_range(t.start.clone(), t.end.clone(), t.timestamp)
            .unwrap();
    }
    Arc::new(table)
}

/// The history's sources as a super version: the first `memtables` as
/// MemTables (at least the active one, empty if there are none), then
/// level-0 tables, the last `deep` ones levels 1, 2, ... each cut in up to
/// `cuts + 1` tables.
fn super_version(history: &History, memtables: usize, deep: usize, cuts: usize) -> SuperVersion {
    let mut builder = Builder::new();
    let sources = &history.sources;
    let memtables = memtables.min(sources.len());
    let deep = deep.min(sources.len() - memtables);
    let (level0, deeper) = sources[memtables..].split_at(sources.len() - memtables - deep);
    let mut levels = vec![level0
        .iter()
        .map(|s| {
            let tombstones = FragmentedTombstones::from_tombstones(s.tombstones.clone());
            builder.table(0, s.entries.clone(), tombstones)
        })
        .collect::<Vec<_>>()];
    for (source, level) in deeper.iter().zip(1..) {
        levels.push(builder.level(level, source, cuts));
    }
    let version = Arc::new(Version { levels });
    let mut made: Vec<Arc<MemTable>> = sources[..memtables].iter().map(memtable).collect();
    if made.is_empty() {
        made.push(Arc::new(MemTable::new(1 << 20)));
    }
    let mut current = SuperVersion::new(made.pop().unwrap(), 1, version);
    // Frozen newest first: freeze the oldest first.
    while let Some(newer) = made.pop() {
        current = current.with_frozen_active(newer, 1);
    }
    current
}

/// Every key of the model's alphabet, and a few around it.
fn all_keys() -> Vec<Key> {
    let letters = b"abcdefg";
    let mut keys: Vec<Key> = vec![Vec::new(), b"0".to_vec(), b"h".to_vec()];
    for &a in letters {
        keys.push(vec![a]);
        for &b in letters {
            keys.push(vec![a, b]);
        }
    }
    keys
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn get_and_scans_see_what_the_model_sees_at_random_snapshots(
        ops in prop::collection::vec(op(), 0..40),
        sources in 1..6usize,
        memtables in 0..4usize,
        deep in 0..3usize,
        cuts in 0..4usize,
        snapshots in prop::collection::vec(0..45u64, 3),
        ranges in prop::collection::vec((bound(), bound()), 3),
    ) {
        let history = History::new(&ops, sources, true);
        let current = Arc::new(super_version(&history, memtables, deep, cuts));
        let options = ReadOptions::default();
        let last = history.last_timestamp();
        for (&snapshot, range) in snapshots.iter().chain([&last]).zip(ranges.iter().cycle()) {
            let state = &history.states[(snapshot.min(last)) as usize];
            for key in all_keys() {
                let got = current.get(&key, snapshot, &options).unwrap();
                prop_assert_eq!(
                    got.as_deref(),
                    state.get(&key).map(Vec::as_slice),
                    "get {:?} at {}",
                    String::from_utf8_lossy(&key),
                    snapshot
                );
            }
            let expected = history.expected(snapshot, range);
            let no_filler = |item: crate::Result<(crate::Slice, crate::Slice)>| {
                let (k, v) = item.unwrap();
                (k.as_ref() != FILLER).then(|| (k.to_vec(), v.to_vec()))
            };
            let scan = || current.scan(snapshot, range.clone(), &options);
            let forward: Vec<_> = scan().filter_map(no_filler).collect();
            prop_assert_eq!(&forward, &expected, "scan {:?} at {}", range, snapshot);
            let mut backward: Vec<_> = scan().rev().filter_map(no_filler).collect();
            backward.reverse();
            prop_assert_eq!(&backward, &expected, "reverse scan {:?} at {}", range, snapshot);
        }
    }
}

#[test]
fn a_table_of_only_a_tombstone_hides_older_levels_from_get() {
    // Level 1 holds b, d; a newer level-0 table holds only [a, z) at 9 (and
    // the filler, so its recorded range is ["~", "~"]).
    let old = |k: &str, ts| {
        (
            InternalKey::new(k, ts),
            Operation::Put,
            k.as_bytes().to_vec(),
        )
    };
    let mut builder = Builder::new();
    let level1 = builder.level(
        1,
        &Source {
            entries: vec![old("b", 1), old("d", 2)],
            tombstones: Vec::new(),
        },
        1,
    );
    let only_tombstone =
        FragmentedTombstones::from_tombstones(vec![ferrisdb_core::RangeTombstone::new(
            "a",
            Some(b"z".to_vec()),
            9,
        )]);
    let level0 = vec![builder.table(0, Vec::new(), only_tombstone)];
    let version = Arc::new(Version {
        levels: vec![level0, level1],
    });
    let current = Arc::new(SuperVersion::new(
        Arc::new(MemTable::new(1 << 10)),
        1,
        version,
    ));
    let options = ReadOptions::default();
    assert_eq!(current.get(b"b", 20, &options).unwrap(), None);
    assert_eq!(current.get(b"d", 20, &options).unwrap(), None);
    // A snapshot before the delete still sees the data.
    assert_eq!(
        current.get(b"d", 8, &options).unwrap().as_deref(),
        Some(&b"d"[..])
    );
    let at = |ts| {
        current
            .scan(
                ts,
                (Bound::Unbounded, Bound::Excluded(FILLER.to_vec())),
                &options,
            )
            .map(|item| item.unwrap().0.to_vec())
            .collect::<Vec<_>>()
    };
    assert!(at(20).is_empty());
    assert_eq!(at(8), [b"b".to_vec(), b"d".to_vec()]);
}
