//! A database written by an older FerrisDB opens and reads the same today.
//!
//! `tests/fixtures/db-9b3ca9e` was written by commit 9b3ca9e, the last
//! commit before zstd added a compression byte value (and before the API of
//! issue 17). It holds every on-disk format of that time:
//! - `000004.sst`, round 1 compacted to level 1 with LZ4 data blocks;
//! - `000007.sst`, round 2 flushed to level 0 without compression, holding
//!   overwrites and tombstones;
//! - `000006.wal`, round 3, never flushed: the copy was taken while the
//!   engine was open, so opening replays it;
//! - `MANIFEST` (format version 2), naming both tables.
//!
//! The writer was a test beside 9b3ca9e's engine; it did what [`model`]
//! describes, with the same keys and values.

mod common;

use common::old_database::{
    assert_fixture_reads_as, first_block_compression, fixture, key, value, Model,
};

const FIXTURE: &str = "db-9b3ca9e";

/// What the writer wrote, in order, applied to a map.
fn model() -> Model {
    let mut map = Model::new();
    for i in 0..200 {
        map.insert(key(i), value(1, i));
    }
    for i in 100..300 {
        map.insert(key(i), value(2, i));
    }
    for i in (0..300).step_by(7) {
        map.remove(&key(i));
    }
    for i in 250..320 {
        map.insert(key(i), value(3, i));
    }
    map.remove(&key(1));
    map
}

#[test]
fn the_fixture_holds_an_lz4_table_and_an_uncompressed_one() {
    let dir = fixture(FIXTURE);
    assert_eq!(first_block_compression(&dir.join("000004.sst")), 1);
    assert_eq!(first_block_compression(&dir.join("000007.sst")), 0);
}

#[test]
fn a_database_written_before_zstd_reads_as_it_was_written() {
    // Compacting rewrites the old tables with today's default compression,
    // and the database still reads the same after a reopen.
    assert_fixture_reads_as(FIXTURE, &model(), 330);
}
