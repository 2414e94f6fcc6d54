//! Standard output that notices its reader going away: `ferrisdb scan |
//! head -3` ends quietly once `head` has its lines, instead of failing with
//! "Broken pipe" (Rust ignores `SIGPIPE`, so the write fails instead of
//! killing the process, as it would a C program).

use std::io::{self, ErrorKind, Write};

/// A writer that remembers whether a write failed because its reader
/// closed the pipe.
#[derive(Debug)]
pub struct WatchedOutput<W> {
    inner: W,
    reader_gone: bool,
}

impl<W: Write> WatchedOutput<W> {
    /// Writes to `inner`.
    pub fn new(inner: W) -> WatchedOutput<W> {
        WatchedOutput {
            inner,
            reader_gone: false,
        }
    }

    /// Whether a write failed because nothing reads the output any more:
    /// a command that failed so has nothing left to say.
    pub fn reader_gone(&self) -> bool {
        self.reader_gone
    }

    fn watch<T>(&mut self, result: io::Result<T>) -> io::Result<T> {
        if result
            .as_ref()
            .is_err_and(|e| e.kind() == ErrorKind::BrokenPipe)
        {
            self.reader_gone = true;
        }
        result
    }
}

impl<W: Write> Write for WatchedOutput<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = self.inner.write(buf);
        self.watch(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.inner.flush();
        self.watch(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pipe whose reader is gone after `room` bytes.
    struct Closing {
        room: usize,
    }

    impl Write for Closing {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(ErrorKind::BrokenPipe.into());
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_is_noticed_and_other_errors_are_not() {
        let mut out = WatchedOutput::new(Closing { room: 4 });
        writeln!(out, "abc").unwrap();
        assert!(!out.reader_gone());
        assert!(writeln!(out, "def").is_err());
        assert!(out.reader_gone());

        let mut room = [0u8; 2];
        let mut full = WatchedOutput::new(&mut room[..]);
        assert!(writeln!(full, "abc").is_err());
        assert!(!full.reader_gone());
    }
}
