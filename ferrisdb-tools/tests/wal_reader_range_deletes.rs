//! The wal-reader tool on a log holding range deletes: each shows its range,
//! `∞` for no end, in text, in hex and in JSON, and the summary counts them;
//! a log without any keeps its summary as it was.

use std::path::{Path, PathBuf};

use ferrisdb_storage::fs::os_file_system;
use ferrisdb_storage::internals::wal::{WalOptions, WalWriter};
use ferrisdb_storage::internals::write_batch::delete_range_to;
use ferrisdb_storage::WriteBatch;
use ferrisdb_tools::wal_reader::{run, WalReaderArgs, EXIT_OK};

/// Writes `batches` (timestamps 7, 8, ...) to `dir/000001.wal`, as a log
/// copied away from its database (no manifest names the keyspaces).
fn write_log(dir: &Path, batches: &[WriteBatch]) -> PathBuf {
    let writer = WalWriter::create(os_file_system(), dir, 1, WalOptions::default()).unwrap();
    for (ts, batch) in (7..).zip(batches) {
        writer.append(&[&batch.encode(ts)]).unwrap();
    }
    writer.close().unwrap();
    dir.join("000001.wal")
}

/// The worked example of `docs/format/wal.md`: `delete_range("a".."c")` and
/// `delete_prefix("\xff")`, then a batch of a put, a range delete in
/// keyspace 3 and a delete.
fn batches() -> Vec<WriteBatch> {
    let mut example = WriteBatch::new();
    example.delete_range("a".."c").delete_prefix([0xff]);
    let mut mixed = WriteBatch::new();
    mixed.put("k", "v");
    delete_range_to(&mut mixed, 3, b"m", Some(b"n\0"));
    mixed.delete("j");
    vec![example, mixed]
}

fn read(path: &Path, hex: bool, json: bool) -> String {
    let args = WalReaderArgs {
        path: path.to_path_buf(),
        hex,
        full: false,
        json,
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run(&args, &mut out, &mut err);
    let (out, err) = (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    );
    assert_eq!(code, EXIT_OK, "{out}{err}");
    out
}

#[test]
fn range_deletes_print_their_ranges_and_are_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write_log(tmp.path(), &batches());
    let out = read(&path, false, false);
    // The lines docs/format/wal.md shows for its worked example.
    assert!(
        out.contains("@24 ts=7 DELETE_RANGE ks=default range=[\"a\", \"c\")\n"),
        "{out}"
    );
    assert!(
        out.contains("@24 ts=7 DELETE_RANGE ks=default range=[\"\\xff\", ∞)\n"),
        "{out}"
    );
    assert!(
        out.contains(" ts=8 PUT ks=default key=\"k\" value=\"v\"\n"),
        "{out}"
    );
    assert!(
        out.contains(" ts=8 DELETE_RANGE ks=3 range=[\"m\", \"n\\x00\")\n"),
        "{out}"
    );
    assert!(out.contains(" ts=8 DELETE ks=default key=\"j\"\n"), "{out}");
    assert!(
        out.contains("records: 2, puts: 1, deletes: 1, range deletes: 3\n"),
        "{out}"
    );
    // Key sizes are those of the puts and deletes.
    assert!(
        out.contains("key sizes: min 1 avg 1.0 max 1 bytes"),
        "{out}"
    );

    let hex = read(&path, true, false);
    assert!(
        hex.contains("DELETE_RANGE ks=default range=[61, 63)"),
        "{hex}"
    );
    assert!(
        hex.contains("DELETE_RANGE ks=default range=[ff, ∞)"),
        "{hex}"
    );
}

#[test]
fn json_gives_a_range_delete_its_end_null_for_none() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write_log(tmp.path(), &batches());
    let out = read(&path, false, true);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{out}");
    let entries = &lines[0]["entries"];
    assert_eq!(entries[0]["op"], "DELETE_RANGE");
    assert_eq!(entries[0]["key"], "a");
    assert_eq!(entries[0]["end"], "c");
    assert_eq!(entries[1]["key"], "\\xff");
    assert!(entries[1]["end"].is_null(), "{}", entries[1]);
    assert!(entries[1].get("value").is_none(), "{}", entries[1]);
    let mixed = &lines[1]["entries"];
    assert!(
        mixed[0].get("end").is_none(),
        "a put has no end: {}",
        mixed[0]
    );
    assert_eq!(mixed[1]["keyspace"], 3);
    assert_eq!(mixed[1]["end"], "n\\x00");
    assert_eq!(lines[2]["summary"]["range_deletes"], 3);
}

#[test]
fn a_log_without_range_deletes_keeps_its_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write_log(tmp.path(), &[WriteBatch::new().put("k", "v").clone()]);
    let out = read(&path, false, false);
    assert!(out.contains("records: 1, puts: 1, deletes: 0\n"), "{out}");
    assert!(!out.contains("range deletes"), "{out}");
    let json = read(&path, false, true);
    assert!(json.contains("\"range_deletes\":0"), "{json}");
}
