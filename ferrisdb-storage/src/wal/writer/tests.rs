//! Unit tests of the log writer.

use super::*;

#[test]
fn limits_are_checked_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let options = WalOptions {
        max_key_size: 4,
        max_value_size: 8,
        ..WalOptions::default()
    };
    let counter = Arc::new(AtomicU64::new(2));
    let writer =
        WalWriter::create(crate::fs::os_file_system(), dir.path(), 1, counter, options).unwrap();
    let before = writer.bytes_written();
    for batch in [
        WriteBatch::new().put("12345", "v").clone(),
        WriteBatch::new().put("k", "123456789").clone(),
        WriteBatch::new().put("k", "v").delete("12345").clone(),
    ] {
        let err = writer.append(&batch, 1).unwrap_err();
        assert!(
            matches!(err, Error::KeyTooLarge { .. } | Error::ValueTooLarge { .. }),
            "{err}"
        );
    }
    assert_eq!(writer.bytes_written(), before);
    writer
        .append(WriteBatch::new().put("1234", "12345678"), 1)
        .unwrap();
    assert!(writer.bytes_written() > before);
}

#[test]
fn sync_to_a_position_past_the_end_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let counter = Arc::new(AtomicU64::new(2));
    let writer = WalWriter::create(
        crate::fs::os_file_system(),
        dir.path(),
        1,
        counter,
        WalOptions::default(),
    )
    .unwrap();
    let pos = writer.append(WriteBatch::new().put("a", "b"), 1).unwrap();
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
