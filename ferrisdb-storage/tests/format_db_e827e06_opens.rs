//! A database written by commit e827e06 opens and reads the same today.
//!
//! `tests/fixtures/db-e827e06` was written by commit e827e06, the last
//! commit before the manifest carried feature flags (format version 3). It
//! holds every on-disk format of that time:
//! - `000004.sst`, level 2, LZ4 data blocks: round 1;
//! - `000009.sst`, level 1, zstd data blocks: round 2, overwrites and
//!   tombstones, merged from level 0;
//! - `000012.sst`, level 0, no compression: round 3, overwrites and
//!   tombstones;
//! - `000011.wal`, round 4, never flushed, sealed by a clean close (a
//!   version-2 log: batch records and a seal);
//! - `MANIFEST`, format version 2, naming the three tables and the closed
//!   log with its length. The manifest is rewritten whole on every change
//!   (each flush, compaction, open and close of the writer), so this last
//!   one holds the result of them all.
//!
//! The writer was a test beside e827e06's engine, with the default settings
//! but for these, session by session (each opened the directory again):
//! 1. `compression: Lz4`, `disable_auto_compactions`: round 1, then `flush`
//!    and `compact` (to level 1); reopened with automatic compactions and
//!    `max_bytes_for_level_base: 4096`, which moved the table to level 2;
//! 2. `compression: Zstd { level: 3 }`, automatic compactions,
//!    `level0_file_num_compaction_trigger: 1`: round 2, `flush`, and the
//!    compaction of level 0 into level 1;
//! 3. `compression: None`, `disable_auto_compactions`: round 3, `flush`,
//!    round 4, `close`.
//!
//! The rounds wrote what `common::four_rounds::model` describes, in its
//! order, with the same keys and values.

mod common;

use common::four_rounds::{assert_layout, model};
use common::old_database::assert_fixture_reads_as;

const FIXTURE: &str = "db-e827e06";

/// The fixture is what the module docs say: a table per level, each with
/// its own compression, tombstones in the newer two, and a sealed log, under
/// a manifest of version 2.
#[test]
fn the_fixture_holds_three_levels_three_compressions_and_a_closed_log() {
    assert_layout(FIXTURE, 2, 2);
}

#[test]
fn a_database_written_at_e827e06_reads_as_it_was_written() {
    // Compacting rewrites the old tables with today's default compression,
    // and the database still reads the same after a reopen.
    assert_fixture_reads_as(FIXTURE, &model(), 330);
}
