//! After an I/O error the writer acknowledges no later write.

mod common;

use common::{append, mem_fs, MemFsExt};
use ferrisdb_storage::internals::wal::WalOptions;
use ferrisdb_storage::{Error, SyncMode, WriteBatch};

#[test]
fn a_failed_write_poisons_the_writer_for_good() {
    for mode in [SyncMode::Normal, SyncMode::Full] {
        let fs = mem_fs();
        let options = WalOptions { sync_mode: mode };
        let writer = common::writer(fs.clone(), options);
        let batch = WriteBatch::new().put("k", "v").clone();
        append(&writer, &batch, 1).unwrap();

        fs.fail_io(true);
        let err = append(&writer, &batch, 2).unwrap_err();
        assert!(
            err.to_string().contains("injected I/O error"),
            "{mode:?}: {err}"
        );

        // The disk works again, but the writer cannot know what the failed
        // call left behind: it refuses everything.
        fs.fail_io(false);
        for result in [
            append(&writer, &batch, 3).map(drop),
            writer.sync(),
            writer.flush(),
            writer.rotate(2).map(drop),
        ] {
            let err = result.unwrap_err();
            assert!(matches!(err, Error::Io { .. }), "{err}");
            assert!(
                err.to_string().contains("earlier failure"),
                "{mode:?}: {err}"
            );
        }
        assert!(writer.close().is_err());
    }
}

#[test]
fn a_failed_rotation_poisons_the_writer() {
    let fs = mem_fs();
    let writer = common::writer(fs.clone(), WalOptions::default());
    fs.fail_io(true);
    assert!(writer.rotate(2).is_err());
    fs.fail_io(false);
    let err = append(&writer, WriteBatch::new().delete("k"), 1).unwrap_err();
    assert!(err.to_string().contains("earlier failure"), "{err}");
}

#[test]
fn creating_a_writer_on_a_failing_disk_is_an_error() {
    let fs = mem_fs();
    fs.fail_io(true);
    let result = ferrisdb_storage::internals::wal::WalWriter::create(
        fs,
        common::dir(),
        1,
        WalOptions::default(),
    );
    assert!(result.is_err());
}
