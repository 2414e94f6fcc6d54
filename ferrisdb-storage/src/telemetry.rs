//! Counters and latency histograms through the [`metrics`] crate's facade,
//! behind the `metrics` feature; without it every function here is empty and
//! inlined away, so the engine pays nothing.
//!
//! The application installs a recorder (Prometheus, StatsD, ...) and sees:
//!
//! | name | kind | what |
//! |---|---|---|
//! | `ferrisdb_writes_total` | counter | batches written (`put`, `delete` and `write` each count one) |
//! | `ferrisdb_write_bytes_total` | counter | bytes of the batches written, as encoded: keys, values and about two bytes of framing per entry |
//! | `ferrisdb_write_seconds` | histogram | time of a write, from the call to its acknowledgement |
//! | `ferrisdb_gets_total` | counter | point reads, labelled `found` = `true` or `false` |
//! | `ferrisdb_get_seconds` | histogram | time of a point read |
//! | `ferrisdb_scans_total` | counter | scans opened (`iter`, `scan`, `scan_prefix`) |
//! | `ferrisdb_flushes_total` | counter | MemTables flushed to tables |
//! | `ferrisdb_flush_bytes_total` | counter | bytes of the tables flushes wrote |
//! | `ferrisdb_compactions_total` | counter | compactions finished |
//! | `ferrisdb_compaction_bytes_total` | counter | bytes of the tables compactions wrote |
//! | `ferrisdb_write_stall_seconds` | histogram | time a write waited for background work |
//!
//! [`metrics`]: https://docs.rs/metrics

use std::time::Duration;

/// When an operation started, if anyone measures it: empty without the
/// `metrics` feature.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Start {
    #[cfg(feature = "metrics")]
    at: std::time::Instant,
}

/// The start of an operation to be timed.
#[inline(always)]
pub(crate) fn start() -> Start {
    Start {
        #[cfg(feature = "metrics")]
        at: std::time::Instant::now(),
    }
}

/// A write of `bytes` bytes, started at `started`, was acknowledged.
#[inline(always)]
pub(crate) fn write_done(started: Start, bytes: usize) {
    #[cfg(feature = "metrics")]
    {
        metrics::counter!("ferrisdb_writes_total").increment(1);
        metrics::counter!("ferrisdb_write_bytes_total").increment(bytes as u64);
        metrics::histogram!("ferrisdb_write_seconds").record(started.at.elapsed().as_secs_f64());
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (started, bytes);
}

/// A point read started at `started` finished, finding the key or not.
#[inline(always)]
pub(crate) fn get_done(started: Start, found: bool) {
    #[cfg(feature = "metrics")]
    {
        let found = if found { "true" } else { "false" };
        metrics::counter!("ferrisdb_gets_total", "found" => found).increment(1);
        metrics::histogram!("ferrisdb_get_seconds").record(started.at.elapsed().as_secs_f64());
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (started, found);
}

/// A scan was opened.
#[inline(always)]
pub(crate) fn scan_opened() {
    #[cfg(feature = "metrics")]
    metrics::counter!("ferrisdb_scans_total").increment(1);
}

/// A flush wrote a table of `bytes` bytes.
#[inline(always)]
pub(crate) fn flushed(bytes: u64) {
    #[cfg(feature = "metrics")]
    {
        metrics::counter!("ferrisdb_flushes_total").increment(1);
        metrics::counter!("ferrisdb_flush_bytes_total").increment(bytes);
    }
    #[cfg(not(feature = "metrics"))]
    let _ = bytes;
}

/// A compaction finished, having written `bytes` bytes of tables.
#[inline(always)]
pub(crate) fn compacted(bytes: u64) {
    #[cfg(feature = "metrics")]
    {
        metrics::counter!("ferrisdb_compactions_total").increment(1);
        metrics::counter!("ferrisdb_compaction_bytes_total").increment(bytes);
    }
    #[cfg(not(feature = "metrics"))]
    let _ = bytes;
}

/// A write waited `waited` for background work (a stall or a slowdown).
#[inline(always)]
pub(crate) fn stalled(waited: Duration) {
    #[cfg(feature = "metrics")]
    metrics::histogram!("ferrisdb_write_stall_seconds").record(waited.as_secs_f64());
    #[cfg(not(feature = "metrics"))]
    let _ = waited;
}
