//! The peer comparison: FerrisDB, fjall and RocksDB under the same
//! workloads, each engine in its own process, in a randomized and
//! interleaved order, with medians and bootstrap confidence intervals.
//!
//! - [`engine`]: what an engine provides ([`Engine`], [`Opener`]) and the
//!   two profiles ([`Profile`]; [`EQUAL`] spells out the equal one);
//! - `ferrisdb.rs`, `fjall.rs`, `rocks.rs`: the three engines;
//! - [`record`]: one measured cell ([`Record`]).

pub mod engine;
mod ferrisdb;
mod fjall;
pub mod record;
#[cfg(feature = "rocksdb")]
mod rocks;

pub use self::fjall::FjallOpener;
pub use engine::{
    Engine, EqualSettings, OpenOptions, Opener, PeerError, PeerResult, Profile, EQUAL,
};
pub use ferrisdb::FerrisDbOpener;
pub use record::Record;
#[cfg(feature = "rocksdb")]
pub use rocks::RocksOpener;
