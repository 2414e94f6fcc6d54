//! What the repair scenarios share: a database of two keyspaces with range
//! tombstones, in tables of several levels and in its log, and the model of
//! what it holds and of every value each key ever had; the checks that a
//! repaired database holds every entry outside the affected ranges, invents
//! nothing, passes `verify`, and kept in `lost/` what it moved.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::{
    AffectedRange, Keyspace, RepairReport, StorageConfig, StorageEngine, TableRecord,
};

/// A keyspace's contents.
pub type Contents = BTreeMap<Vec<u8>, Vec<u8>>;

/// What the database holds, per keyspace name, and every value each key
/// of each keyspace ever had.
#[derive(Debug, Default, Clone)]
pub struct Model {
    pub contents: BTreeMap<String, Contents>,
    pub history: BTreeMap<(String, Vec<u8>), BTreeSet<Vec<u8>>>,
    /// The keys of the writes still only in the log, in order.
    pub tail: Vec<(String, Vec<u8>)>,
}

impl Model {
    fn put(&mut self, keyspace: &str, key: &str, value: &str) {
        let (key, value) = (key.as_bytes().to_vec(), value.as_bytes().to_vec());
        self.history
            .entry((keyspace.into(), key.clone()))
            .or_default()
            .insert(value.clone());
        self.contents
            .entry(keyspace.into())
            .or_default()
            .insert(key, value);
    }

    fn delete_range(&mut self, keyspace: &str, start: &str, end: &str) {
        let contents = self.contents.entry(keyspace.into()).or_default();
        contents
            .retain(|k, _| !(k.as_slice() >= start.as_bytes() && k.as_slice() < end.as_bytes()));
    }
}

/// The database's directory: `common::dir` too, so a scenario can use
/// `common`'s helpers of logs beside these.
pub fn dir() -> PathBuf {
    PathBuf::from("/db")
}

pub fn config(fs: &FaultFileSystem, dir: &Path) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        disable_auto_compactions: true,
        create_if_missing: true,
        ..StorageConfig::new(dir)
    }
}

fn both(db: &StorageEngine, logs: &Keyspace, model: &mut Model, key: usize, value: &str) {
    let k = format!("k{key:04}");
    db.put(&k, format!("{value}-{key}")).unwrap();
    model.put("default", &k, &format!("{value}-{key}"));
    let l = format!("l{key:04}");
    logs.put(&l, format!("{value}-{key}")).unwrap();
    model.put("logs", &l, &format!("{value}-{key}"));
}

/// Builds the database at `dir`: tables in the deepest level (after a
/// compaction), tables in level 0 above them, range tombstones in both
/// keyspaces, and writes only in the log; closes it cleanly.
pub fn build(fs: &FaultFileSystem, dir: &Path) -> Model {
    let mut model = Model::default();
    let db = StorageEngine::open(config(fs, dir)).unwrap();
    let logs = db.keyspace("logs").unwrap();
    for i in 0..400 {
        both(&db, &logs, &mut model, i, "first");
    }
    db.flush().unwrap();
    for i in (0..400).step_by(3) {
        both(&db, &logs, &mut model, i, "second");
    }
    for i in (0..400).step_by(5) {
        let k = format!("k{i:04}");
        db.delete(&k).unwrap();
        model
            .contents
            .get_mut("default")
            .unwrap()
            .remove(k.as_bytes());
    }
    db.delete_range("k0100".."k0150").unwrap();
    model.delete_range("default", "k0100", "k0150");
    logs.delete_range("l0200".."l0250").unwrap();
    model.delete_range("logs", "l0200", "l0250");
    db.flush().unwrap();
    db.compact().unwrap();
    for i in 0..60 {
        both(&db, &logs, &mut model, i, "third");
    }
    db.delete_range("k0300".."k0320").unwrap();
    model.delete_range("default", "k0300", "k0320");
    db.flush().unwrap();
    // Only in the log: one put per batch, so a damaged record loses one.
    for i in 0..40 {
        let key = format!("tail{i:03}");
        let keyspace = if i % 2 == 0 { "default" } else { "logs" };
        let value = format!("tail-{i}");
        match keyspace {
            "default" => db.put(&key, &value).unwrap(),
            _ => logs.put(&key, &value).unwrap(),
        };
        model.put(keyspace, &key, &value);
        model.tail.push((keyspace.into(), key.into_bytes()));
    }
    logs.delete_range("l0010".."l0020").unwrap();
    model.delete_range("logs", "l0010", "l0020");
    drop(logs);
    db.close().unwrap();
    model
}

/// Every key and value of keyspace `name` of `db`.
pub fn contents(db: &StorageEngine, name: &str) -> Contents {
    let keyspace = db.keyspace(name).unwrap();
    keyspace
        .iter()
        .unwrap()
        .map(|e| {
            let (k, v) = e.unwrap();
            (k.to_vec(), v.to_vec())
        })
        .collect()
}

/// Whether `key` of keyspace `name` is in one of `affected`.
pub fn affected(ranges: &[AffectedRange], name: &str, key: &[u8]) -> bool {
    ranges.iter().any(|r| {
        r.keyspace.as_deref().is_none_or(|k| k == name)
            && r.start.as_deref().is_none_or(|s| s <= key)
            && r.end.as_deref().is_none_or(|e| key <= e)
    })
}

