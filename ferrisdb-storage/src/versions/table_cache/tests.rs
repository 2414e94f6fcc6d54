use std::path::PathBuf;

use super::*;
use crate::fs::{FaultFileSystem, FileSystem};
use crate::sstable::{TableBuilder, TableOptions};
use crate::versions::output::table_record;
use crate::versions::table::Table;
use crate::Operation;

/// `count` tables in an in-memory directory, table `n` holding key `n`
/// with value `value n`, and their records.
fn tables(count: u64) -> (SharedFileSystem, Vec<(PathBuf, TableRecord)>) {
    let fault = FaultFileSystem::new();
    fault.create_dir_all(Path::new("/db")).unwrap();
    let fs: SharedFileSystem = Arc::new(fault);
    let paths = (0..count)
        .map(|n| {
            let path = PathBuf::from(format!("/db/{n:06}.sst"));
            let mut builder =
                TableBuilder::create(Arc::clone(&fs), &path, TableOptions::default()).unwrap();
            let key = format!("key{n}");
            builder
                .add_parts(
                    key.as_bytes(),
                    1,
                    Operation::Put,
                    format!("value {n}").as_bytes(),
                )
                .unwrap();
            let meta = builder.finish().unwrap();
            (path, table_record(0, n, meta.file_size, &meta.properties))
        })
        .collect();
    (fs, paths)
}

/// No directory lock: these files are never made obsolete.
fn unlocked() -> DirectoryLock {
    Arc::new(std::sync::Mutex::new(None))
}

fn cache(fs: &SharedFileSystem, capacity: usize) -> Arc<TableCache> {
    Arc::new(TableCache::new(
        Arc::clone(fs),
        Arc::new(BlockCache::new(1 << 20)),
        capacity,
    ))
}

/// The memory of the readers `files` hold now, summed.
fn reader_bytes(files: &[Arc<TableFile>]) -> usize {
    let open = files.iter().filter_map(|f| f.reader.load_full());
    open.map(|r| r.memory_usage()).sum()
}

fn read(file: &Arc<TableFile>, n: u64) -> Vec<u8> {
    let key = format!("key{n}");
    file.with_reader(|r| r.get(key.as_bytes(), 1))
        .unwrap()
        .expect("the table holds its key")
        .value
        .to_vec()
}

#[test]
fn no_more_files_stay_open_than_the_capacity_and_closed_ones_reopen() {
    let (fs, paths) = tables(10);
    let cache = cache(&fs, 3);
    let files: Vec<_> = paths
        .iter()
        .map(|p| cache.open(&p.0, &p.1, &unlocked()).unwrap())
        .collect();
    assert_eq!(cache.open_files(), 3);
    let open = files.iter().filter(|f| f.reader.load().is_some()).count();
    assert_eq!(open, 3, "the count matches the files holding a reader");
    for round in 0..3 {
        for (n, file) in files.iter().enumerate() {
            assert_eq!(
                read(file, n as u64),
                format!("value {n}").as_bytes(),
                "round {round}"
            );
            assert!(cache.open_files() <= 3);
            assert_eq!(cache.open_reader_bytes(), reader_bytes(&files));
        }
    }
}

#[test]
fn the_least_recently_read_file_is_closed_first() {
    let (fs, paths) = tables(4);
    let cache = cache(&fs, 2);
    let first = cache.open(&paths[0].0, &paths[0].1, &unlocked()).unwrap();
    let second = cache.open(&paths[1].0, &paths[1].1, &unlocked()).unwrap();
    // A new file counts as read: the oldest goes to make room for it.
    let third = cache.open(&paths[2].0, &paths[2].1, &unlocked()).unwrap();
    assert!(first.reader.load().is_none(), "the oldest file is closed");
    assert!(second.reader.load().is_some() && third.reader.load().is_some());
    // The second is read again; the third is not since the hand passed.
    read(&second, 1);
    let fourth = cache.open(&paths[3].0, &paths[3].1, &unlocked()).unwrap();
    assert!(second.reader.load().is_some(), "the file read stays open");
    assert!(third.reader.load().is_none(), "the file not read is closed");
    assert!(fourth.reader.load().is_some());
    assert_eq!(cache.open_files(), 2);
}

