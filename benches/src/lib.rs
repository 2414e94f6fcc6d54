//! Criterion benchmarks and the peer comparison of FerrisDB.
//!
//! The criterion benchmarks live in `benches/benches/`; run them with
//! `cargo bench -p ferrisdb-benches`. The peer comparison ([`compare`]) is
//! the `ferrisdb-compare` binary: FerrisDB, fjall and RocksDB under the same
//! workloads, each in its own process, in a shuffled, interleaved order,
//! with medians and bootstrap confidence intervals. Run it with
//! `benches/run-comparison.sh small|large`, and compare two commits of
//! FerrisDB with `benches/ab.sh A B`. See `docs/performance.md`.

// The crate denies unsafe code; `compare::metrics` alone allows it, for
// `getrusage`.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod compare;
