//! Group commit: threads that need their records durable share one
//! `fdatasync`.
//!
//! A thread that needs a sync and finds none running becomes the *leader*: it
//! takes everything buffered so far (its own record and those of every
//! writer that arrived meanwhile) and writes and syncs it outside the lock,
//! while the others wait on `io_done` and find their records covered. A
//! leader whose last group had several writers first waits briefly for them
//! to append again, so one sync covers them all instead of every other one.

use std::time::{Duration, Instant};

use super::state::{append_all, Failure};
use super::{WalPosition, WalWriter};
use ferrisdb_core::{Error, Result};

/// The longest a sync leader waits for the writers of the last group to
/// append again before it syncs without them.
const MAX_GATHER: Duration = Duration::from_millis(1);

/// The room a sync preallocates past the records it covers, when they reach
/// past the room it had. Each preallocation costs one commit of the file's
/// size (which that sync pays anyway: its records grew the file) and a write
/// of this many zeros, once per this many bytes of log: at 1 MiB, one in
/// thousands of small synced writes. Sealing cuts off what a finished log
/// did not use.
const PREALLOCATION: u64 = 1 << 20;

impl WalWriter {
    /// Returns once every record up to `pos` is on stable storage, syncing if
    /// no other thread's sync covers it. Threads waiting at the same time
    /// share one sync.
    pub fn sync_to(&self, pos: WalPosition) -> Result<()> {
        let mut st = self.lock()?;
        loop {
            if st.synced >= pos {
                return Ok(());
            }
            st.check_usable()?;
            let end = WalPosition {
                file_number: st.file_number,
                offset: st.len,
            };
            if pos > end {
                return Err(Error::InvalidArgument(format!(
                    "cannot sync to {pos:?}: the log ends at {end:?}"
                )));
            }
            if st.io_busy {
                st = self.wait(st)?;
                continue;
            }
            // Lead: write everything buffered so far and sync it, outside the
            // lock so other threads keep appending meanwhile.
            st.io_busy = true;
            if st.last_group > 1 {
                // The writers the last sync released are likely about to
                // append again: wait until as many records are buffered as
                // the last group had, for at most half the last sync's time,
                // so this sync covers them too instead of leaving them for
                // the next one. A lone writer (groups of one) never waits.
                let deadline = Instant::now() + (st.last_sync / 2).min(MAX_GATHER);
                st.gathering = true;
                while st.buffered_records < st.last_group {
                    let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                        break;
                    };
                    st = match self.appended.wait_timeout(st, left) {
                        Ok((guard, _)) => guard,
                        Err(_) => return Err(Error::Closed),
                    };
                }
                st.gathering = false;
            }
            let end = WalPosition {
                file_number: st.file_number,
                offset: st.len,
            };
            let Some(mut file) = st.file.take() else {
                st.io_busy = false;
                self.io_done.notify_all();
                return Err(Error::Closed);
            };
            // Records that reach past the room preallocated grow the file,
            // so this sync commits a new size anyway: it preallocates the
            // next room too, and the syncs of the records written into it
            // commit no size.
            let preallocate = (end.offset > st.allocated).then(|| end.offset + PREALLOCATION);
            let buffer = std::mem::take(&mut st.buffer);
            st.last_group = std::mem::take(&mut st.buffered_records);
            let path = st.path.clone();
            drop(st);
            let started = Instant::now();
            let result = append_all(&mut *file, &buffer).and_then(|()| {
                if let Some(size) = preallocate {
                    // The room only spares later syncs a commit of the
                    // file's size: a disk that lacks it (ENOSPC) may still
                    // hold the records, so this sync goes on without it, as
                    // RocksDB does when its `fallocate` fails.
                    if let Err(error) = file.set_len(size) {
                        tracing::warn!(%error, "syncing the log without preallocating room");
                    }
                }
                file.sync()
            });
            st = self.lock_after_io()?;
            st.last_sync = started.elapsed();
            st.file = Some(file);
            st.io_busy = false;
            if st.buffer.is_empty() {
                // Keep the allocation for the next group.
                st.buffer = buffer;
                st.buffer.clear();
            }
            self.io_done.notify_all();
            match result {
                Ok(()) => {
                    st.synced = st.synced.max(end);
                    // Counted as made even when it failed, so a disk short
                    // of room is asked again only once the records pass
                    // `size` (once per megabyte of log), not at every sync.
                    // The file may then hold zeros up to `size`, which
                    // sealing cuts off.
                    st.allocated = st.allocated.max(preallocate.unwrap_or(0));
                }
                Err(e) => {
                    st.failed
                        .get_or_insert_with(|| Failure::from_error(&e, &path));
                    return Err(e);
                }
            }
        }
    }
}
