//! How far a long operation over a whole database has come, told to a
//! callback as it goes: what a progress bar draws (`ferrisdb verify` and
//! `ferrisdb repair` draw one on a terminal).
//!
//! The unit is bytes of the database's files read, the work that takes the
//! time: [`verify`](crate::StorageEngine::verify_with_progress) reads every
//! live table and log once; [`repair`](crate::StorageEngine::repair_with_progress)
//! reads every table twice (its survey, then its merge) and every log once.

/// How far an operation has come: `done` of `total` bytes read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Progress {
    /// Bytes read so far.
    pub done: u64,
    /// Bytes to read in all, as far as the operation knows yet: it grows
    /// when the operation finds more to read (verify lists the logs after
    /// reading the tables), and `done` never passes it.
    pub total: u64,
}

/// Adds up an operation's [`Progress`] and tells each step to a callback.
pub(crate) struct Tracker<'a> {
    progress: Progress,
    tell: &'a mut dyn FnMut(Progress),
}

impl std::fmt::Debug for Tracker<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracker")
            .field("progress", &self.progress)
            .finish_non_exhaustive()
    }
}

impl<'a> Tracker<'a> {
    /// A tracker telling `tell`.
    pub(crate) fn new(tell: &'a mut dyn FnMut(Progress)) -> Self {
        Tracker {
            progress: Progress::default(),
            tell,
        }
    }

    /// `bytes` more to read.
    pub(crate) fn expect(&mut self, bytes: u64) {
        self.progress.total = self.progress.total.saturating_add(bytes);
        (self.tell)(self.progress);
    }

    /// `bytes` more read. A file that grew since it was expected (the log
    /// being written) counts up to the total, no further.
    pub(crate) fn read(&mut self, bytes: u64) {
        let done = self.progress.done.saturating_add(bytes);
        self.progress.done = done.min(self.progress.total);
        (self.tell)(self.progress);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn done_grows_to_the_total_and_no_further() {
        let mut seen = Vec::new();
        let mut tell = |p: Progress| seen.push((p.done, p.total));
        let mut tracker = Tracker::new(&mut tell);
        tracker.expect(100);
        tracker.read(60);
        tracker.expect(10);
        tracker.read(70);
        assert_eq!(seen, [(0, 100), (60, 100), (60, 110), (110, 110)]);
    }
}
