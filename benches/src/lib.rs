//! Criterion benchmarks and peer comparisons for FerrisDB.
//!
//! The benchmarks live in `benches/benches/`; run them with
//! `cargo bench -p ferrisdb-benches`. This library holds the helpers they share and the
//! peer comparison of `cargo bench --bench compare` ([`compare`]).

#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod compare;
