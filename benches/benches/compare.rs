//! FerrisDB against its peers, the same workloads in one run:
//!
//! ```text
//! cargo bench -p ferrisdb-benches --bench compare -- --num 1000000
//! cargo bench -p ferrisdb-benches --bench compare --features rocksdb -- --num 1000000
//! ```
//!
//! Engines run one after another, FerrisDB first, then fjall, then RocksDB
//! (with the `rocksdb` feature), each through the suite of
//! `ferrisdb_benches::compare::run_suite` in fresh directories under
//! `--dir` (default `target/compare/db` of the workspace). Prints a table of ops/s and the
//! ratio FerrisDB / best peer, and writes `results.csv`, `results.md` and
//! `results.svg` to `--out` (default the workspace's `target/compare`).
//!
//! Flags: `--num N` (default 1,000,000), `--key_size N` (16),
//! `--value_size N` (100), `--sync_threads N` (8), `--engines a,b`
//! (`ferrisdb,fjall[,rocksdb]`), `--dir PATH`, `--out PATH`. Both
//! `--flag value` and `--flag=value` work.

use std::path::{Path, PathBuf};

use ferrisdb_benches::compare::{
    group_digits, run_suite, Engine, FerrisDbOpener, Opener, PeerResult, SuiteConfig, Table,
    BLOOM_BITS, CACHE_SIZE, MEMTABLE_SIZE,
};

/// fjall 2: one keyspace, one partition. Its journal is on; without
/// `manual_journal_persist` every insert is written to the OS before it
/// returns (`PersistMode::Buffer`), FerrisDB's `SyncMode::Normal`; with
/// `sync`, each insert is followed by `persist(PersistMode::SyncData)`.
struct FjallOpener;

struct Fjall {
    keyspace: fjall::Keyspace,
    partition: fjall::PartitionHandle,
    sync: bool,
}

impl Opener for FjallOpener {
    fn name(&self) -> &'static str {
        "fjall"
    }

    fn open(&self, dir: &Path, sync: bool) -> PeerResult<Box<dyn Engine>> {
        let keyspace = fjall::Config::new(dir)
            .cache_size(CACHE_SIZE as u64)
            .open()?;
        let options = fjall::PartitionCreateOptions::default()
            .compression(fjall::CompressionType::None)
            .max_memtable_size(MEMTABLE_SIZE as u32)
            .bloom_filter_bits(Some(BLOOM_BITS as u8));
        let partition = keyspace.open_partition("default", options)?;
        Ok(Box::new(Fjall {
            keyspace,
            partition,
            sync,
        }))
    }
}

impl Engine for Fjall {
    fn put(&self, key: &[u8], value: &[u8]) -> PeerResult<()> {
        self.partition.insert(key, value)?;
        if self.sync {
            self.keyspace.persist(fjall::PersistMode::SyncData)?;
        }
        Ok(())
    }

    fn get(&self, key: &[u8]) -> PeerResult<Option<usize>> {
        Ok(self.partition.get(key)?.map(|v| v.len()))
    }

    fn scan(&self, limit: u64) -> PeerResult<(u64, u64)> {
        let (mut entries, mut bytes) = (0, 0);
        for item in self.partition.iter().take(limit as usize) {
            let (k, v) = item?;
            entries += 1;
            bytes += (k.len() + v.len()) as u64;
        }
        Ok((entries, bytes))
    }

    fn close(self: Box<Self>) -> PeerResult<()> {
        self.keyspace.persist(fjall::PersistMode::SyncAll)?;
        Ok(())
    }
}

/// RocksDB through the `rocksdb` crate: WAL on, `sync` per write only for
/// fillsync, no compression, 64 MiB write buffers, a 64 MiB LRU block cache
/// and 10-bit bloom filters.
#[cfg(feature = "rocksdb")]
mod rocks {
    use super::*;

    pub struct RocksOpener;

    struct Rocks {
        db: rocksdb::DB,
        write: rocksdb::WriteOptions,
    }

    impl Opener for RocksOpener {
        fn name(&self) -> &'static str {
            "rocksdb"
        }

