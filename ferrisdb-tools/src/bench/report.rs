//! Result lines in `db_bench`'s exact shape, so one parser reads both tools:
//!
//! ```text
//! fillseq      :       1.234 micros/op 810372 ops/sec;   89.7 MB/s
//! ```

use std::time::Duration;

use super::histogram::Histogram;

/// What one benchmark measured, over all its threads.
#[derive(Debug, Clone)]
pub struct BenchResult {
    /// The benchmark's name, as given in `--benchmarks`.
    pub name: String,
    /// Operations done by all threads.
    pub ops: u64,
    /// Bytes of keys and values moved; 0 prints no MB/s.
    pub bytes: u64,
    /// Wall-clock time from the first thread's start to the last one's end.
    pub elapsed: Duration,
    /// The threads' times added up; micros/op is this over `ops`, as in
    /// RocksDB's `db_bench`, so with N threads it is each operation's
    /// latency, not the wall-clock time per operation. Equals `elapsed` with
    /// one thread.
    pub thread_time: Duration,
    /// A note after the rate, such as `(99 of 100 found)`.
    pub message: String,
    /// Per-operation latencies, with `--histogram`.
    pub histogram: Option<Histogram>,
}

impl BenchResult {
    /// Operations per second; 0 when nothing was timed.
    pub fn ops_per_sec(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.ops as f64 / seconds
        } else {
            0.0
        }
    }

    /// The `db_bench` result line, without a newline.
    pub fn line(&self) -> String {
        format_line_threads(
            &self.name,
            self.elapsed,
            self.thread_time,
            self.ops,
            self.bytes,
            &self.message,
        )
    }
}

/// Formats a result as `db_bench` does: the name padded to 12, ` : `,
/// micros/op with 3 decimals in 11 characters, integer ops/sec, `;`, then
/// MB/s (MiB, 1 decimal, in 6 characters) when `bytes` is not 0, then the
/// message.
pub fn format_line(name: &str, elapsed: Duration, ops: u64, bytes: u64, message: &str) -> String {
    format_line_threads(name, elapsed, elapsed, ops, bytes, message)
}

/// [`format_line`] for several threads: ops/sec and MB/s over the
/// wall-clock `elapsed`, micros/op over the summed `thread_time`, as
/// RocksDB's `db_bench` computes them.
pub fn format_line_threads(
    name: &str,
    elapsed: Duration,
    thread_time: Duration,
    ops: u64,
    bytes: u64,
    message: &str,
) -> String {
    let seconds = elapsed.as_secs_f64();
    let ops_f = ops.max(1) as f64;
    let micros_per_op = thread_time.as_secs_f64() * 1e6 / ops_f;
    let ops_per_sec = if seconds > 0.0 {
        (ops as f64 / seconds) as u64
    } else {
        0
    };
    let mut extra = String::new();
    if bytes > 0 && seconds > 0.0 {
        extra.push_str(&format!(
            " {:6.1} MB/s",
            bytes as f64 / 1_048_576.0 / seconds
        ));
    }
    if !message.is_empty() {
        extra.push(' ');
        extra.push_str(message);
    }
    format!("{name:<12} : {micros_per_op:11.3} micros/op {ops_per_sec} ops/sec;{extra}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_db_bench_lines() {
        // 810,372 ops in 1 s is 1.234 micros/op; 89.7 MiB/s of 116-byte ops.
        let line = format_line(
            "fillseq",
            Duration::from_secs(1),
            810_372,
            89.7f64.mul_add(1_048_576.0, 0.0) as u64,
            "",
        );
        assert_eq!(
            line,
            "fillseq      :       1.234 micros/op 810372 ops/sec;   89.7 MB/s"
        );
    }

    #[test]
    fn messages_follow_and_zero_bytes_print_no_rate() {
        let line = format_line(
            "readmissing",
            Duration::from_millis(500),
            1000,
            0,
            "(0 of 1000 found)",
        );
        assert_eq!(
            line,
            "readmissing  :     500.000 micros/op 2000 ops/sec; (0 of 1000 found)"
        );
        let line = format_line(
            "readrandom",
            Duration::from_secs(2),
            4,
            2 << 20,
            "(4 of 4 found)",
        );
        assert_eq!(
            line,
            "readrandom   :  500000.000 micros/op 2 ops/sec;    1.0 MB/s (4 of 4 found)"
        );
    }

    #[test]
    fn with_threads_micros_per_op_is_the_latency() {
        // 8 threads, each busy for 1 s, 8000 ops in 1 s of wall clock.
        let line = format_line_threads(
            "fillsync",
            Duration::from_secs(1),
            Duration::from_secs(8),
            8000,
            0,
            "",
        );
        assert_eq!(line, "fillsync     :    1000.000 micros/op 8000 ops/sec;");
    }

    #[test]
    fn long_names_are_not_cut_and_zero_time_is_safe() {
        let line = format_line("readwhilewriting", Duration::ZERO, 0, 10, "");
        assert_eq!(line, "readwhilewriting :       0.000 micros/op 0 ops/sec;");
        let result = BenchResult {
            name: "x".into(),
            ops: 10,
            bytes: 0,
            elapsed: Duration::from_secs(2),
            thread_time: Duration::from_secs(2),
            message: String::new(),
            histogram: None,
        };
        assert_eq!(result.ops_per_sec(), 5.0);
        assert!(result.line().starts_with("x            :"));
    }
}
