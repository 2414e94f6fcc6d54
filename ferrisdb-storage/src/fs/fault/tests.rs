//! Tests of [`FaultFileSystem`]: the crash model and the fault injection.

use super::*;
use crate::fs::{FileSystem, WritableFile};

fn dir() -> PathBuf {
    PathBuf::from("/db")
}

fn setup() -> FaultFileSystem {
    let fs = FaultFileSystem::new();
    fs.create_dir_all(&dir()).unwrap();
    fs
}

fn write(fs: &FaultFileSystem, name: &str, data: &[u8], sync: bool) -> Box<dyn WritableFile> {
    let mut file = fs.create(&dir().join(name)).unwrap();
    file.append(data).unwrap();
    if sync {
        file.sync().unwrap();
    }
    file
}

#[test]
fn a_crash_keeps_only_synced_bytes_of_files_whose_names_were_synced() {
    let fs = setup();
    let mut a = write(&fs, "a", b"durable", true);
    fs.sync_dir(&dir()).unwrap();
    a.append(b" volatile").unwrap();
    write(&fs, "b", b"synced data, unsynced name", true);

    let fs = fs.crash();
    assert_eq!(fs.list(&dir()).unwrap(), ["a"]);
    assert_eq!(fs.read_all(&dir().join("a")).unwrap(), b"durable");
}

#[test]
fn a_rename_survives_only_after_the_directory_is_synced() {
    let fs = setup();
    write(&fs, "x.tmp", b"v1", true);
    fs.sync_dir(&dir()).unwrap();
    fs.rename(&dir().join("x.tmp"), &dir().join("x")).unwrap();
    let after_unsynced_rename = fs.crash();
    assert_eq!(after_unsynced_rename.list(&dir()).unwrap(), ["x.tmp"]);

    after_unsynced_rename
        .rename(&dir().join("x.tmp"), &dir().join("x"))
        .unwrap();
    after_unsynced_rename.sync_dir(&dir()).unwrap();
    let fs = after_unsynced_rename.crash();
    assert_eq!(fs.list(&dir()).unwrap(), ["x"]);
    assert_eq!(fs.read_all(&dir().join("x")).unwrap(), b"v1");
}

#[test]
fn the_crashed_file_system_is_dead_and_old_handles_cannot_touch_the_new_one() {
    let fs = setup();
    let mut file = write(&fs, "a", b"one", true);
    fs.sync_dir(&dir()).unwrap();
    let recovered = fs.crash();
    assert!(file.append(b"two").is_err());
    assert!(fs.create(&dir().join("c")).is_err());
    assert!(fs.list(&dir()).is_err());
    assert_eq!(recovered.read_all(&dir().join("a")).unwrap(), b"one");
}

#[test]
fn torn_writes_keep_a_prefix_of_the_unsynced_tail() {
    let mut kept = BTreeSet::new();
    for seed in 0..40 {
        let fs = setup();
        fs.enable_torn_writes(seed);
        let mut file = write(&fs, "log", b"head", true);
        fs.sync_dir(&dir()).unwrap();
        file.append(b"0123456789").unwrap();
        let data = fs.crash().read_all(&dir().join("log")).unwrap();
        assert!(data.starts_with(b"head"));
        assert!(b"head0123456789".starts_with(&data));
        kept.insert(data.len());
    }
    assert!(
        kept.len() > 3,
        "torn writes should vary the kept length: {kept:?}"
    );
}

#[test]
fn the_nth_operation_fails_once_or_persistently() {
    for persistent in [false, true] {
        let fs = setup();
        fs.fail_at(2, persistent, &[OpKind::Write], FaultKind::NoSpace);
        let mut file = fs.create(&dir().join("f")).unwrap();
        file.append(b"1").unwrap();
        let err = file.append(b"2").unwrap_err();
        assert!(err.to_string().contains("no space"), "{err}");
        assert_eq!(file.append(b"3").is_err(), persistent);
        assert_eq!(fs.failures(), if persistent { 2 } else { 1 });
        // Syncs are not counted by a rule for writes.
        file.sync().unwrap();
    }
}

#[test]
fn corrupt_reads_flip_one_byte_and_leave_the_file_alone() {
    let fs = setup();
    write(&fs, "t", b"abcdef", true);
    let path = dir().join("t");
    fs.corrupt_reads(&path, 2);
    let file = fs.open(&path).unwrap();
    let mut buf = [0; 6];
    file.read_exact_at(0, &mut buf).unwrap();
    assert_eq!(buf[2], b'c' ^ 0xff);
    assert_eq!(&buf[..2], b"ab");
    let mut tail = [0; 2];
    file.read_exact_at(4, &mut tail).unwrap();
    assert_eq!(&tail, b"ef");
}

