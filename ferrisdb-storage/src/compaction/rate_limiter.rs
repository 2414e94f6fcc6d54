//! A token bucket that caps how fast compaction writes.
//!
//! Compaction competes with foreground writes for the disk. With
//! `compaction_rate_limit` set, the worker asks the limiter before writing
//! each chunk of output; the limiter refills at the configured rate and makes
//! the caller sleep when the bucket is empty. Bursts of up to a tenth of a
//! second's worth pass at once, so short compactions are not slowed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The longest nap of a waiting caller between two looks at its stop flag:
/// how long a close may wait for a rate-limited compaction to notice it.
const STOP_CHECK_INTERVAL: Duration = Duration::from_millis(10);

/// Caps a byte rate shared by every thread that calls [`request`].
///
/// [`request`]: RateLimiter::request
#[derive(Debug)]
pub(crate) struct RateLimiter {
    bytes_per_second: u64,
    bucket: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    /// Bytes that may be written now; negative while callers sleep off debt.
    available: f64,
    refilled_at: Instant,
}

impl RateLimiter {
    /// A limiter allowing `bytes_per_second`.
    ///
    /// REQUIRES: `bytes_per_second > 0`.
    pub(crate) fn new(bytes_per_second: u64) -> Self {
        debug_assert!(bytes_per_second > 0);
        RateLimiter {
            bytes_per_second,
            bucket: Mutex::new(Bucket {
                available: 0.0,
                refilled_at: Instant::now(),
            }),
        }
    }

    fn burst(&self) -> f64 {
        self.bytes_per_second as f64 / 10.0
    }

    /// Takes `bytes` from the bucket, sleeping as long as the rate demands,
    /// or until `stop` is set (the debt then stays for the next caller, if
    /// any).
    pub(crate) fn request(&self, bytes: u64, stop: &AtomicBool) {
        let wait = {
            let mut bucket = self.bucket.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let elapsed = now.duration_since(bucket.refilled_at).as_secs_f64();
            bucket.available =
                (bucket.available + elapsed * self.bytes_per_second as f64).min(self.burst());
            bucket.refilled_at = now;
            bucket.available -= bytes as f64;
            // The debt is paid by sleeping; later callers queue behind it.
            (bucket.available < 0.0)
                .then(|| Duration::from_secs_f64(-bucket.available / self.bytes_per_second as f64))
        };
        let Some(wait) = wait else { return };
        let until = Instant::now() + wait;
        // Relaxed: `stop` only cuts the nap short; nothing is read through it.
        while !stop.load(Ordering::Relaxed) {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            std::thread::sleep(left.min(STOP_CHECK_INTERVAL));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debt_turns_into_proportional_sleep() {
        // Asking for two seconds' worth at once must take about two seconds
        // minus the burst; checked without timing by inspecting the debt.
        let limiter = RateLimiter::new(1_000);
        {
            let mut bucket = limiter.bucket.lock().unwrap();
            bucket.available = 0.0;
        }
        limiter.request(10, &AtomicBool::new(false));
        let debt = -limiter.bucket.lock().unwrap().available;
        assert!(
            (9.0..=10.0).contains(&debt),
            "debt {debt} after taking 10 bytes from an empty bucket"
        );
    }

    #[test]
    fn a_set_stop_flag_ends_the_wait() {
        // A thousand seconds of debt at one byte per second: without the
        // flag this would sleep for all of it.
        let limiter = RateLimiter::new(1);
        limiter.request(1_000, &AtomicBool::new(true));
        assert!(-limiter.bucket.lock().unwrap().available >= 999.0);
    }

    #[test]
    fn refill_is_capped_at_the_burst() {
        let limiter = RateLimiter::new(1_000);
        {
            let mut bucket = limiter.bucket.lock().unwrap();
            bucket.refilled_at = Instant::now() - Duration::from_secs(60);
        }
        limiter.request(0, &AtomicBool::new(false));
        let available = limiter.bucket.lock().unwrap().available;
        assert!(
            available <= limiter.burst() + 1e-9,
            "{available} exceeds the burst"
        );
        assert!(available > 0.0);
    }
}