#[test]
fn dropped_files_are_no_longer_counted() {
    let (fs, paths) = tables(4);
    let cache = cache(&fs, 8);
    let files: Vec<_> = paths
        .iter()
        .map(|p| cache.open(&p.0, &p.1, &unlocked()).unwrap())
        .collect();
    assert_eq!(cache.open_files(), 4);
    let bytes = reader_bytes(&files);
    assert!(bytes > 0);
    assert_eq!(cache.open_reader_bytes(), bytes);
    drop(files);
    assert_eq!(cache.open_files(), 0);
    assert_eq!(cache.open_reader_bytes(), 0);
}

#[test]
fn a_reopened_file_finds_the_blocks_it_cached() {
    let (fs, paths) = tables(2);
    let block_cache = Arc::new(BlockCache::new(1 << 20));
    let cache = Arc::new(TableCache::new(
        Arc::clone(&fs),
        Arc::clone(&block_cache),
        1,
    ));
    let first = cache.open(&paths[0].0, &paths[0].1, &unlocked()).unwrap();
    read(&first, 0);
    let misses = block_cache.misses();
    let _second = cache.open(&paths[1].0, &paths[1].1, &unlocked()).unwrap();
    assert!(first.reader.load().is_none(), "closed to make room");
    read(&first, 0);
    assert_eq!(
        block_cache.misses(),
        misses,
        "the reopened file hit its cached block"
    );
}

#[test]
fn a_reader_in_use_outlives_its_file_being_closed() {
    let (fs, paths) = tables(2);
    let cache = cache(&fs, 1);
    let first = cache.open(&paths[0].0, &paths[0].1, &unlocked()).unwrap();
    let held = first.reader().unwrap();
    let _second = cache.open(&paths[1].0, &paths[1].1, &unlocked()).unwrap();
    assert!(first.reader.load().is_none());
    let value = held.get(b"key0", 1).unwrap().unwrap().value;
    assert_eq!(&value[..], b"value 0");
}

#[test]
fn concurrent_reads_of_more_files_than_the_capacity_all_succeed() {
    let (fs, paths) = tables(16);
    let cache = cache(&fs, 4);
    let files: Vec<_> = paths
        .iter()
        .map(|p| cache.open(&p.0, &p.1, &unlocked()).unwrap())
        .collect();
    std::thread::scope(|scope| {
        for thread in 0..4u64 {
            let files = &files;
            scope.spawn(move || {
                for i in 0..400u64 {
                    let n = (i * 7 + thread * 5) % 16;
                    assert_eq!(read(&files[n as usize], n), format!("value {n}").as_bytes());
                }
            });
        }
    });
    assert!(cache.open_files() <= 4, "{} open", cache.open_files());
    let open = files.iter().filter(|f| f.reader.load().is_some()).count();
    assert_eq!(open, cache.open_files());
}

#[test]
fn a_missing_file_is_an_error_not_a_panic() {
    let (fs, paths) = tables(2);
    let cache = cache(&fs, 1);
    let first = cache.open(&paths[0].0, &paths[0].1, &unlocked()).unwrap();
    let _second = cache.open(&paths[1].0, &paths[1].1, &unlocked()).unwrap();
    fs.remove(&paths[0].0).unwrap();
    let error = first.reader().unwrap_err();
    assert!(error.to_string().contains("000000.sst"), "{error}");
}

#[test]
fn a_reopened_file_that_is_no_longer_the_table_is_refused() {
    let (fs, paths) = tables(2);
    let cache = cache(&fs, 1);
    let first = cache.open(&paths[0].0, &paths[0].1, &unlocked()).unwrap();
    let _second = cache.open(&paths[1].0, &paths[1].1, &unlocked()).unwrap();
    // Another table under the first one's name, as a restored backup of
    // another database could leave it.
    let other = fs.read_all(&paths[1].0).unwrap();
    fs.remove(&paths[0].0).unwrap();
    let mut file = fs.create(&paths[0].0).unwrap();
    file.append(&other).unwrap();
    file.sync().unwrap();
    let error = first.reader().unwrap_err();
    assert!(error.is_corruption(), "{error}");
    assert!(error.to_string().contains("not the table"), "{error}");
}

