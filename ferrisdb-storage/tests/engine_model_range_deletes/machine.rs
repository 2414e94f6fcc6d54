//! Runs a sequence of steps on the engine and on the model (a `BTreeMap`
//! per keyspace, and a copy of both for each snapshot kept), checking each
//! read as it goes and everything after each flush, compaction and reopen.

use std::collections::BTreeMap;
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{
    CompactionStyle, Keyspace, KeyspaceOptions, Scan, Snapshot, StorageConfig, StorageEngine,
    SyncMode, WriteBatch,
};
use proptest::prelude::*;

use super::steps::{every_key, Dir, Entry, Key, Ks, Range, Step};

type Map = BTreeMap<Vec<u8>, Vec<u8>>;
type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

/// The snapshots kept at most; taking one more lets the oldest go.
const SNAPSHOTS: usize = 4;

/// The scans kept open at most.
const OPEN_SCANS: usize = 3;

/// The second keyspace's name.
const OTHER: &str = "other";

fn config(fs: &FaultFileSystem, style: CompactionStyle) -> StorageConfig {
    StorageConfig {
        wal_sync_mode: SyncMode::Full,
        memtable_size: 4 << 10,
        max_immutable_memtables: 2,
        block_size: 256,
        compaction_style: style,
        target_file_size: 4 << 10,
        // The longest key the steps write, so ranges run to the limit: the
        // end of `..=k` and the start of `(Excluded(k), ..)` are a byte
        // longer than a key, and so is a flushed unbounded range's end.
        max_key_size: 3,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    }
}

fn other_options(style: CompactionStyle) -> KeyspaceOptions {
    KeyspaceOptions {
        compaction_style: style,
        memtable_size: 4 << 10,
        block_size: 256,
        ..KeyspaceOptions::default()
    }
}

/// The value step `at` puts as entry `entry` of its batch: it names them,
/// so a value that came back from an older write is told apart.
fn value(at: usize, entry: usize, pad: u8) -> Vec<u8> {
    let mut v = format!("{at}.{entry}:").into_bytes();
    v.resize(v.len() + usize::from(pad), b'.');
    v
}

fn fail(at: usize, what: &str) -> impl Fn(ferrisdb_storage::Error) -> TestCaseError + '_ {
    move |e| TestCaseError::fail(format!("step {at}: {what}: engine error: {e}"))
}

fn collect(scan: Scan, dir: Dir) -> Result<Pairs, ferrisdb_storage::Error> {
    let item = |i: ferrisdb_storage::Result<_>| {
        i.map(|(k, v): (ferrisdb_storage::Slice, ferrisdb_storage::Slice)| (k.to_vec(), v.to_vec()))
    };
    match dir {
        Dir::Forward => scan.map(item).collect(),
        Dir::Backward => {
            let mut items = scan.rev().map(item).collect::<Result<Pairs, _>>()?;
            items.reverse();
            Ok(items)
        }
        Dir::Both(ends) => {
            let (mut scan, mut front, mut back) = (scan, Vec::new(), Vec::new());
            for step in 0.. {
                let next = if ends >> (step % 8) & 1 == 1 {
                    scan.next_back()
                        .map(|i| item(i).map(|pair| back.push(pair)))
                } else {
                    scan.next().map(|i| item(i).map(|pair| front.push(pair)))
                };
                match next {
                    None => break,
                    Some(result) => result?,
                }
            }
            front.extend(back.into_iter().rev());
            Ok(front)
        }
    }
}

