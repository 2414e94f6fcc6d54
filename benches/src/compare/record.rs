//! One measured cell of one run ([`Record`]): what a child process prints as
//! one JSON line, what the raw CSV holds one row of, and what the report
//! summarises.

use serde::{Deserialize, Serialize};

/// The figures of one workload (a cell), from one run of one engine in one
/// profile at one scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// `small` (in RAM) or `large` (larger than the memory limit), or `ab`.
    pub scale: String,
    /// Engine name (`ferrisdb`, `fjall`, `rocksdb`; in an A/B check, `a`
    /// or `b`).
    pub engine: String,
    /// Engine version.
    pub version: String,
    /// `defaults` or `equal`.
    pub profile: String,
    /// Run number, from 1.
    pub run: u32,
    /// Position of this process in the interleaved order of the whole
    /// suite, from 1.
    pub slot: u32,
    /// Workload name, with its thread count where it has several
    /// (`readrandom/4t`, `fillsync/16t`, `seekrandom/10`, `ycsb-a`).
    pub workload: String,
    /// Client threads.
    pub threads: u32,
    /// Operations done.
    pub ops: u64,
    /// Wall-clock seconds of the operations.
    pub secs: f64,
    /// Operations per second (`ops / secs`).
    pub ops_per_sec: f64,
    /// Latency percentiles and maximum, in microseconds.
    pub p50_us: f64,
    /// 99th percentile latency, microseconds.
    pub p99_us: f64,
    /// 99.9th percentile latency, microseconds.
    pub p999_us: f64,
    /// Largest latency, microseconds.
    pub max_us: f64,
    /// Process CPU seconds (user + system, every thread) from the start of
    /// the workload to the end of its settle, per operation, in
    /// microseconds.
    pub cpu_us_per_op: f64,
    /// Peak resident memory of the process during the workload, bytes.
    pub peak_rss_bytes: u64,
    /// Bytes the process sent to the storage device during the workload and
    /// its settle (`write_bytes` of `/proc/self/io`) per byte of keys and
    /// values written by the workload; 0 for read-only workloads.
    pub device_write_amp: f64,
    /// Bytes of the database directory after the workload settled, per
    /// byte of live keys and values; 0 where not measured.
    pub space_amp: f64,
    /// Seconds from the end of a write workload until its flushes and
    /// compactions finished; 0 for read workloads.
    pub settle_secs: f64,
    /// Seconds writers spent in writes that took 1 ms or more (stalls and
    /// slowdowns, as a user sees them); 0 for read workloads.
    pub stall_secs: f64,
    /// Operations completed in each second of the workload.
    pub timeline: Vec<u64>,
    /// A remark such as `863000 of 1000000 found`; may be empty.
    pub note: String,
}

impl Record {
    /// The CSV header of [`Record::csv_row`].
    pub const CSV_HEADER: &'static str = "scale,engine,version,profile,run,slot,workload,threads,ops,secs,ops_per_sec,p50_us,p99_us,p999_us,max_us,cpu_us_per_op,peak_rss_bytes,device_write_amp,space_amp,settle_secs,stall_secs,note";

    /// The record as one CSV row (the timeline goes to its own file).
    pub fn csv_row(&self) -> String {
        format!(
            "{},{},{},{},{},{},{},{},{},{:.6},{:.1},{:.2},{:.2},{:.2},{:.2},{:.3},{},{:.3},{:.3},{:.3},{:.3},\"{}\"",
            self.scale,
            self.engine,
            self.version,
            self.profile,
            self.run,
            self.slot,
            self.workload,
            self.threads,
            self.ops,
            self.secs,
            self.ops_per_sec,
            self.p50_us,
            self.p99_us,
            self.p999_us,
            self.max_us,
            self.cpu_us_per_op,
            self.peak_rss_bytes,
            self.device_write_amp,
            self.space_amp,
            self.settle_secs,
            self.stall_secs,
            self.note.replace('"', "'")
        )
    }
}
