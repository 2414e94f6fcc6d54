//! The wal-reader tool on a good, a truncated and a corrupt log, and on the
//! log of a database with keyspaces.

use std::path::{Path, PathBuf};
use std::process::Command;

use ferrisdb_storage::fs::os_file_system;
use ferrisdb_storage::internals::wal::{WalOptions, WalWriter};
use ferrisdb_storage::internals::write_batch::put_to;
use ferrisdb_storage::{StorageConfig, StorageEngine, WriteBatch};
use ferrisdb_tools::wal_reader::{
    run, WalReaderArgs, EXIT_CORRUPTION, EXIT_ERROR, EXIT_OK, EXIT_TORN_TAIL,
};

/// Writes three batches to `dir/000001.wal`; returns its path and the offset
/// just past each record.
fn write_log(dir: &Path) -> (PathBuf, Vec<u64>) {
    let writer = WalWriter::create(os_file_system(), dir, 1, WalOptions::default()).unwrap();
    let batches = [
        WriteBatch::new()
            .put("user:1", "ada")
            .put("user:2", "bob\n")
            .clone(),
        WriteBatch::new().delete("user:2").clone(),
        WriteBatch::new().put("blob", vec![0xffu8; 100]).clone(),
    ];
    let ends = (10..)
        .zip(&batches)
        .map(|(ts, b)| writer.append(&[&b.encode(ts)]).unwrap().offset)
        .collect();
    writer.close().unwrap();
    (dir.join("000001.wal"), ends)
}

fn args(path: &Path) -> WalReaderArgs {
    WalReaderArgs {
        path: path.to_path_buf(),
        hex: false,
        full: false,
        json: false,
    }
}