fn expected(map: &Map, keep: impl Fn(&[u8]) -> bool) -> Pairs {
    (map.iter())
        .filter(|(k, _)| keep(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// A value as the messages show it.
fn text(value: Option<&[u8]>) -> Option<String> {
    value.map(|v| String::from_utf8_lossy(v).into_owned())
}

fn show(pairs: &Pairs) -> Vec<String> {
    (pairs.iter())
        .map(|(k, v)| format!("{}={}", k.escape_ascii(), String::from_utf8_lossy(v)))
        .collect()
}

/// Applies one write to the model.
fn apply(model: &mut [Map; 2], entry: &Entry, at: usize, i: usize) {
    match entry {
        Entry::Put(ks, key, pad) => {
            model[ks.index()].insert(key.0.clone(), value(at, i, *pad));
        }
        Entry::Delete(ks, key) => {
            model[ks.index()].remove(&key.0);
        }
        Entry::DeleteRange(ks, range) => model[ks.index()].retain(|k, _| !range.contains(k)),
        Entry::DeletePrefix(ks, p) => model[ks.index()].retain(|k, _| !k.starts_with(&p.0)),
    }
}

struct Machine {
    fs: FaultFileSystem,
    styles: (CompactionStyle, CompactionStyle),
    db: StorageEngine,
    handles: [Keyspace; 2],
    model: [Map; 2],
    snapshots: Vec<(Snapshot, [Map; 2])>,
    /// Open scans, each with what it has left to give and what it reads.
    scans: Vec<(Scan, Pairs, String)>,
    at: usize,
}

/// Runs `steps` on a new database whose `default` compacts in `style` and
/// whose `other` keyspace in `other`, checking it against the model.
pub fn check(
    steps: &[Step],
    style: CompactionStyle,
    other: CompactionStyle,
) -> Result<(), TestCaseError> {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs, style)).map_err(fail(0, "open"))?;
    let handles = [
        db.keyspace("default").map_err(fail(0, "default"))?,
        (db.keyspace_with(OTHER, other_options(other))).map_err(fail(0, "create other"))?,
    ];
    let mut m = Machine {
        fs,
        styles: (style, other),
        db,
        handles,
        model: [Map::new(), Map::new()],
        snapshots: Vec::new(),
        scans: Vec::new(),
        at: 0,
    };
    for (at, step) in steps.iter().enumerate() {
        m.at = at;
        m.step(step)?;
    }
    m.at = steps.len();
    m.check_all("at the end")?;
    while !m.scans.is_empty() {
        m.finish_scan(0, Dir::Forward)?;
    }
    m.snapshots.clear();
    m.db.wait_for_compactions()
        .map_err(fail(m.at, "wait_for_compactions"))?;
    m.check_all("at the end, compactions done")?;
    m.db.clone().close().map_err(fail(m.at, "close"))
}

impl Machine {
    fn handle(&self, ks: Ks) -> &Keyspace {
        &self.handles[ks.index()]
    }

    fn step(&mut self, step: &Step) -> Result<(), TestCaseError> {
        let at = self.at;
        match step {
            Step::Put(ks, key, pad) => {
                let v = value(at, 0, *pad);
                match ks {
                    Ks::Default if at.is_multiple_of(2) => self.db.put(&key.0, &v),
                    _ => self.handle(*ks).put(&key.0, &v),
                }
                .map_err(fail(at, "put"))?;
                apply(&mut self.model, &Entry::Put(*ks, key.clone(), *pad), at, 0);
            }
            Step::Fill(ks, from, count, pad) => {
                let keys = every_key();
                for i in 0..usize::from(*count) {
                    let key = Key(keys[(usize::from(*from) + i) % keys.len()].clone());
                    let v = value(at, i, *pad);
                    self.handle(*ks).put(&key.0, &v).map_err(fail(at, "fill"))?;
                    apply(&mut self.model, &Entry::Put(*ks, key, *pad), at, i);
                }
            }
            Step::Delete(ks, key) => {
                self.handle(*ks)
                    .delete(&key.0)
                    .map_err(fail(at, "delete"))?;
                apply(&mut self.model, &Entry::Delete(*ks, key.clone()), at, 0);
            }
            Step::DeleteRange(ks, range, engine) => {
                match ks {
                    Ks::Default if *engine => self.db.delete_range(range.bounds()),
                    _ => self.handle(*ks).delete_range(range.bounds()),
                }
                .map_err(fail(at, "delete_range"))?;
                let entry = Entry::DeleteRange(*ks, range.clone());
                apply(&mut self.model, &entry, at, 0);
            }
            Step::DeletePrefix(ks, p, engine) => {
                match ks {
                    Ks::Default if *engine => self.db.delete_prefix(&p.0),
                    _ => self.handle(*ks).delete_prefix(&p.0),
                }
                .map_err(fail(at, "delete_prefix"))?;
                apply(&mut self.model, &Entry::DeletePrefix(*ks, p.clone()), at, 0);
            }
            Step::Batch(entries) => self.batch(entries)?,
            Step::Get(ks, key) => self.get(*ks, key)?,
            Step::Scan(ks, range, dir) => {
                let scan = self.handle(*ks).scan(range.bounds());
                let got = scan.and_then(|s| collect(s, *dir));
                let want = expected(&self.model[ks.index()], |k| range.contains(k));
                self.same(got, want, &format!("scan {ks:?} {range:?} {dir:?}"))?;
            }
            Step::ScanPrefix(ks, p, dir) => {
                let scan = self.handle(*ks).scan_prefix(&p.0);
                let got = scan.and_then(|s| collect(s, *dir));
                let want = expected(&self.model[ks.index()], |k| k.starts_with(&p.0));
                self.same(got, want, &format!("scan_prefix {ks:?} {p:?} {dir:?}"))?;
            }
            Step::TakeSnapshot => {
                if self.snapshots.len() == SNAPSHOTS {
                    self.snapshots.remove(0);
                }
                let snapshot = self.db.snapshot().map_err(fail(at, "snapshot"))?;
                self.snapshots.push((snapshot, self.model.clone()));
            }
            Step::ReadSnapshot(n, ks, range, dir) => self.read_snapshot(*n, *ks, range, *dir)?,
            Step::ReleaseSnapshot(n) => {
                if !self.snapshots.is_empty() {
                    let i = usize::from(*n) % self.snapshots.len();
                    self.snapshots.remove(i);
                }
            }
            Step::OpenScan(ks, range, n) => {
                if self.scans.len() == OPEN_SCANS {
                    self.finish_scan(0, Dir::Forward)?;
                }
                let what = format!("scan {ks:?} {range:?} opened at step {at}");
                let mut scan = (self.handle(*ks).scan(range.bounds())).map_err(fail(at, &what))?;
                let mut want = expected(&self.model[ks.index()], |k| range.contains(k));
                let first = want.len().min(usize::from(*n) % 4);
                let rest = want.split_off(first);
                let got: Pairs = (0..first)
                    .filter_map(|_| scan.next())
                    .map(|i| i.map(|(k, v)| (k.to_vec(), v.to_vec())))
                    .collect::<Result<_, _>>()
                    .map_err(fail(at, &what))?;
                prop_assert!(
                    got == want,
                    "step {}: {}: first items {:?}, the model holds {:?}",
                    at,
                    what,
                    show(&got),
                    show(&want)
                );
                self.scans.push((scan, rest, what));
            }
            Step::FinishScan(n, dir) => {
                if !self.scans.is_empty() {
                    self.finish_scan(usize::from(*n) % self.scans.len(), *dir)?;
                }
            }
            Step::Flush => {
                self.db.flush().map_err(fail(at, "flush"))?;
                self.check_all("after a flush")?;
            }
            Step::Compact => {
                self.db.compact().map_err(fail(at, "compact"))?;
                self.check_all("after a compaction")?;
            }
            Step::WaitForCompactions => {
                let waited = self.db.wait_for_compactions();
                waited.map_err(fail(at, "wait_for_compactions"))?;
                self.check_all("after wait_for_compactions")?;
            }
            Step::Reopen => {
                self.scans.clear();
                self.snapshots.clear();
                self.db.clone().close().map_err(fail(at, "close"))?;
                self.reopen()?;
            }
            Step::Crash => {
                self.scans.clear();
                self.snapshots.clear();
                let rebooted = self.fs.crash();
                self.fs = rebooted;
                self.reopen()?;
            }
        }
        Ok(())
    }

    /// One batch of `entries`, in order: `default`'s through the batch's
    /// own methods and through its handle in turn, `other`'s through its
    /// handle.
    fn batch(&mut self, entries: &[Entry]) -> Result<(), TestCaseError> {
        let at = self.at;
        let mut batch = WriteBatch::new();
        for (i, entry) in entries.iter().enumerate() {
            let own = matches!(entry_ks(entry), Ks::Default) && i % 2 == 0;
            let ks = &self.handles[entry_ks(entry).index()];
            match entry {
                Entry::Put(_, key, pad) if own => batch.put(&key.0, value(at, i, *pad)),
                Entry::Put(_, key, pad) => batch.put_in(ks, &key.0, value(at, i, *pad)),
                Entry::Delete(_, key) if own => batch.delete(&key.0),
                Entry::Delete(_, key) => batch.delete_in(ks, &key.0),
                Entry::DeleteRange(_, range) if own => batch.delete_range(range.bounds()),
                Entry::DeleteRange(_, range) => batch.delete_range_in(ks, range.bounds()),
                Entry::DeletePrefix(_, p) if own => batch.delete_prefix(&p.0),
                Entry::DeletePrefix(_, p) => batch.delete_prefix_in(ks, &p.0),
            };
        }
        self.db.write(batch).map_err(fail(at, "write a batch"))?;
        for (i, entry) in entries.iter().enumerate() {
            apply(&mut self.model, entry, at, i);
        }
        Ok(())
    }

    /// Reads the rest of open scan `i` `dir`-wise and lets it go.
    fn finish_scan(&mut self, i: usize, dir: Dir) -> Result<(), TestCaseError> {
        let (scan, want, what) = self.scans.remove(i);
        let got = collect(scan, dir);
        self.same(got, want, &format!("{what}, read to its end {dir:?}"))
    }

    fn get(&self, ks: Ks, key: &Key) -> Result<(), TestCaseError> {
        let want = text(self.model[ks.index()].get(&key.0).map(Vec::as_slice));
        let got = self.handle(ks).get(&key.0).map_err(fail(self.at, "get"))?;
        let got = text(got.as_deref());
        prop_assert_eq!(
            got,
            want.clone(),
            "step {}: get {:?} {:?}",
            self.at,
            ks,
            key
        );
        if ks == Ks::Default {
            let got = self.db.get(&key.0).map_err(fail(self.at, "get"))?;
            let got = text(got.as_deref());
            prop_assert_eq!(got, want, "step {}: db.get {:?}", self.at, key);
        }
        Ok(())
    }

    /// Reads snapshot `n` (modulo the count): a get of every key, the scan
    /// of `range` and the whole keyspace, each against its model.
    fn read_snapshot(&self, n: u8, ks: Ks, range: &Range, dir: Dir) -> Result<(), TestCaseError> {
        if self.snapshots.is_empty() {
            return Ok(());
        }
        let i = usize::from(n) % self.snapshots.len();
        let (snapshot, model) = &self.snapshots[i];
        let (handle, map) = (self.handle(ks), &model[ks.index()]);
        let ts = snapshot.timestamp();
        for key in every_key() {
            let got = snapshot
                .get_in(handle, &key)
                .map_err(fail(self.at, "get_in"))?;
            prop_assert_eq!(
                text(got.as_deref()),
                text(map.get(&key).map(Vec::as_slice)),
                "step {}: snapshot {} (at {}) get_in {:?} {:?}",
                self.at,
                i,
                ts,
                ks,
                Key(key.clone())
            );
        }
        let got = (snapshot.scan_in(handle, range.bounds())).and_then(|s| collect(s, dir));
        let want = expected(map, |k| range.contains(k));
        self.same(
            got,
            want,
            &format!("snapshot {i} (at {ts}) scan_in {ks:?} {range:?}"),
        )?;
        let got = snapshot.iter_in(handle).and_then(|s| collect(s, dir));
        self.same(
            got,
            expected(map, |_| true),
            &format!("snapshot {i} iter_in {ks:?}"),
        )
    }

    /// Everything: both keyspaces read whole both ways and key by key, and
    /// every snapshot's keyspaces read whole.
    fn check_all(&self, when: &str) -> Result<(), TestCaseError> {
        for ks in [Ks::Default, Ks::Other] {
            let map = &self.model[ks.index()];
            for dir in [Dir::Forward, Dir::Backward] {
                let got = self.handle(ks).iter().and_then(|s| collect(s, dir));
                self.same(
                    got,
                    expected(map, |_| true),
                    &format!("{when}: {ks:?} {dir:?}"),
                )?;
            }
            for key in every_key() {
                let got = self.handle(ks).get(&key).map_err(fail(self.at, "get"))?;
                prop_assert_eq!(
                    text(got.as_deref()),
                    text(map.get(&key).map(Vec::as_slice)),
                    "step {}: {}: get {:?} {:?}",
                    self.at,
                    when,
                    ks,
                    Key(key.clone())
                );
            }
            for (i, (snapshot, model)) in self.snapshots.iter().enumerate() {
                let got = snapshot
                    .iter_in(self.handle(ks))
                    .and_then(|s| collect(s, Dir::Forward));
                let what = format!("{when}: snapshot {i} (at {}) {ks:?}", snapshot.timestamp());
                self.same(got, expected(&model[ks.index()], |_| true), &what)?;
            }
        }
        let got = self.db.iter().and_then(|s| collect(s, Dir::Forward));
        self.same(
            got,
            expected(&self.model[0], |_| true),
            &format!("{when}: db.iter"),
        )
    }

    fn same(
        &self,
        got: ferrisdb_storage::Result<Pairs>,
        want: Pairs,
        what: &str,
    ) -> Result<(), TestCaseError> {
        let got = got.map_err(fail(self.at, what))?;
        prop_assert!(
            got == want,
            "step {}: {}: got {:?}, the model holds {:?}",
            self.at,
            what,
            show(&got),
            show(&want)
        );
        Ok(())
    }

    /// Opens the database again on `fs` (after a close or a power loss),
    /// takes new handles and checks everything.
    fn reopen(&mut self) -> Result<(), TestCaseError> {
        let at = self.at;
        self.db = StorageEngine::open(config(&self.fs, self.styles.0)).map_err(fail(at, "open"))?;
        self.handles = [
            self.db.keyspace("default").map_err(fail(at, "default"))?,
            self.db.keyspace(OTHER).map_err(fail(at, "other"))?,
        ];
        self.check_all("after a reopen")
    }
}

fn entry_ks(entry: &Entry) -> Ks {
    match entry {
        Entry::Put(ks, ..)
        | Entry::Delete(ks, _)
        | Entry::DeleteRange(ks, _)
        | Entry::DeletePrefix(ks, _) => *ks,
    }
}