#[test]
fn missing_directory_and_reads_past_the_end_are_errors() {
    let fs = FaultFileSystem::new();
    assert!(fs.create(Path::new("/nowhere/f")).is_err());
    let fs = setup();
    write(&fs, "f", b"abc", true);
    let file = fs.open(&dir().join("f")).unwrap();
    assert!(file.read_exact_at(2, &mut [0; 2]).is_err());
    assert!(file.read_exact_at(u64::MAX, &mut [0; 1]).is_err());
}

#[test]
fn locks_conflict_until_dropped_and_a_crash_releases_them() {
    let fs = setup();
    let lock_path = dir().join("LOCK");
    let held = fs.lock(&lock_path).unwrap();
    assert!(matches!(
        fs.lock(&lock_path),
        Err(Error::DatabaseLocked { .. })
    ));
    drop(held);
    let _held = fs.lock(&lock_path).unwrap();
    let recovered = fs.crash();
    recovered.lock(&lock_path).unwrap();
}

#[test]
fn crash_after_k_keeps_the_kth_operation_and_refuses_the_rest() {
    let fs = setup();
    let before = fs.total_operations();
    // Operation 1: create. 2: append. 3: sync. 4: sync_dir. 5: append (dies).
    fs.crash_after(before + 4);
    let mut a = fs.create(&dir().join("a")).unwrap();
    a.append(b"kept").unwrap();
    a.sync().unwrap();
    fs.sync_dir(&dir()).unwrap();
    assert!(!fs.is_dead());
    assert!(a.append(b" lost").is_err());
    assert!(fs.is_dead());
    assert!(fs.create(&dir().join("b")).is_err());
    assert_eq!(fs.total_operations(), before + 4);

    let fs = fs.crash();
    assert_eq!(fs.list(&dir()).unwrap(), ["a"]);
    assert_eq!(fs.read_all(&dir().join("a")).unwrap(), b"kept");
}

#[test]
fn total_operations_counts_every_kind_and_failures() {
    let fs = setup();
    let before = fs.total_operations();
    fs.fail_at(1, false, &[OpKind::Create], FaultKind::Io);
    assert!(fs.create(&dir().join("a")).is_err());
    let _ = fs.list(&dir()).unwrap();
    assert_eq!(fs.total_operations(), before + 2);
}

#[test]
fn a_fork_is_an_independent_copy_with_unsynced_bytes() {
    let fs = setup();
    let mut a = write(&fs, "a", b"synced", true);
    fs.sync_dir(&dir()).unwrap();
    a.append(b"+unsynced").unwrap();
    let copy = fs.fork();
    a.append(b"+after").unwrap();
    assert_eq!(copy.read_all(&dir().join("a")).unwrap(), b"synced+unsynced");
    write(&copy, "b", b"only in the copy", true);
    assert!(!fs.exists(&dir().join("b")).unwrap());
    // The copy keeps the crash model: its unsynced bytes go on a crash.
    let crashed = copy.crash();
    assert_eq!(crashed.read_all(&dir().join("a")).unwrap(), b"synced");
}

#[test]
fn fail_path_at_fails_only_matching_files() {
    let fs = setup();
    fs.fail_path_at(
        1,
        true,
        &[OpKind::Create, OpKind::Write],
        FaultKind::NoSpace,
        ".sst",
    );
    let mut log = fs.create(&dir().join("000001.wal")).unwrap();
    log.append(b"fine").unwrap();
    let err = fs.create(&dir().join("000002.sst.tmp")).unwrap_err();
    match err {
        Error::Io { source, .. } => assert_eq!(source.kind(), io::ErrorKind::StorageFull),
        other => panic!("expected ENOSPC, got {other}"),
    }
    assert_eq!(fs.failures(), 1);
}

#[test]
fn a_failed_sync_loses_its_bytes_even_if_a_retry_succeeds() {
    let fs = setup();
    let mut a = write(&fs, "a", b"durable|", true);
    fs.sync_dir(&dir()).unwrap();
    a.append(b"dropped|").unwrap();
    fs.fail_at(1, false, &[OpKind::Sync], FaultKind::Io);
    assert!(a.sync().is_err());
    // Still readable while the machine runs; the retry reports success.
    assert_eq!(fs.read_all(&dir().join("a")).unwrap(), b"durable|dropped|");
    a.append(b"later").unwrap();
    a.sync().unwrap();

    let fs = fs.crash();
    assert_eq!(
        fs.read_all(&dir().join("a")).unwrap(),
        b"durable|\0\0\0\0\0\0\0\0later"
    );
}

