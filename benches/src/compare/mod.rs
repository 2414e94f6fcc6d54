//! The peer comparison: FerrisDB, fjall and RocksDB under the same
//! workloads, each engine in its own process, in a randomized and
//! interleaved order, with medians and bootstrap confidence intervals.
//!
//! - [`engine`]: what an engine provides ([`Engine`], [`Opener`]) and the
//!   two profiles ([`Profile`]; [`EQUAL`] spells out the equal one);
//! - `ferrisdb.rs`, `fjall.rs`, `rocks.rs`: the three engines;
//! - [`record`]: one measured cell ([`Record`]);
//! - [`stats`]: medians and bootstrap confidence intervals of ratios;
//! - [`report`], [`summary`]: the CSVs, the Markdown summary and the A/B
//!   table made from the records;
//! - [`chart`]: the timeline of a cell as an SVG line chart.

pub mod chart;
pub mod engine;
mod ferrisdb;
pub mod record;
pub mod report;
pub mod stats;
pub mod summary;

pub use engine::{
    Engine, EqualSettings, OpenOptions, Opener, PeerError, PeerResult, Profile, EQUAL,
};
pub use ferrisdb::FerrisDbOpener;
pub use record::Record;
