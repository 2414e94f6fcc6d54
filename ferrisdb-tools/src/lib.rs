//! Command-line tools for inspecting and measuring FerrisDB.
//!
//! Each binary in `src/bin/` is a thin `main` that parses its flags and calls a
//! function of this library, so the tools' logic is tested like any other code.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod bench;
pub mod cli;
pub mod render;
pub mod sstable_dump;
pub mod stress;
pub mod wal_reader;
