//! A table whose properties end in a crafted extension, with its checksums
//! and footer made consistent as a later FerrisDB (or an attacker) would
//! write them, is refused when opened, naming the table and the offset: an
//! unknown tag as a newer format, anything else that breaks the extension
//! grammar as damage. A well-formed keyspace extension reads back.

use std::path::Path;
use std::sync::Arc;

use ferrisdb_core::{Error, Unsupported};
use ferrisdb_storage::fs::{FaultFileSystem, FileSystem, SharedFileSystem};
use ferrisdb_storage::internals::sstable::{TableBuilder, TableOptions, TableReader};
use ferrisdb_storage::{CompressionType, Operation};

const TABLE: &str = "/db/000007.sst";
const FOOTER_LEN: usize = 64;
/// Where the footer holds the properties block's handle (offset, size).
const PROPERTIES_HANDLE: usize = 32;

fn file_system() -> SharedFileSystem {
    let fs = FaultFileSystem::new();
    fs.create_dir_all(Path::new("/db")).unwrap();
    Arc::new(fs)
}

/// The bytes of a default-keyspace table of three entries.
fn default_table(fs: &SharedFileSystem) -> Vec<u8> {
    let options = TableOptions {
        compression: CompressionType::None,
        ..TableOptions::default()
    };
    let mut w = TableBuilder::create(Arc::clone(fs), TABLE, options).unwrap();
    w.add_parts(b"apple", 2, Operation::Put, b"red").unwrap();
    w.add_parts(b"apple", 1, Operation::Delete, b"").unwrap();
    w.add_parts(b"apricot", 5, Operation::Put, b"ok").unwrap();
    w.finish().unwrap();
    fs.read_all(Path::new(TABLE)).unwrap()
}

fn fixed64(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())
}

/// `table` with `extension` appended to its properties block (the last block
/// before the footer), and the block's checksum and the footer rewritten to
/// match. Returns the bytes and the offset in the file where the extension
/// starts.
fn with_extension(table: &[u8], extension: &[u8]) -> (Vec<u8>, u64) {
    let footer = &table[table.len() - FOOTER_LEN..];
    let offset = fixed64(footer, PROPERTIES_HANDLE);
    let size = fixed64(footer, PROPERTIES_HANDLE + 8);
    let (start, end) = (offset as usize, (offset + size) as usize);
    let mut out = table[..end].to_vec();
    out.extend_from_slice(extension);
    // The trailer: compression none, then the CRC32 of contents and that byte.
    out.push(0);
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_le_bytes());
    let mut new_footer = footer[..FOOTER_LEN - 4].to_vec();
    let new_size = size + extension.len() as u64;
    new_footer[PROPERTIES_HANDLE + 8..PROPERTIES_HANDLE + 16]
        .copy_from_slice(&new_size.to_le_bytes());
    let crc = crc32fast::hash(&new_footer);
    new_footer.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&new_footer);
    (out, end as u64)
}

fn open(fs: &SharedFileSystem, bytes: &[u8]) -> ferrisdb_core::Result<Arc<TableReader>> {
    let path = Path::new(TABLE);
    let mut file = fs.create(path).unwrap();
    file.append(bytes).unwrap();
    file.sync().unwrap();
    drop(file);
    TableReader::open(fs, path, None)
}

/// Opening `table` with `extension` fails as damage at `extension_start +
/// at`, for `reason`.
fn refused_as_damage(fs: &SharedFileSystem, table: &[u8], extension: &[u8], at: u64, reason: &str) {
    let (bytes, start) = with_extension(table, extension);
    match open(fs, &bytes) {
        Err(Error::Corruption {
            file,
            offset,
            reason: got,
        }) => {
            assert_eq!(file, Path::new(TABLE));
            assert_eq!(offset, start + at, "{extension:02x?}: {got}");
            assert!(got.contains(reason), "{extension:02x?}: {got}");
        }
        other => panic!("{extension:02x?}: expected corruption, got {other:?}"),
    }
}

#[test]
fn a_crafted_keyspace_extension_reads_back_and_its_absence_is_default() {
    let fs = file_system();
    let table = default_table(&fs);
    assert_eq!(open(&fs, &table).unwrap().properties().keyspace, 0);
    let (bytes, _) = with_extension(&table, &[0x01, 0x02, 0xac, 0x02]);
    let reader = open(&fs, &bytes).unwrap();
    assert_eq!(reader.properties().keyspace, 300);
    assert_eq!(reader.get(b"apricot", 9).unwrap().unwrap().value, b"ok"[..]);
}

#[test]
fn an_unknown_tag_is_a_newer_format_naming_the_table() {
    let fs = file_system();
    let table = default_table(&fs);
    for (extension, at) in [
        (&[0x03, 0x00][..], 0),
        (&[0x01, 0x01, 0x01, 0x07, 0x01, 0x00], 3),
    ] {
        let (bytes, start) = with_extension(&table, extension);
        let err = open(&fs, &bytes).unwrap_err();
        assert!(!err.is_corruption(), "{err}");
        assert!(err.to_string().contains("is not damaged"), "{err}");
        match err {
            Error::UnsupportedFormat {
                file,
                unsupported: Unsupported::Record { offset, what },
            } => {
                assert_eq!(file, Path::new(TABLE));
                assert_eq!(offset, start + at);
                assert!(what.contains("a table property of tag"), "{what}");
            }
            other => panic!("expected an unsupported format, got {other:?}"),
        }
    }
}

#[test]
fn a_zero_repeated_unordered_or_misfit_extension_is_damage_at_its_offset() {
    let fs = file_system();
    let table = default_table(&fs);
    refused_as_damage(&fs, &table, &[0x01, 0x01, 0x00], 2, "id 0");
    refused_as_damage(
        &fs,
        &table,
        &[0x01, 0x01, 0x05, 0x01, 0x01, 0x06],
        3,
        "follows tag 1",
    );
    refused_as_damage(
        &fs,
        &table,
        &[0x01, 0x01, 0x05, 0x00, 0x00],
        3,
        "tag 0 follows",
    );
    refused_as_damage(
        &fs,
        &table,
        &[0x01, 0x02, 0x05, 0x00],
        3,
        "its id ends after 1",
    );
    refused_as_damage(
        &fs,
        &table,
        &[0x01, 0x01, 0xac, 0x02],
        2,
        "truncated varint",
    );
    refused_as_damage(
        &fs,
        &table,
        &[0x01, 0x09, 0x05],
        2,
        "truncated property extension",
    );
}

#[test]
fn every_cut_of_a_keyspace_extension_is_damage() {
    let fs = file_system();
    let table = default_table(&fs);
    let extension = [0x01, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f];
    let (bytes, _) = with_extension(&table, &extension);
    assert_eq!(open(&fs, &bytes).unwrap().properties().keyspace, u32::MAX);
    for cut in 1..extension.len() {
        let (bytes, _) = with_extension(&table, &extension[..cut]);
        let err = open(&fs, &bytes).unwrap_err();
        assert!(
            matches!(err, Error::Corruption { ref file, .. } if file == Path::new(TABLE)),
            "cut {cut}: {err}"
        );
    }
}
