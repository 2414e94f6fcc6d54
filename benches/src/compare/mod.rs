//! The peer comparison: FerrisDB, fjall and RocksDB under the same
//! workloads, each engine in its own process, in a randomized and
//! interleaved order, with medians and bootstrap confidence intervals.
//!
//! - [`engine`]: what an engine provides ([`Engine`], [`Opener`]) and the
//!   two profiles ([`Profile`]; [`EQUAL`] spells out the equal one);
//! - `ferrisdb.rs`, `fjall.rs`, `rocks.rs`: the three engines;
//! - [`record`]: one measured cell ([`Record`]);
//! - [`metrics`]: a process's CPU time, device writes and peak memory, and a
//!   directory's size;
//! - [`cgroup`]: the memory limit ([`cgroup::MemoryLimit`]) of a child
//!   process, page cache included.

pub mod cgroup;
pub mod engine;
mod ferrisdb;
pub mod metrics;
pub mod record;

pub use engine::{
    Engine, EqualSettings, OpenOptions, Opener, PeerError, PeerResult, Profile, EQUAL,
};
pub use ferrisdb::FerrisDbOpener;
pub use record::Record;
