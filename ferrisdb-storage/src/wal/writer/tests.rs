//! Unit tests of the log writer.

use super::*;

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