fn run_to_strings(args: &WalReaderArgs) -> (i32, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run(args, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[test]
fn a_good_log_prints_every_entry_and_a_clean_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let (path, _) = write_log(tmp.path());
    let (code, out, err) = run_to_strings(&args(&path));
    assert_eq!(code, EXIT_OK, "{out}{err}");
    assert!(err.is_empty());
    assert!(
        out.contains(r#"@24 ts=10 PUT ks=default key="user:1" value="ada""#),
        "{out}"
    );
    assert!(
        out.contains(r#"ts=10 PUT ks=default key="user:2" value="bob\x0a""#),
        "{out}"
    );
    assert!(
        out.contains(r#"ts=11 DELETE ks=default key="user:2""#),
        "{out}"
    );
    assert!(
        out.contains(r"...(100 bytes)"),
        "long values are shortened: {out}"
    );
    assert!(out.contains("records: 3, puts: 3, deletes: 1"), "{out}");
    assert!(
        out.contains("key sizes: min 4 avg 5.5 max 6 bytes"),
        "{out}"
    );
    assert!(out.contains("damage: none"), "{out}");

    // A directory is read file by file; --full and --hex change the values.
    let mut all = args(tmp.path());
    all.full = true;
    all.hex = true;
    let (code, out, _) = run_to_strings(&all);
    assert_eq!(code, EXIT_OK);
    assert!(out.contains(&"ff".repeat(100)), "{out}");
    assert!(out.contains("key=757365723a31 value=616461"), "{out}");
}

#[test]
fn json_output_is_one_object_per_record_and_a_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let (path, _) = write_log(tmp.path());
    let mut json = args(&path);
    json.json = true;
    let (code, out, _) = run_to_strings(&json);
    assert_eq!(code, EXIT_OK);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].starts_with(r#"{"file":""#), "{}", lines[0]);
    assert!(
        lines[0].ends_with(
            r#""offset":24,"timestamp":10,"count":2,"entries":[{"op":"PUT","keyspace":0,"keyspace_name":"default","keyspace_dropped":false,"key":"user:1","value":"ada"},{"op":"PUT","keyspace":0,"keyspace_name":"default","keyspace_dropped":false,"key":"user:2","value":"bob\\x0a"}]}"#
        ),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains(r#""entries":[{"op":"DELETE","keyspace":0,"keyspace_name":"default","keyspace_dropped":false,"key":"user:2"}]"#));
    assert!(
        lines[3].starts_with(r#"{"summary":{"files":1,"#),
        "{}",
        lines[3]
    );
    assert!(lines[3].contains(r#""records":3,"puts":3,"deletes":1"#));
    assert!(lines[3].ends_with(r#""damage":[]}}"#), "{}", lines[3]);
}

#[test]
fn the_zeros_a_synced_log_preallocated_are_shown_as_its_zero_tail() {
    let tmp = tempfile::tempdir().unwrap();
    let options = WalOptions {
        sync_mode: ferrisdb_storage::SyncMode::Full,
    };
    let writer = WalWriter::create(os_file_system(), tmp.path(), 1, options).unwrap();
    let end = writer
        .append(&[&WriteBatch::new().put("k", "v").encode(7)])
        .unwrap()
        .offset;
    // Dropped, not closed: the room the sync preallocated stays.
    drop(writer);
    let path = tmp.path().join("000001.wal");
    let len = std::fs::metadata(&path).unwrap().len();
    assert!(len > end, "the sync preallocated room");
    let (code, out, _) = run_to_strings(&args(&path));
    assert_eq!(
        code, EXIT_OK,
        "zeros past the records are not damage: {out}"
    );
    let zeros = len - end;
    // The figures `docs/format/wal.md` shows: 1 MiB of room past the record.
    assert_eq!((end, zeros), (49, 1 << 20));
    assert!(out.contains(&format!(", {len} bytes)")), "{out}");
    assert!(
        out.contains(&format!(
            "-- zero tail: {zeros} bytes of zeros from byte {end} "
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "bytes: {len} ({zeros} of them zeros past the records), records: 1"
        )),
        "{out}"
    );
    let mut json = args(&path);
    json.json = true;
    let (_, out, _) = run_to_strings(&json);
    assert!(
        out.contains(&format!(r#""zero_tail_bytes":{zeros},"#)),
        "{out}"
    );
}

/// Regression: a record that is not a valid batch counted the preallocated
/// zeros after it among the bytes it dropped (up to 1 MiB too many).
#[test]
fn bytes_dropped_at_an_invalid_batch_leave_out_the_zero_tail() {
    let tmp = tempfile::tempdir().unwrap();
    let options = WalOptions {
        sync_mode: ferrisdb_storage::SyncMode::Full,
    };
    let writer = WalWriter::create(os_file_system(), tmp.path(), 1, options).unwrap();
    let valid = WriteBatch::new().put("k", "v").encode(7);
    let first = writer.append(&[&valid]).unwrap().offset;
    // A batch cut short by a byte: intact fragments, a payload that is not a batch.
    let end = writer.append(&[&valid[..valid.len() - 1]]).unwrap().offset;
    drop(writer);
    let path = tmp.path().join("000001.wal");
    assert!(
        std::fs::metadata(&path).unwrap().len() > end,
        "preallocated"
    );
    let (_, out, err) = run_to_strings(&args(&path));
    let out = format!("{out}{err}");
    assert!(out.contains("not a valid batch"), "{out}");
    assert!(
        out.contains(&format!("({} bytes dropped)", end - first)),
        "{out}"
    );
}

#[test]
fn a_truncated_log_reports_a_torn_tail() {
    let tmp = tempfile::tempdir().unwrap();
    let (path, ends) = write_log(tmp.path());
    let data = std::fs::read(&path).unwrap();
    std::fs::write(&path, &data[..ends[2] as usize - 10]).unwrap();
    let (code, out, _) = run_to_strings(&args(&path));
    assert_eq!(code, EXIT_TORN_TAIL, "{out}");
    assert!(out.contains("records: 2,"), "{out}");
    let dropped = ends[2] - 10 - ends[1];
    assert!(
        out.contains(&format!("torn tail at byte {}", ends[1])),
        "{out}"
    );
    assert!(out.contains(&format!("({dropped} bytes dropped)")), "{out}");
}

#[test]
fn a_corrupt_log_reports_the_offset() {
    let tmp = tempfile::tempdir().unwrap();
    let (path, ends) = write_log(tmp.path());
    let mut data = std::fs::read(&path).unwrap();
    data[ends[0] as usize + 8] ^= 1;
    std::fs::write(&path, &data).unwrap();
    let (code, out, _) = run_to_strings(&args(&path));
    assert_eq!(code, EXIT_CORRUPTION, "{out}");
    assert!(out.contains("records: 1,"), "{out}");
    assert!(
        out.contains(&format!(
            "corruption at byte {}: checksum mismatch",
            ends[0]
        )),
        "{out}"
    );
}

#[test]
fn a_log_of_an_older_format_prints_its_batches() {
    // Written by commit 9b3ca9e, in WAL format version 2.
    let old = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../ferrisdb-storage/tests/fixtures/db-9b3ca9e/000006.wal");
    let (code, out, err) = run_to_strings(&args(&old));
    assert_eq!(code, EXIT_OK, "{out}{err}");
    assert!(
        out.contains(r#"PUT ks=default key="key0250" value="round 3 value"#),
        "{out}"
    );
    assert!(out.contains(r#"DELETE ks=default key="key0001""#), "{out}");
    assert!(out.contains("records: 71, puts: 70, deletes: 1"), "{out}");
}

#[test]
fn a_record_only_a_newer_version_reads_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let writer = WalWriter::create(os_file_system(), tmp.path(), 1, WalOptions::default()).unwrap();
    let mut payload = WriteBatch::new().put("k", "v").encode(1);
    payload[9] = 9; // the tag of the first entry, after a 9-byte header
    writer.append(&[&payload]).unwrap();
    writer.close().unwrap();
    let (code, out, err) = run_to_strings(&args(tmp.path()));
    assert_eq!(code, EXIT_ERROR, "{out}{err}");
    assert!(
        err.contains("unknown tag 9") && err.contains("needs a newer FerrisDB"),
        "{err}"
    );
    assert!(
        err.contains("000001.wal") && err.contains("record at byte 24"),
        "{err}"
    );
}

#[test]
fn missing_and_foreign_files_are_one_line_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, out, err) = run_to_strings(&args(&tmp.path().join("nope.wal")));
    assert_eq!(code, EXIT_ERROR);
    assert!(out.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("nope.wal"), "{err}");

    let foreign = tmp.path().join("notes.txt");
    std::fs::write(&foreign, "these are not the bytes you are looking for").unwrap();
    let (code, _, err) = run_to_strings(&args(&foreign));
    assert_eq!(code, EXIT_ERROR);
    assert!(err.contains("not a FerrisDB WAL file"), "{err}");

    let (code, _, err) = run_to_strings(&args(tmp.path()));
    assert_eq!(code, EXIT_ERROR, "a directory without WAL files");
    assert!(err.contains("no WAL files"), "{err}");
}

#[test]
fn the_binary_exits_with_the_documented_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let (path, ends) = write_log(tmp.path());
    let bin = env!("CARGO_BIN_EXE_wal-reader");

    let output = Command::new(bin).arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(EXIT_OK));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("damage: none"), "{stdout}");

    // The default path is ./data.
    std::fs::create_dir(tmp.path().join("data")).unwrap();
    std::fs::copy(&path, tmp.path().join("data/000001.wal")).unwrap();
    let output = Command::new(bin).current_dir(tmp.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(EXIT_OK));

    let data = std::fs::read(&path).unwrap();
    std::fs::write(&path, &data[..ends[1] as usize + 3]).unwrap();
    let output = Command::new(bin).arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(EXIT_TORN_TAIL));

    let output = Command::new(bin)
        .arg(tmp.path().join("missing"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(EXIT_ERROR));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A database with `users` and `log`, written in one batch with `default`,
/// then `log` dropped before anything was flushed: its entries stay in the
/// log. Returns the id `log` had.
fn write_keyspaces(dir: &Path) -> u32 {
    let db = StorageEngine::open(StorageConfig::new(dir)).unwrap();
    let users = db.keyspace("users").unwrap();
    let log = db.keyspace("log").unwrap();
    let mut batch = WriteBatch::new();
    batch
        .put_in(&users, "u:1", "ada")
        .delete_in(&log, "e:9")
        .put("d", "in default");
    db.write(batch).unwrap();
    log.put("e:10", "started").unwrap();
    let log_id = db
        .stats()
        .keyspaces
        .iter()
        .find(|k| k.name == "log")
        .unwrap()
        .id;
    db.drop_keyspace("log").unwrap();
    db.close().unwrap();
    log_id
}

#[test]
fn entries_show_their_keyspace_named_by_the_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let log = write_keyspaces(tmp.path());
    let (code, out, err) = run_to_strings(&args(tmp.path()));
    assert_eq!(code, EXIT_OK, "{out}{err}");
    assert!(err.is_empty(), "{err}");
    let entries: Vec<&str> = out.lines().filter(|l| l.starts_with('@')).collect();
    assert_eq!(entries.len(), 4, "{out}");
    assert!(
        entries[0].ends_with(r#" PUT ks=users key="u:1" value="ada""#),
        "{out}"
    );
    assert!(
        entries[1].ends_with(&format!(r#" DELETE ks={log} (dropped) key="e:9""#)),
        "{out}"
    );
    assert!(
        entries[2].ends_with(r#" PUT ks=default key="d" value="in default""#),
        "{out}"
    );
    assert!(
        entries[3].ends_with(&format!(
            r#" PUT ks={log} (dropped) key="e:10" value="started""#
        )),
        "{out}"
    );

    let mut json = args(tmp.path());
    json.json = true;
    let (code, out, _) = run_to_strings(&json);
    assert_eq!(code, EXIT_OK, "{out}");
    let first = out.lines().next().unwrap();
    assert!(
        first.contains(&format!(
            r#""entries":[{{"op":"PUT","keyspace":1,"keyspace_name":"users","keyspace_dropped":false,"key":"u:1","value":"ada"}},{{"op":"DELETE","keyspace":{log},"keyspace_name":null,"keyspace_dropped":true,"key":"e:9"}},{{"op":"PUT","keyspace":0,"keyspace_name":"default","#
        )),
        "{first}"
    );
}

#[test]
fn a_log_without_its_manifest_shows_keyspace_ids() {
    let tmp = tempfile::tempdir().unwrap();
    let writer = WalWriter::create(os_file_system(), tmp.path(), 1, WalOptions::default()).unwrap();
    let mut batch = WriteBatch::new();
    put_to(&mut batch, 5, b"k", b"v").put("d", "w");
    writer.append(&[&batch.encode(1)]).unwrap();
    writer.close().unwrap();
    for path in [tmp.path().to_path_buf(), tmp.path().join("000001.wal")] {
        let (code, out, err) = run_to_strings(&args(&path));
        assert_eq!(code, EXIT_OK, "{out}{err}");
        assert!(err.is_empty(), "{err}");
        assert!(
            out.contains(r#"@24 ts=1 PUT ks=5 key="k" value="v""#),
            "{out}"
        );
        assert!(
            out.contains(r#"@24 ts=1 PUT ks=default key="d" value="w""#),
            "{out}"
        );
    }
    let mut json = args(tmp.path());
    json.json = true;
    let (_, out, _) = run_to_strings(&json);
    assert!(
        out.contains(r#"{"op":"PUT","keyspace":5,"keyspace_name":null,"keyspace_dropped":false,"key":"k","value":"v"}"#),
        "{out}"
    );

    // A manifest that does not load leaves the ids unnamed, and says why.
    std::fs::write(tmp.path().join("MANIFEST"), b"not a manifest").unwrap();
    let (code, out, err) = run_to_strings(&args(tmp.path()));
    assert_eq!(code, EXIT_OK, "{out}{err}");
    assert!(out.contains(" PUT ks=5 key="), "{out}");
    assert!(
        err.contains("keyspace names are unknown") && err.contains("MANIFEST"),
        "{err}"
    );
}