/// A table at `path` of the points `a@1` and `z@9` and the range tombstone
/// `[b, d)` at `ts`: whatever `ts` (2 to 8), its record is the same.
fn table_with_tombstone(fs: &SharedFileSystem, path: &Path, ts: u64) -> TableRecord {
    use ferrisdb_core::RangeTombstone;
    let mut builder = TableBuilder::create(Arc::clone(fs), path, TableOptions::default()).unwrap();
    builder.add_parts(b"a", 1, Operation::Put, b"1").unwrap();
    builder.add_parts(b"z", 9, Operation::Put, b"9").unwrap();
    let tombstone = RangeTombstone::new(b"b".to_vec(), Some(b"d".to_vec()), ts);
    builder
        .add_range_tombstones(&FragmentedTombstones::from_tombstones(vec![tombstone]))
        .unwrap();
    let meta = builder.finish().unwrap();
    table_record(0, 7, meta.file_size, &meta.properties)
}

#[test]
fn range_tombstones_are_kept_while_the_file_is_closed_and_read_nothing() {
    let (fs, paths) = tables(1);
    let path = PathBuf::from("/db/000007.sst");
    let record = table_with_tombstone(&fs, &path, 5);
    let cache = cache(&fs, 1);
    let lock = unlocked();
    let table = Table::open(&cache, &path, record, &lock).unwrap();
    let moved = table.moved_to(1);
    let other = cache.open(&paths[0].0, &paths[0].1, &lock).unwrap();
    assert_eq!(
        cache.open_files(),
        1,
        "the table's file closed to make room"
    );
    // Gone from the disk too: the tombstones need no read.
    fs.remove(&path).unwrap();
    for t in [&table, &moved] {
        let fragments = t.range_tombstones().fragments();
        assert_eq!(fragments.len(), 1);
        assert_eq!(
            (
                &fragments[0].start[..],
                fragments[0].end.as_deref(),
                &fragments[0].timestamps[..]
            ),
            (&b"b"[..], Some(&b"d"[..]), &[5][..])
        );
    }
    assert!(Arc::ptr_eq(
        table.range_tombstones(),
        moved.range_tombstones()
    ));
    assert!(table.reader().is_err(), "the points do need the file");
    // A table without range tombstones keeps an empty list.
    assert!(other.range_tombstones().is_empty());
}

#[test]
fn a_reopened_file_with_other_range_tombstones_is_refused() {
    let (fs, paths) = tables(1);
    let path = PathBuf::from("/db/000007.sst");
    let record = table_with_tombstone(&fs, &path, 5);
    let cache = cache(&fs, 1);
    let first = cache.open(&path, &record, &unlocked()).unwrap();
    let _second = cache.open(&paths[0].0, &paths[0].1, &unlocked()).unwrap();
    // The same points, size and bounds, another tombstone: the record
    // cannot tell them apart, the kept tombstones can.
    fs.remove(&path).unwrap();
    assert_eq!(table_with_tombstone(&fs, &path, 6), record);
    let error = first.reader().unwrap_err();
    assert!(error.is_corruption(), "{error}");
    assert!(
        error.to_string().contains("range tombstones changed"),
        "{error}"
    );
    // Put back, it reopens.
    fs.remove(&path).unwrap();
    table_with_tombstone(&fs, &path, 5);
    assert_eq!(read_key(&first, b"a"), b"1");
}

fn read_key(file: &Arc<TableFile>, key: &[u8]) -> Vec<u8> {
    file.with_reader(|r| r.get(key, 9))
        .unwrap()
        .unwrap()
        .value
        .to_vec()
}

#[test]
fn a_tables_tombstone_timestamps_reach_the_databases_largest_timestamp() {
    use crate::manifest::format::MAX_TIMESTAMP;
    use crate::sstable::format::MAX_TOMBSTONE_TIMESTAMP;
    assert_eq!(MAX_TOMBSTONE_TIMESTAMP, MAX_TIMESTAMP);
}

/// A read-only instance's cache has no limit (`engine/read_only.rs`): the
/// entries of files dropped since must still be swept, or each table the
/// writer ever makes, and the reader opens and lets go of across its
/// catch-ups, leaves one behind for the life of the instance.
#[test]
fn regression_an_unlimited_cache_forgets_dropped_files() {
    let (fs, paths) = tables(4);
    let cache = cache(&fs, usize::MAX);
    for _ in 0..100 {
        let files: Vec<_> = paths
            .iter()
            .map(|p| cache.open(&p.0, &p.1, &unlocked()).unwrap())
            .collect();
        drop(files);
    }
    let entries = lock(&cache.ring).files.len();
    assert!(entries <= 2 * SWEEP_AT_LEAST, "{entries} entries kept");
}
