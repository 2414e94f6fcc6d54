//! sstable-dump on tables with range tombstones: each fragment of the
//! range-delete block printed with the timestamps over it, in text, hex and
//! JSON; a table of only range tombstones dumps and verifies; a table
//! without any prints no range tombstones.

use std::path::{Path, PathBuf};

use ferrisdb_core::RangeTombstone;
use ferrisdb_storage::fs::os_file_system;
use ferrisdb_storage::internals::range_del::FragmentedTombstones;
use ferrisdb_storage::internals::sstable::{table_file_name, TableBuilder, TableOptions};
use ferrisdb_storage::Operation;
use ferrisdb_tools::sstable_dump::{run, DumpArgs, EXIT_OK};

/// A table of `points` and the tombstones `["a", "m")@5`, `["f", "q\"")@8`
/// and `["x", "x\0")@2`.
fn write_table(dir: &Path, points: bool) -> PathBuf {
    let path = dir.join(table_file_name(4));
    let mut w = TableBuilder::create(os_file_system(), &path, TableOptions::default()).unwrap();
    if points {
        w.add_parts(b"b", 9, Operation::Put, b"kept").unwrap();
        w.add_parts(b"g", 3, Operation::Put, b"hidden").unwrap();
    }
    let tombstones = [("a", "m", 5), ("f", "q\"", 8), ("x", "x\0", 2)]
        .map(|(s, e, ts)| RangeTombstone::new(s.as_bytes(), Some(e.into()), ts));
    w.add_range_tombstones(&FragmentedTombstones::from_tombstones(tombstones.to_vec()))
        .unwrap();
    w.finish().unwrap();
    path
}

fn dump(args: &DumpArgs) -> (i32, String) {
    let mut out = Vec::new();
    let code = run(&os_file_system(), args, &mut out).unwrap();
    (code, String::from_utf8(out).unwrap())
}

#[test]
fn each_fragment_prints_with_its_timestamps_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let args = DumpArgs {
        path: write_table(dir.path(), true),
        entries: true,
        verify: true,
        ..DumpArgs::default()
    };
    let (code, text) = dump(&args);
    assert_eq!(code, EXIT_OK, "{text}");
    for want in [
        "range tombstones: 4 fragments, 5 tombstones, block at offset ",
        "\n  [\"a\", \"f\") @5\n  [\"f\", \"m\") @8 @5\n  [\"m\", \"q\\\"\") @8\n  [\"x\", \"x\\x00\") @2\n",
        // The bounds are the tombstones', with their sentinel timestamps.
        "smallest_key: a@RANGE_START_TS",
        "largest_key: x\\x00@RANGE_END_TS",
        "max_timestamp: 9",
        "b@9 PUT kept",
        "verify: OK (2 entries",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    let (_, hex) = dump(&DumpArgs {
        hex: true,
        ..args.clone()
    });
    assert!(hex.contains("\n  [61, 66) @5\n"), "{hex}");
    assert!(hex.contains("\n  [78, 7800) @2\n"), "{hex}");
}

#[test]
fn json_holds_the_fragments() {
    let dir = tempfile::tempdir().unwrap();
    let args = DumpArgs {
        path: write_table(dir.path(), true),
        json: true,
        ..DumpArgs::default()
    };
    let (code, json) = dump(&args);
    assert_eq!(code, EXIT_OK, "{json}");
    assert_eq!(json.lines().count(), 1);
    assert!(
        json.contains(",\"range_tombstones\":{\"offset\":"),
        "{json}"
    );
    assert!(
        json.contains("\"smallest_key\":\"a@RANGE_START_TS\","),
        "{json}"
    );
    assert!(
        json.contains(
            "\"fragments\":[{\"start\":\"a\",\"end\":\"f\",\"timestamps\":[5]},\
             {\"start\":\"f\",\"end\":\"m\",\"timestamps\":[8,5]},\
             {\"start\":\"m\",\"end\":\"q\\\"\",\"timestamps\":[8]},\
             {\"start\":\"x\",\"end\":\"x\\\\x00\",\"timestamps\":[2]}]}"
        ),
        "{json}"
    );
}

#[test]
fn a_table_of_only_range_tombstones_dumps_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let args = DumpArgs {
        path: write_table(dir.path(), false),
        entries: true,
        verify: true,
        ..DumpArgs::default()
    };
    let (code, text) = dump(&args);
    assert_eq!(code, EXIT_OK, "{text}");
    for want in [
        "entry_count: 0\n",
        "data_block_count: 0\n",
        "index: 0 data blocks\n",
        "range tombstones: 4 fragments",
        "entries:\nverify: OK (0 entries",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    let (code, json) = dump(&DumpArgs { json: true, ..args });
    assert_eq!(code, EXIT_OK, "{json}");
    assert!(json.contains("\"index\":[],"), "{json}");
    assert!(json.contains("\"entries\":[],"), "{json}");
}

#[test]
fn a_table_without_range_tombstones_prints_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(table_file_name(5));
    let mut w = TableBuilder::create(os_file_system(), &path, TableOptions::default()).unwrap();
    w.add_parts(b"k", 1, Operation::Put, b"v").unwrap();
    w.finish().unwrap();
    let args = DumpArgs {
        path,
        ..DumpArgs::default()
    };
    let (code, text) = dump(&args);
    assert_eq!(code, EXIT_OK, "{text}");
    assert!(!text.contains("range tombstones"), "{text}");
    let (_, json) = dump(&DumpArgs { json: true, ..args });
    assert!(!json.contains("range_tombstones"), "{json}");
}