        fn open(&self, dir: &Path, sync: bool) -> PeerResult<Box<dyn Engine>> {
            let mut table = rocksdb::BlockBasedOptions::default();
            table.set_block_cache(&rocksdb::Cache::new_lru_cache(CACHE_SIZE));
            table.set_bloom_filter(BLOOM_BITS as f64, false);
            let mut options = rocksdb::Options::default();
            options.create_if_missing(true);
            options.set_compression_type(rocksdb::DBCompressionType::None);
            options.set_write_buffer_size(MEMTABLE_SIZE);
            options.set_block_based_table_factory(&table);
            let db = rocksdb::DB::open(&options, dir)?;
            let mut write = rocksdb::WriteOptions::default();
            write.set_sync(sync);
            Ok(Box::new(Rocks { db, write }))
        }
    }

    impl Engine for Rocks {
        fn put(&self, key: &[u8], value: &[u8]) -> PeerResult<()> {
            self.db.put_opt(key, value, &self.write)?;
            Ok(())
        }

        fn get(&self, key: &[u8]) -> PeerResult<Option<usize>> {
            Ok(self.db.get_pinned(key)?.map(|v| v.len()))
        }

        fn scan(&self, limit: u64) -> PeerResult<(u64, u64)> {
            let (mut entries, mut bytes) = (0, 0);
            for item in self
                .db
                .iterator(rocksdb::IteratorMode::Start)
                .take(limit as usize)
            {
                let (k, v) = item?;
                entries += 1;
                bytes += (k.len() + v.len()) as u64;
            }
            Ok((entries, bytes))
        }

        fn close(self: Box<Self>) -> PeerResult<()> {
            self.db.flush_wal(true)?;
            Ok(())
        }
    }
}

struct Flags {
    suite: SuiteConfig,
    engines: Vec<String>,
    out: PathBuf,
}

fn parse_flags() -> Result<Flags, String> {
    let mut suite = SuiteConfig {
        num: 1_000_000,
        key_size: 16,
        value_size: 100,
        sync_threads: 8,
        root: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/compare/db")),
    };
    let mut engines = vec!["ferrisdb".to_string(), "fjall".to_string()];
    if cfg!(feature = "rocksdb") {
        engines.push("rocksdb".into());
    }
    let mut out = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/compare"));
    let mut argv = std::env::args().skip(1);
    while let Some(arg) = argv.next() {
        // `cargo bench` passes `--bench` to every bench target.
        if arg == "--bench" {
            continue;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| argv.next())
                .ok_or_else(|| format!("compare: {flag} needs a value"))
        };
        let number = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("compare: {flag}: '{v}' is not a number"))
        };
        match flag.as_str() {
            "--num" => suite.num = number(value()?)?,
            "--key_size" => suite.key_size = number(value()?)? as usize,
            "--value_size" => suite.value_size = number(value()?)? as usize,
            "--sync_threads" => suite.sync_threads = number(value()?)?.max(1) as usize,
            "--dir" => suite.root = PathBuf::from(value()?),
            "--out" => out = PathBuf::from(value()?),
            "--engines" => engines = value()?.split(',').map(str::to_string).collect(),
            _ => return Err(format!("compare: unknown flag '{flag}'")),
        }
    }
    Ok(Flags {
        suite,
        engines,
        out,
    })
}

fn opener(name: &str) -> Result<Box<dyn Opener>, String> {
    match name {
        "ferrisdb" => Ok(Box::new(FerrisDbOpener)),
        "fjall" => Ok(Box::new(FjallOpener)),
        #[cfg(feature = "rocksdb")]
        "rocksdb" => Ok(Box::new(rocks::RocksOpener)),
        #[cfg(not(feature = "rocksdb"))]
        "rocksdb" => Err("compare: rocksdb needs `--features rocksdb`".into()),
        other => Err(format!("compare: unknown engine '{other}'")),
    }
}

fn run() -> Result<(), String> {
    let flags = parse_flags()?;
    let openers = flags
        .engines
        .iter()
        .map(|e| opener(e))
        .collect::<Result<Vec<_>, _>>()?;
    std::fs::create_dir_all(&flags.suite.root).map_err(|e| e.to_string())?;
    println!(
        "compare: {} entries, {}-byte keys, {}-byte values, WAL on, no sync (fillsync: sync), \
         no compression; engines {}",
        flags.suite.num,
        flags.suite.key_size,
        flags.suite.value_size,
        flags.engines.join(", ")
    );
    let mut all = Vec::new();
    for opener in &openers {
        let results = run_suite(opener.as_ref(), &flags.suite, &mut |m| {
            println!(
                "{:<9} {:<12} : {:>12} ops/sec ({} ops in {:.3} s) {}",
                m.engine,
                m.workload,
                group_digits(m.ops_per_sec() as u64),
                m.ops,
                m.elapsed.as_secs_f64(),
                m.note
            );
        })
        .map_err(|e| format!("compare: {}: {e}", opener.name()))?;
        all.extend(results);
    }
    let names: Vec<&str> = flags.engines.iter().map(String::as_str).collect();
    let table = Table::new(&names, &all);
    println!();
    print!("{}", table.to_markdown());
    std::fs::create_dir_all(&flags.out).map_err(|e| e.to_string())?;
    for (file, text) in [
        ("results.csv", table.to_csv()),
        ("results.md", table.to_markdown()),
        ("results.svg", table.to_svg()),
    ] {
        let path = flags.out.join(file);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

fn main() {
    if let Err(message) = run() {
        eprintln!("{message}");
        std::process::exit(1);
    }
}
