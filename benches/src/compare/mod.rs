//! The peer comparison: FerrisDB, fjall and RocksDB under the same
//! workloads, each engine in its own process, in a shuffled and
//! interleaved order, with medians and bootstrap confidence intervals.
//!
//! - [`engine`]: what an engine provides ([`Engine`], [`Opener`]) and the
//!   two profiles ([`Profile`]; [`EQUAL`] spells out the equal one);
//!   `ferrisdb.rs`, `fjall.rs` and `rocks.rs` are the three engines;
//! - [`workloads`]: the workloads, grouped by the database they share;
//! - [`metrics`]: CPU, device writes, memory and disk space of the process;
//!   [`cgroup`]: the memory limit of the large scale;
//! - [`record`]: one measured cell ([`Record`]);
//! - [`child`]: one process of the suite; [`driver`]: the plan and the
//!   processes; [`cli`]: the command line of `ferrisdb-compare`;
//! - [`stats`]: medians and bootstrap intervals; [`report`]: the CSV and
//!   the A/B table; [`summary`]: the Markdown summary; [`chart`]: the
//!   throughput timelines as SVG.

pub mod cgroup;
pub mod chart;
pub mod child;
pub mod cli;
pub mod driver;
pub mod engine;
mod ferrisdb;
mod fjall;
pub mod metrics;
pub mod record;
pub mod report;
#[cfg(feature = "rocksdb")]
mod rocks;
pub mod stats;
pub mod summary;
pub mod workloads;

pub use engine::{
    Engine, EqualSettings, OpenOptions, Opener, PeerError, PeerResult, Profile, EQUAL,
};
pub use ferrisdb::FerrisDbOpener;
pub use fjall::FjallOpener;
pub use record::Record;
#[cfg(feature = "rocksdb")]
pub use rocks::RocksOpener;

/// The engine called `name`.
///
/// # Errors
/// An unknown name, or `rocksdb` in a build without the `rocksdb` feature.
pub fn opener(name: &str) -> PeerResult<Box<dyn Opener>> {
    match name {
        "ferrisdb" => Ok(Box::new(FerrisDbOpener)),
        "fjall" => Ok(Box::new(FjallOpener)),
        #[cfg(feature = "rocksdb")]
        "rocksdb" => Ok(Box::new(RocksOpener)),
        #[cfg(not(feature = "rocksdb"))]
        "rocksdb" => Err("rocksdb needs a build with `--features rocksdb` \
                          (benches/run-comparison.sh does that)"
            .into()),
        other => Err(format!("unknown engine '{other}': use ferrisdb, fjall or rocksdb").into()),
    }
}