/// Checks keyspace `name` of the repaired `db` (called `repaired_name`
/// there) against the model: every key outside the report's affected ranges
/// as the model has it, every value one the key once had.
pub fn check_keyspace(
    db: &StorageEngine,
    model: &Model,
    report: &RepairReport,
    name: &str,
    repaired_name: &str,
) {
    let repaired = contents(db, repaired_name);
    let expected = &model.contents[name];
    for (key, value) in &repaired {
        let history = model.history.get(&(name.to_string(), key.clone()));
        assert!(
            history.is_some_and(|h| h.contains(value)),
            "{name}: key {:?} holds {:?}, a value it never had: invented",
            String::from_utf8_lossy(key),
            String::from_utf8_lossy(value)
        );
    }
    let keys: BTreeSet<&Vec<u8>> = repaired.keys().chain(expected.keys()).collect();
    for key in keys {
        if affected(&report.affected, name, key) || affected(&report.affected, repaired_name, key) {
            continue;
        }
        assert_eq!(
            repaired
                .get(key)
                .map(|v| String::from_utf8_lossy(v).into_owned()),
            expected
                .get(key)
                .map(|v| String::from_utf8_lossy(v).into_owned()),
            "{name}: key {:?} outside every affected range differs from the model\n{report}",
            String::from_utf8_lossy(key)
        );
    }
}

/// Checks what every repair promises: the repaired database passes
/// `verify`, and every file the report moved is in `lost/`.
pub fn check_repaired(fs: &FaultFileSystem, db: &StorageEngine, report: &RepairReport) {
    let verified = db.verify().unwrap();
    assert!(verified.is_intact(), "the repaired database: {verified}");
    for moved in &report.moved {
        assert!(moved.to.starts_with(dir().join("lost")), "{moved:?}");
        assert!(fs.exists(&moved.to).unwrap(), "{moved:?} is not in lost/");
        // The manifest is copied, then replaced; everything else moved.
        if !moved.from.ends_with("MANIFEST") {
            assert!(!fs.exists(&moved.from).unwrap(), "{moved:?} is still there");
        }
    }
}

/// The files of `dir` and their bytes (not `lost/`).
pub fn snapshot_of(fs: &FaultFileSystem, dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs.list(dir)
        .unwrap()
        .into_iter()
        .filter(|name| name != "lost" && name != "LOCK")
        .map(|name| {
            let bytes = fs.read_all(&dir.join(&name)).unwrap();
            (name, bytes)
        })
        .collect()
}

/// Replaces the file at `path` with `bytes`.
pub fn rewrite(fs: &FaultFileSystem, path: &Path, bytes: &[u8]) {
    let mut file = fs.create(path).unwrap();
    file.append(bytes).unwrap();
    file.sync().unwrap();
}

/// The path of `table` in [`dir`].
pub fn table_path(table: &TableRecord) -> PathBuf {
    dir().join(format!("{:06}.sst", table.file_number))
}

/// Cuts the end off the largest table of the (closed) database in [`dir`],
/// keeping `keep(len)` of its `len` bytes: its footer, index and properties
/// are the first to go. Returns the table's record.
pub fn cut_largest_table(fs: &FaultFileSystem, keep: impl FnOnce(usize) -> usize) -> TableRecord {
    let db = StorageEngine::open(config(fs, &dir())).unwrap();
    let table = db
        .live_tables()
        .into_iter()
        .max_by_key(|t| t.file_size)
        .unwrap();
    db.close().unwrap();
    let path = table_path(&table);
    let bytes = fs.read_all(&path).unwrap();
    rewrite(fs, &path, &bytes[..keep(bytes.len())]);
    table
}

/// Small tables, so that the repaired run is several, the first written
/// long before the merge ends.
pub fn small(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        target_file_size: 4 << 10,
        ..config(fs, &dir())
    }
}

/// Each key of `db`'s default keyspace, with its value's first byte.
pub fn keys(db: &StorageEngine) -> Vec<(String, u8)> {
    contents(db, "default")
        .into_iter()
        .map(|(k, v)| (String::from_utf8(k).unwrap(), v[0]))
        .collect()
}

/// A table of 40 keys of 1000-byte values; then, only in the log, a delete
/// of one of them and a newer value of a key before it; no manifest.
pub fn without_manifest() -> FaultFileSystem {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(small(&fs)).unwrap();
    for i in 0..40 {
        db.put(format!("a{i:02}"), vec![b'1'; 1000]).unwrap();
    }
    db.flush().unwrap();
    db.delete("a30").unwrap();
    db.put("a01", vec![b'2'; 1000]).unwrap();
    db.close().unwrap();
    fs.remove(&dir().join("MANIFEST")).unwrap();
    fs.sync_dir(&dir()).unwrap();
    fs
}

/// A copy of `base` repaired to the end under `config`, and how many file
/// system operations its repair took: the steps a power loss may cut.
pub fn repaired_whole(
    base: &FaultFileSystem,
    config: impl Fn(&FaultFileSystem) -> StorageConfig,
) -> (FaultFileSystem, u64) {
    let fs = base.fork();
    let start = fs.total_operations();
    StorageEngine::repair(config(&fs)).unwrap();
    let steps = fs.total_operations() - start;
    (fs, steps)
}

/// A copy of `base` as a power loss at operation `k` of its repair under
/// `config` leaves it (the repair failing there), rebooted.
pub fn cut_short_at(
    base: &FaultFileSystem,
    k: u64,
    config: impl Fn(&FaultFileSystem) -> StorageConfig,
) -> FaultFileSystem {
    let fs = base.fork();
    fs.crash_after(fs.total_operations() + k);
    assert!(StorageEngine::repair(config(&fs)).is_err(), "step {k}");
    fs.crash()
}
