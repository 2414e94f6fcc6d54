//! Regression, found by the adversarial review of issue 14 (recovery modes): the scan for records after damage
//! costs quadratic work on a crafted log.
//!
//! After damage, `WalReader` tries every byte offset to the end of the file
//! and, at each one holding a CRC-valid FULL or FIRST fragment, reads the
//! whole record that starts there; when that record turns out broken it
//! moves on by one byte. FIRST fragments can nest (a fragment's header may lie
//! inside the data of the one before it, since a fragment's CRC is stored
//! outside its data), so one block can hold thousands of valid FIRST
//! fragments, each followed by the same chain of MIDDLE fragments to the end
//! of the file. Every one of them re-reads and re-checksums the whole chain:
//! work grows with (fragments per block) x (blocks)^2. A crafted log of a
//! few MiB keeps `open` busy for hours; the format spec claims "at most one
//! block is scanned byte by byte".
//!
//! The failing test counts the bytes the reader reads (a deterministic proxy
//! for its work) on a crafted log of a few blocks. Set
//! `FERRISDB_WAL_SCAN_MIB=64` (with `--release --nocapture`) to time the
//! scan on 64 MiB garbage logs of several kinds and crafted logs of
//! growing size.

mod wrapped_fs;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem, RandomAccessFile};
use ferrisdb_storage::internals::wal::format::{BLOCK_SIZE, FILE_HEADER_SIZE};
use ferrisdb_storage::internals::wal::{RecoveryMode, WalHeader, WalReader};
use ferrisdb_storage::Result;
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use wrapped_fs::WrappedFs;

const TYPE_FIRST: u8 = 2;
const TYPE_MIDDLE: u8 = 3;

/// A file that counts the bytes read from it.
#[derive(Debug)]
struct CountingFile {
    inner: Box<dyn RandomAccessFile>,
    read: Arc<AtomicU64>,
}

impl RandomAccessFile for CountingFile {
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        self.read.fetch_add(buf.len() as u64, Ordering::Relaxed);
        self.inner.read_exact_at(offset, buf)
    }
    fn len(&self) -> u64 {
        self.inner.len()
    }
    fn path(&self) -> &Path {
        self.inner.path()
    }
}

fn path() -> PathBuf {
    PathBuf::from("/db/000001.wal")
}

fn store(fs: &WrappedFs, bytes: &[u8]) {
    fs.create_dir_all(Path::new("/db")).unwrap();
    let mut file = fs.create(&path()).unwrap();
    file.append(bytes).unwrap();
    file.sync().unwrap();
}

fn put_fragment_header(bytes: &mut [u8], at: usize, end: usize, kind: u8) {
    let length = u16::try_from(end - at - 7).unwrap();
    bytes[at + 4..at + 6].copy_from_slice(&length.to_le_bytes());
    bytes[at + 6] = kind;
}

fn put_fragment_crc(bytes: &mut [u8], at: usize, end: usize) {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&bytes[at + 6..end]); // the type byte, then the data
    let crc = hasher.finalize();
    bytes[at..at + 4].copy_from_slice(&crc.to_le_bytes());
}

/// A log of `blocks` blocks, each one MIDDLE fragment filling the block,
/// whose data holds `firsts` nested FIRST fragments (7 bytes apart, each
/// reaching the block's end). Every fragment checks out; no record ends.
fn nested_log(blocks: usize, firsts: usize) -> Vec<u8> {
    let mut bytes = vec![0xab; blocks * BLOCK_SIZE];
    bytes[..FILE_HEADER_SIZE].copy_from_slice(&WalHeader::new(1).encode());
    for block in 0..blocks {
        let start = if block == 0 {
            FILE_HEADER_SIZE
        } else {
            block * BLOCK_SIZE
        };
        let end = (block + 1) * BLOCK_SIZE;
        let inner: Vec<usize> = (1..=firsts)
            .map(|j| start + 7 * j)
            .take_while(|&p| p + 8 <= end)
            .collect();
        put_fragment_header(&mut bytes, start, end, TYPE_MIDDLE);
        for &p in &inner {
            put_fragment_header(&mut bytes, p, end, TYPE_FIRST);
        }
        // Innermost first: an outer fragment's data holds the inner headers.
        for &p in inner.iter().rev() {
            put_fragment_crc(&mut bytes, p, end);
        }
        put_fragment_crc(&mut bytes, start, end);
    }
    bytes
}

/// Reads the log in `mode` to its end; returns the bytes read and the time.
fn scan(bytes: &[u8]) -> (u64, std::time::Duration) {
    let read = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&read);
    let fs = WrappedFs {
        opened: Box::new(move |inner| {
            Box::new(CountingFile {
                inner,
                read: Arc::clone(&counter),
            })
        }),
        ..WrappedFs::new(FaultFileSystem::new())
    };
    store(&fs, bytes);
    let started = Instant::now();
    let mut reader = WalReader::open(&fs, &path(), RecoveryMode::PointInTimeRecovery).unwrap();
    assert_eq!(reader.by_ref().count(), 0);
    assert!(reader.damage().is_some());
    (read.load(Ordering::Relaxed), started.elapsed())
}

#[test]
fn reading_a_damaged_log_reads_each_byte_a_bounded_number_of_times() {
    // Three blocks, 64 nested FIRST fragments in each: a 96 KiB file.
    let bytes = nested_log(3, 64);
    let (read, _) = scan(&bytes);
    let len = bytes.len() as u64;
    assert!(
        read <= 4 * len,
        "reading a {len}-byte log read {read} bytes ({}x the file); with all 4680 \
         fragments a block holds, and more blocks, the work grows quadratically",
        read / len
    );
}

/// Times the scan; run with `FERRISDB_WAL_SCAN_MIB=64 cargo test --release
/// -p ferrisdb-storage --test regression_scan_after_damage_quadratic -- --nocapture`.
#[test]
fn measure_the_scan_when_asked() {
    let Some(mib) = std::env::var("FERRISDB_WAL_SCAN_MIB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    else {
        return;
    };
    let size = mib << 20;
    let header = WalHeader::new(1).encode();
    let garbage = |fill: &dyn Fn(&mut [u8])| {
        let mut bytes = vec![0u8; size];
        fill(&mut bytes[FILE_HEADER_SIZE..]);
        bytes[..FILE_HEADER_SIZE].copy_from_slice(&header);
        bytes
    };
    let kinds: Vec<(&str, Vec<u8>)> = vec![
        ("zeros", garbage(&|b| b.fill(0))),
        (
            "random bytes",
            garbage(&|b| StdRng::seed_from_u64(1).fill_bytes(b)),
        ),
        (
            "bytes 0x01 (length 257, type FULL everywhere)",
            garbage(&|b| b.fill(1)),
        ),
        (
            "pattern 00 40 01 (length 16384, type FULL every 3rd byte)",
            garbage(&|b| {
                for (i, x) in b.iter_mut().enumerate() {
                    *x = [0x00, 0x40, 0x01][i % 3];
                }
            }),
        ),
    ];
    for (name, bytes) in kinds {
        let (read, took) = scan(&bytes);
        eprintln!(
            "{mib} MiB of {name}: {:.2} s, {} MiB read",
            took.as_secs_f64(),
            read >> 20
        );
    }
    for blocks in [2usize, 4, 8, 16, 32] {
        let bytes = nested_log(blocks, usize::MAX);
        let (read, took) = scan(&bytes);
        eprintln!(
            "crafted nested log of {blocks} blocks ({} KiB): {:.2} s, {} MiB read",
            bytes.len() >> 10,
            took.as_secs_f64(),
            read >> 20
        );
    }
}
