//! sstable-dump on a good and a damaged table, through the library and the
//! binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use ferrisdb_storage::fs::os_file_system;
use ferrisdb_storage::internals::sstable::{table_file_name, TableBuilder, TableOptions};
use ferrisdb_storage::Operation;
use ferrisdb_tools::sstable_dump::{run, DumpArgs, EXIT_DAMAGED, EXIT_ERROR, EXIT_OK};

fn write_table(dir: &Path) -> PathBuf {
    write_table_of(dir, 0)
}

/// The test table, written for `keyspace`.
fn write_table_of(dir: &Path, keyspace: u32) -> PathBuf {
    let path = dir.join(table_file_name(3));
    let options = TableOptions {
        block_size: 128,
        keyspace,
        ..TableOptions::default()
    };
    let mut w = TableBuilder::create(os_file_system(), &path, options).unwrap();
    for i in 0..20u32 {
        let key = format!("key{i:02}");
        w.add_parts(
            key.as_bytes(),
            7,
            Operation::Put,
            format!("value-{i}-{}", "x".repeat(40)).as_bytes(),
        )
        .unwrap();
        w.add_parts(key.as_bytes(), 3, Operation::Delete, b"")
            .unwrap();
    }
    w.add_parts(b"q\"\x01", 1, Operation::Put, b"\xff").unwrap();
    w.finish().unwrap();
    path
}

fn damage(path: &Path, at: usize) -> PathBuf {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[at] ^= 0x04;
    let damaged = path.with_file_name("000099.sst");
    std::fs::write(&damaged, bytes).unwrap();
    damaged
}

fn dump(args: &DumpArgs) -> (i32, String) {
    let mut out = Vec::new();
    let code = run(&os_file_system(), args, &mut out).unwrap();
    (code, String::from_utf8(out).unwrap())
}

#[test]
fn good_table_prints_properties_index_filter_entries_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_table(dir.path());
    let args = DumpArgs {
        path,
        entries: true,
        verify: true,
        ..DumpArgs::default()
    };
    let (code, text) = dump(&args);
    assert_eq!(code, EXIT_OK, "{text}");
    for want in [
        "entry_count: 41",
        "tombstone_count: 20",
        "keyspace: 0\n",
        "smallest_key: key00@7",
        "largest_key: q\"\\x01@1",
        "block 0: offset 0 size ",
        "hashes, estimated false-positive rate",
        "key05@7 PUT value-5-xxxxxxxxxxxxxxxxxxxxxxxx...(48 bytes)",
        "key05@3 DELETE",
        "verify: OK (41 entries",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }

    let (_, full) = dump(&DumpArgs {
        full: true,
        ..args.clone()
    });
    assert!(
        full.contains(&format!("key05@7 PUT value-5-{}\n", "x".repeat(40))),
        "{full}"
    );
    let (_, hex) = dump(&DumpArgs {
        hex: true,
        ..args.clone()
    });
    assert!(hex.contains("6b65793035@3 DELETE"), "{hex}");
}

#[test]
fn json_output_is_one_escaped_object() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_table(dir.path());
    let args = DumpArgs {
        path,
        entries: true,
        verify: true,
        json: true,
        ..DumpArgs::default()
    };
    let (code, json) = dump(&args);
    assert_eq!(code, EXIT_OK);
    assert!(
        json.starts_with("{\"path\":") && json.ends_with(",\"status\":\"ok\"}\n"),
        "{json}"
    );
    assert_eq!(json.lines().count(), 1);
    assert!(json.contains("\"entry_count\":41,"), "{json}");
    assert!(json.contains("\"keyspace\":0,"), "{json}");
    assert!(
        json.contains(r#"{"key":"q\"\\x01@1","op":"PUT","value":"\\xff"}"#),
        "{json}"
    );
    assert!(
        json.contains("\"verify\":{\"ok\":true,\"entries\":41}"),
        "{json}"
    );
    // Braces and brackets balance outside strings.
    let (mut depth, mut in_string, mut escaped) = (0i32, false, false);
    for c in json.chars() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') | (false, _, '"') => in_string = !in_string,
            (false, _, '{' | '[') => depth += 1,
            (false, _, '}' | ']') => depth -= 1,
            _ => {}
        }
        assert!(depth >= 0);
    }
    assert_eq!((depth, in_string), (0, false));
}

#[test]
fn a_table_of_another_keyspace_prints_its_id_in_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let args = DumpArgs {
        path: write_table_of(dir.path(), 1),
        ..DumpArgs::default()
    };
    let (code, text) = dump(&args);
    assert_eq!(code, EXIT_OK, "{text}");
    assert!(text.contains("\n  keyspace: 1\n"), "{text}");
    let (code, json) = dump(&DumpArgs { json: true, ..args });
    assert_eq!(code, EXIT_OK, "{json}");
    assert!(json.contains(",\"keyspace\":1,"), "{json}");
}

#[test]
fn damaged_data_block_fails_verify_with_its_offset() {
    let dir = tempfile::tempdir().unwrap();
    let damaged = damage(&write_table(dir.path()), 10);
    // Opening reads only the metadata blocks, so the damage shows in verify.
    let args = DumpArgs {
        path: damaged.clone(),
        verify: true,
        ..DumpArgs::default()
    };
    let (code, text) = dump(&args);
    assert_eq!(code, EXIT_DAMAGED, "{text}");
    assert!(text.contains("DAMAGED: checksum mismatch"), "{text}");
    assert!(
        text.contains("at byte 0:"),
        "the first block, at offset 0: {text}"
    );
    let (code, json) = dump(&DumpArgs { json: true, ..args });
    assert_eq!(code, EXIT_DAMAGED);
    assert!(
        json.contains("\"status\":\"damaged\",\"error\":\"checksum mismatch"),
        "{json}"
    );

    let (code, text) = dump(&DumpArgs {
        path: damaged,
        entries: true,
        ..DumpArgs::default()
    });
    assert_eq!(code, EXIT_DAMAGED, "{text}");
}

#[test]
fn damaged_footer_and_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_table(dir.path());
    let len = std::fs::metadata(&path).unwrap().len() as usize;
    let (code, text) = dump(&DumpArgs {
        path: damage(&path, len - 20),
        ..DumpArgs::default()
    });
    assert_eq!(code, EXIT_DAMAGED, "{text}");
    assert!(text.contains("DAMAGED:"), "{text}");
    let (code, text) = dump(&DumpArgs {
        path: dir.path().join("nope.sst"),
        ..DumpArgs::default()
    });
    assert_eq!(code, EXIT_ERROR, "{text}");
    assert!(text.contains("ERROR: I/O error"), "{text}");
}

#[test]
fn binary_exit_codes_for_good_and_damaged_tables() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_table(dir.path());
    let bin = env!("CARGO_BIN_EXE_sstable-dump");
    let good = Command::new(bin)
        .arg(&path)
        .args(["--verify", "--entries"])
        .output()
        .unwrap();
    assert_eq!(good.status.code(), Some(EXIT_OK));
    assert!(String::from_utf8_lossy(&good.stdout).contains("verify: OK"));
    let damaged = damage(&path, 10);
    let bad = Command::new(bin)
        .arg(&damaged)
        .arg("--verify")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(EXIT_DAMAGED));
    assert!(String::from_utf8_lossy(&bad.stdout).contains("DAMAGED"));
}