#[test]
fn with_strict_directories_a_new_directory_needs_its_parent_synced() {
    let fs = setup();
    fs.enable_strict_directories();
    let lost = PathBuf::from("/db/lost");
    let kept = PathBuf::from("/db/kept");
    // `kept` is named durably by the sync of /db; `lost` comes after it.
    for d in [&kept, &lost] {
        fs.create_dir_all(d).unwrap();
        let mut f = fs.create(&d.join("f")).unwrap();
        f.append(b"data").unwrap();
        f.sync().unwrap();
        fs.sync_dir(d).unwrap();
        if d == &kept {
            fs.sync_dir(&dir()).unwrap();
        }
    }
    let fs = fs.crash();
    assert!(!fs.exists(&lost).unwrap());
    assert!(!fs.exists(&lost.join("f")).unwrap());
    assert_eq!(fs.read_all(&kept.join("f")).unwrap(), b"data");
}

#[test]
fn held_syncs_wait_until_released_and_others_pass() {
    let fs = setup();
    let mut log = write(&fs, "1.wal", b"record", false);
    let mut table = write(&fs, "2.sst", b"table", false);
    fs.sync_dir(&dir()).unwrap();
    std::thread::scope(|s| {
        let held = fs.hold_syncs(".wal");
        let syncer = s.spawn(move || log.sync());
        held.wait_until_held(1);
        // Other files' syncs go on; the held one has not happened yet.
        table.sync().unwrap();
        let crashed = fs.fork().crash();
        assert_eq!(crashed.read_all(&dir().join("1.wal")).unwrap(), b"");
        held.release();
        syncer.join().unwrap().unwrap();
    });
    assert_eq!(
        fs.crash().read_all(&dir().join("1.wal")).unwrap(),
        b"record"
    );
}

#[test]
fn set_len_preallocates_zeros_that_appends_overwrite_and_each_needs_a_sync() {
    let fs = setup();
    let mut file = write(&fs, "log", b"head", true);
    fs.sync_dir(&dir()).unwrap();
    let read = |fs: &FaultFileSystem| fs.read_all(&dir().join("log")).unwrap();
    let padded = |bytes: &[u8], len: usize| {
        let mut v = bytes.to_vec();
        v.resize(len, 0);
        v
    };

    file.set_len(16).unwrap();
    assert_eq!(file.len(), 4, "appends still go after the bytes appended");
    assert_eq!(read(&fs), padded(b"head", 16));
    assert_eq!(read(&fs.fork().crash()), b"head", "an unsynced size");
    file.sync().unwrap();
    file.append(b"data").unwrap();
    assert_eq!(read(&fs), padded(b"headdata", 16));
    let crashed = fs.fork().crash();
    assert_eq!(read(&crashed), padded(b"head", 16), "an unsynced overwrite");
    file.sync().unwrap();
    assert_eq!(read(&fs.fork().crash()), padded(b"headdata", 16));

    file.set_len(8).unwrap();
    assert_eq!(read(&fs), b"headdata");
    assert_eq!(
        read(&fs.fork().crash()),
        padded(b"headdata", 16),
        "an unsynced cut"
    );
    file.sync().unwrap();
    assert_eq!(read(&fs.fork().crash()), b"headdata");
    let err = file.set_len(7).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
}

#[test]
fn torn_writes_over_preallocated_zeros_keep_a_prefix_in_file_order() {
    let mut kept = BTreeSet::new();
    for seed in 0..40 {
        let fs = setup();
        fs.enable_torn_writes(seed);
        let mut file = write(&fs, "log", b"head", true);
        fs.sync_dir(&dir()).unwrap();
        file.set_len(20).unwrap();
        file.sync().unwrap();
        file.append(b"0123456789").unwrap();
        let data = fs.crash().read_all(&dir().join("log")).unwrap();
        assert_eq!(data.len(), 20);
        let written = data[4..].iter().take_while(|&&b| b != 0).count();
        assert!(b"0123456789".starts_with(&data[4..4 + written]));
        assert!(data[4 + written..].iter().all(|&b| b == 0));
        kept.insert(written);
    }
    assert!(kept.len() > 3, "{kept:?}");
}

#[test]
fn a_failed_sync_drops_an_overwrite_and_set_len_counts_as_a_write() {
    let fs = setup();
    let mut file = write(&fs, "log", b"head", true);
    fs.sync_dir(&dir()).unwrap();
    file.set_len(12).unwrap();
    file.sync().unwrap();
    file.append(b"lost").unwrap();
    fs.fail_at(1, false, &[OpKind::Sync], FaultKind::Io);
    assert!(file.sync().is_err());
    file.sync().unwrap();
    let crashed = fs.fork().crash();
    assert_eq!(
        crashed.read_all(&dir().join("log")).unwrap(),
        b"head\0\0\0\0\0\0\0\0"
    );

    fs.fail_at(1, false, &[OpKind::Write], FaultKind::NoSpace);
    assert!(file.set_len(100).is_err());
    assert_eq!(fs.read_all(&dir().join("log")).unwrap().len(), 12);
}
