//! Opening a database directory that an older FerrisDB wrote, checked in as
//! `tests/fixtures/db-<commit>`, and reading it back against a model of what
//! its writer wrote.

use std::collections::BTreeMap;
use std::ops::{Bound, Range};
use std::path::{Path, PathBuf};

use ferrisdb_storage::fs::os_file_system;
use ferrisdb_storage::internals::manifest::{format, ManifestState};
use ferrisdb_storage::sstable::TableReader;
use ferrisdb_storage::{FeatureClass, Keyspace, Result, Scan, Slice, StorageConfig, StorageEngine};

/// The keys and values the fixtures' writers wrote, by key number.
pub type Model = BTreeMap<Vec<u8>, Vec<u8>>;

/// The checked-in database `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The key numbered `i`: `key0042`.
pub fn key(i: u32) -> Vec<u8> {
    format!("key{i:04}").into_bytes()
}

/// The value round `round` of a writer gave key `i`.
pub fn value(round: u32, i: u32) -> Vec<u8> {
    format!("round {round} value of key {i:04}; ")
        .repeat(4)
        .into_bytes()
}

/// Copies the fixture `name` into `to`: opening replays its log and rewrites
/// its manifest, which must not touch the checked-in files.
pub fn copy_fixture(name: &str, to: &Path) {
    for entry in std::fs::read_dir(fixture(name)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// The compression byte of a table's first data block (0 none, 1 LZ4,
/// 2 zstd).
pub fn first_block_compression(path: &Path) -> u8 {
    let reader = TableReader::open(&os_file_system(), path, None).unwrap();
    let handle = reader.index()[0].handle;
    std::fs::read(path).unwrap()[(handle.offset + handle.size) as usize]
}

/// What [`assert_reads_as`] reads through: the engine's own methods (the
/// `default` keyspace) or a [`Keyspace`] handle.
pub trait Reads {
    /// What the messages call it.
    fn name(&self) -> String;
    fn get(&self, key: &[u8]) -> Result<Option<Slice>>;
    fn iter(&self) -> Result<Scan>;
    fn scan(&self, range: Range<Vec<u8>>) -> Result<Scan>;
    fn scan_prefix(&self, prefix: &[u8]) -> Result<Scan>;
}

impl Reads for StorageEngine {
    fn name(&self) -> String {
        "the engine".into()
    }
    fn get(&self, key: &[u8]) -> Result<Option<Slice>> {
        StorageEngine::get(self, key)
    }
    fn iter(&self) -> Result<Scan> {
        StorageEngine::iter(self)
    }
    fn scan(&self, range: Range<Vec<u8>>) -> Result<Scan> {
        StorageEngine::scan(self, range)
    }
    fn scan_prefix(&self, prefix: &[u8]) -> Result<Scan> {
        StorageEngine::scan_prefix(self, prefix)
    }
}

impl Reads for Keyspace {
    fn name(&self) -> String {
        format!("keyspace {}", Keyspace::name(self))
    }
    fn get(&self, key: &[u8]) -> Result<Option<Slice>> {
        Keyspace::get(self, key)
    }
    fn iter(&self) -> Result<Scan> {
        Keyspace::iter(self)
    }
    fn scan(&self, range: Range<Vec<u8>>) -> Result<Scan> {
        Keyspace::scan(self, range)
    }
    fn scan_prefix(&self, prefix: &[u8]) -> Result<Scan> {
        Keyspace::scan_prefix(self, prefix)
    }
}

/// Checks that `db` holds exactly `expected`: a get of every key numbered
/// below `key_count` (present or not), a full scan forwards and backwards,
/// and scans of a few ranges and a prefix, each against the model.
pub fn assert_reads_as(db: &impl Reads, expected: &Model, key_count: u32) {
    let name = db.name();
    assert_same(
        collect(db.iter().unwrap()),
        pairs(expected.iter()),
        &format!("{name}: full scan"),
    );
    assert_same(
        collect(db.iter().unwrap().rev()),
        pairs(expected.iter().rev()),
        &format!("{name}: backward scan"),
    );
    for i in 0..key_count {
        let got = db.get(&key(i)).unwrap().map(|v| v.to_vec());
        assert!(
            got.as_ref() == expected.get(&key(i)),
            "{name}: get key{i:04}: got {:?}, the model holds {:?}",
            got.map(|v| String::from_utf8_lossy(&v).into_owned()),
            expected
                .get(&key(i))
                .map(|v| String::from_utf8_lossy(v).into_owned())
        );
    }
    for (start, end) in [(0, 1), (95, 105), (140, 260), (270, 330)] {
        let range = key(start)..key(end);
        let want = expected
            .range::<Vec<u8>, _>((Bound::Included(&range.start), Bound::Excluded(&range.end)));
        assert_same(
            collect(db.scan(range.clone()).unwrap()),
            pairs(want),
            &format!("{name}: scan key{start:04}..key{end:04}"),
        );
    }
    let want = expected.iter().filter(|(k, _)| k.starts_with(b"key02"));
    assert_same(
        collect(db.scan_prefix(b"key02").unwrap()),
        pairs(want),
        &format!("{name}: scan of the prefix key02"),
    );
}

/// Checks that `db` lists exactly the keyspaces of `expected` and that each
/// holds its model (see [`assert_reads_as`]), `default` also through the
/// engine's own methods.
pub fn assert_keyspaces_read_as(
    db: &StorageEngine,
    expected: &BTreeMap<&str, Model>,
    key_count: u32,
) {
    let names: Vec<&str> = expected.keys().copied().collect();
    assert_eq!(db.keyspaces(), names, "the keyspaces listed");
    for (name, model) in expected {
        assert_reads_as(&db.keyspace(name).unwrap(), model, key_count);
    }
    assert_reads_as(db, &expected["default"], key_count);
}

type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

fn collect(scan: impl Iterator<Item = Result<(Slice, Slice)>>) -> Pairs {
    scan.map(|item| item.map(|(k, v)| (k.to_vec(), v.to_vec())).unwrap())
        .collect()
}

fn pairs<'a>(model: impl Iterator<Item = (&'a Vec<u8>, &'a Vec<u8>)>) -> Pairs {
    model.map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Asserts `got == want`, naming the first entry where they differ.
fn assert_same(got: Pairs, want: Pairs, what: &str) {
    let text = |entry: Option<&(Vec<u8>, Vec<u8>)>| {
        entry.map(|(k, v)| {
            format!(
                "{} = {}",
                String::from_utf8_lossy(k),
                String::from_utf8_lossy(v)
            )
        })
    };
    if let Some(i) = (0..got.len().max(want.len())).find(|&i| got.get(i) != want.get(i)) {
        panic!(
            "{what}: entry {i} is {:?}, the model has {:?} ({} entries read, {} in the model)",
            text(got.get(i)),
            text(want.get(i)),
            got.len(),
            want.len()
        );
    }
}

/// Opens a copy of the fixture `name` with today's code and checks it holds
/// `expected` (see [`assert_reads_as`]) and that the open upgraded its
/// manifest to today's format version; then compacts it, which rewrites
/// every old table in today's format, and checks it again after a reopen.
pub fn assert_fixture_reads_as(name: &str, expected: &Model, key_count: u32) {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(name, dir.path());

    let db = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    assert_reads_as(&db, expected, key_count);
    // Its data is all in `default`, the one keyspace.
    assert_eq!(db.keyspaces(), ["default"]);
    // The manifest the open wrote is of today's format version: the
    // database is upgraded, and declares no incompatible feature, so a
    // FerrisDB of that version still opens it.
    let path = dir.path().join("MANIFEST");
    let manifest = std::fs::read(&path).unwrap();
    assert_eq!(
        manifest[format::VERSION_OFFSET..format::BODY_LEN_OFFSET],
        format::FORMAT_VERSION.to_le_bytes()
    );
    let state = ManifestState::decode(&manifest, &path).unwrap();
    assert_eq!(state.feature_flags(FeatureClass::Incompatible), 0);
    assert!(!state.keyspaces.is_declared());
    db.compact().unwrap();
    db.close().unwrap();

    let db = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    assert_reads_as(&db, expected, key_count);
    db.close().unwrap();
}
