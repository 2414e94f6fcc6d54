//! Command-line tools for inspecting and measuring FerrisDB.
//!
//! Each binary in `src/bin/` is a thin `main` that parses its flags and calls a
//! function of this library, so the tools' logic is tested like any other code.
//!
//! - `ferrisdb` ([`cli`]): the administration tool for a whole database:
//!   look inside, verify, repair, checkpoint, dump and load. The
//!   [operations guide][operations] walks through it.
//! - `wal-reader` ([`wal_reader`]) and `sstable-dump` ([`sstable_dump`]):
//!   print the records of log files and what a table holds, and check them;
//!   the [write-ahead log][format-wal] and [SSTable][format-sstable] formats
//!   say what they show.
//! - `ferrisdb-bench` ([`bench`](mod@bench)): `db_bench`'s workloads and flags on
//!   FerrisDB. [Performance][performance] gives its figures and method,
//!   [tuning][tuning] a command per setting.
//! - `ferrisdb-stress` ([`stress`]): random batches from several threads,
//!   checked against an expected state that survives the process, and crash
//!   tests by `SIGKILL`; see [reliability][reliability].
//!
//! [operations]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/operations.md
//! [format-wal]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/format/wal.md
//! [format-sstable]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/format/sstable.md
//! [performance]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/performance.md
//! [tuning]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/tuning.md
//! [reliability]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/reliability.md

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod bench;
pub mod cli;
pub mod render;
pub mod sstable_dump;
pub mod stress;
pub mod wal_reader;
