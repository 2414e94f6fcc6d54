//! Unit tests of the log writer.

use super::*;
use crate::fs::FileSystem;
use crate::wal::format::FILE_HEADER_SIZE;
use crate::Error;

fn writer(dir: &std::path::Path, number: u64) -> WalWriter {
    WalWriter::create(
        crate::fs::os_file_system(),
        dir,
        number,
        WalOptions::default(),
    )
    .unwrap()
}

#[test]
fn rotation_takes_the_number_it_is_given_and_only_a_higher_one() {
    let dir = tempfile::tempdir().unwrap();
    let writer = writer(dir.path(), 5);
    writer.append(&[b"one"]).unwrap();
    for lower in [5, 4] {
        let err = writer.rotate(lower).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    }
    assert_eq!(writer.current_file_number(), 5, "nothing was done");
    let start = writer.rotate(9).unwrap();
    assert_eq!(
        start,
        WalPosition {
            file_number: 9,
            offset: FILE_HEADER_SIZE as u64
        }
    );
    let end = writer.append(&[b"two", b"", b"pieces"]).unwrap();
    assert_eq!(end.file_number, 9);
    writer.close().unwrap();
    let names: Vec<u64> = crate::wal::wal_files(&crate::fs::OsFileSystem, dir.path())
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, [5, 9]);
}

#[test]
fn sync_to_a_position_past_the_end_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let writer = writer(dir.path(), 1);
    let pos = writer.append(&[b"a", b"b"]).unwrap();
    writer.sync_to(pos).unwrap();
    let beyond = WalPosition {
        offset: pos.offset + 1,
        ..pos
    };
    assert!(matches!(
        writer.sync_to(beyond),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn an_unnamed_log_is_no_log_of_the_directory_until_named() {
    let fs = crate::fs::FaultFileSystem::new();
    let dir = std::path::Path::new("/db");
    fs.create_dir_all(dir).unwrap();
    let shared: crate::fs::SharedFileSystem = std::sync::Arc::new(fs.clone());
    let writer = WalWriter::create_unnamed(shared, dir, 7, WalOptions::default()).unwrap();
    let logs = |fs: &crate::fs::FaultFileSystem| crate::wal::wal_files(fs, dir).unwrap().len();
    assert_eq!(logs(&fs), 0);
    // Its temporary name, with its header, survives a power loss.
    let crashed = fs.fork().crash();
    let temp = dir.join(crate::filename::wal_temp_file_name(7));
    assert_eq!(crashed.read_all(&temp).unwrap().len(), FILE_HEADER_SIZE);

    writer.name().unwrap();
    writer.name().unwrap();
    assert_eq!(logs(&fs.fork().crash()), 1, "the name is durable");
    assert!(!fs.exists(&temp).unwrap());
    writer.append(&[b"one"]).unwrap();
    writer.close().unwrap();
    let reader = crate::wal::WalReader::open(
        &fs,
        &dir.join(crate::filename::wal_file_name(7)),
        crate::wal::RecoveryMode::AbsoluteConsistency,
    )
    .unwrap();
    let records: Vec<_> = reader.map(|r| r.unwrap().payload).collect();
    assert_eq!(records, [b"one".to_vec()]);
}
