//! The writer's state behind its lock (the current file, the buffer of
//! framed records, how far the log is synced, the first I/O failure), and
//! the I/O done while holding the lock: flushing the buffer, rotating to a
//! new file, creating a file.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::MutexGuard;
use std::time::Duration;

use ferrisdb_core::{Error, Result};

use super::{WalPosition, WalWriter};
use crate::filename::{wal_file_name, wal_temp_file_name};
use crate::fs::WritableFile;
use crate::wal::files::WalHeader;
use crate::wal::format::FILE_HEADER_SIZE;
use crate::wal::payload;

#[derive(Debug)]
pub(super) struct State {
    pub(super) file_number: u64,
    /// `None` while a thread writes or syncs it outside the lock.
    pub(super) file: Option<Box<dyn WritableFile>>,
    pub(super) path: PathBuf,
    /// Framed records of the current file not yet handed to the OS.
    pub(super) buffer: Vec<u8>,
    /// Length of the current file with the buffer: where the next record goes.
    pub(super) len: u64,
    /// Every record ending at or before this position is durable.
    pub(super) synced: WalPosition,
    /// A thread is writing or syncing the file outside the lock.
    pub(super) io_busy: bool,
    /// Records appended since the last sync took the buffer.
    pub(super) buffered_records: u64,
    /// Records the last sync covered: its group size.
    pub(super) last_group: u64,
    /// How long the last write-and-sync took.
    pub(super) last_sync: Duration,
    /// A sync leader waits for the writers of the last group to append.
    pub(super) gathering: bool,
    pub(super) failed: Option<Failure>,
    pub(super) closed: bool,
    pub(super) bytes_written: u64,
    /// The file still has its temporary name (`WalWriter::create_unnamed`).
    pub(super) unnamed: bool,
    /// The size a sync last gave the current file to preallocate room past
    /// its records (0 before the first), or tried to: appends up to it
    /// overwrite zeros, so syncing them commits no new size, and the file
    /// is at most this long past its records.
    pub(super) allocated: u64,
}

/// The first I/O failure, kept to refuse later writes.
#[derive(Debug, Clone)]
pub(super) struct Failure {
    path: PathBuf,
    kind: io::ErrorKind,
    message: String,
}

impl Failure {
    pub(super) fn from_error(err: &Error, path: &Path) -> Self {
        match err {
            Error::Io { path, source } => Failure {
                path: path.clone(),
                kind: source.kind(),
                message: err.to_string(),
            },
            other => Failure {
                path: path.to_path_buf(),
                kind: io::ErrorKind::Other,
                message: other.to_string(),
            },
        }
    }

    fn to_error(&self) -> Error {
        Error::io(
            &self.path,
            io::Error::new(
                self.kind,
                format!(
                    "the WAL writer stopped after an earlier failure ({}); it acknowledges \
                     no more writes: reopen the database to recover from the log",
                    self.message
                ),
            ),
        )
    }
}

impl WalWriter {
    pub(super) fn lock(&self) -> Result<MutexGuard<'_, State>> {
        // A panic while holding the lock may have left the state half-updated.
        self.state.lock().map_err(|_| Error::Closed)
    }

    pub(super) fn lock_after_io(&self) -> Result<MutexGuard<'_, State>> {
        self.lock()
    }

    pub(super) fn wait<'a>(&self, st: MutexGuard<'a, State>) -> Result<MutexGuard<'a, State>> {
        self.io_done.wait(st).map_err(|_| Error::Closed)
    }

    /// Waits until no thread does I/O outside the lock.
    fn wait_idle<'a>(&self, mut st: MutexGuard<'a, State>) -> Result<MutexGuard<'a, State>> {
        while st.io_busy {
            st = self.wait(st)?;
        }
        Ok(st)
    }

    /// Writes the buffer to the OS, holding the lock.
    pub(super) fn flush_locked<'a>(
        &self,
        st: MutexGuard<'a, State>,
    ) -> Result<MutexGuard<'a, State>> {
        let mut st = self.wait_idle(st)?;
        st.check_usable()?;
        if st.buffer.is_empty() {
            return Ok(st);
        }
        let State { file, buffer, .. } = &mut *st;
        let result = match file.as_mut() {
            Some(file) => append_all(&mut **file, buffer),
            None => Err(Error::Closed),
        };
        buffer.clear();
        st.record(result)?;
        Ok(st)
    }

    /// Flushes and syncs the current file, holding the lock; every record
    /// appended so far is then durable. With `trim`, the room preallocated
    /// past the records is cut off first, so that the same sync makes the
    /// file's final length durable.
    fn sync_locked<'a>(
        &self,
        st: MutexGuard<'a, State>,
        trim: bool,
    ) -> Result<MutexGuard<'a, State>> {
        let mut st = self.flush_locked(st)?;
        let len = st.len;
        let trim = trim && st.allocated > len;
        let result = match st.file.as_mut() {
            Some(file) if trim => file.set_len(len).and_then(|()| file.sync()),
            Some(file) => file.sync(),
            None => Err(Error::Closed),
        };
        st.record(result)?;
        if trim {
            st.allocated = len;
        }
        st.synced = WalPosition {
            file_number: st.file_number,
            offset: st.len,
        };
        Ok(st)
    }

    /// Finishes the current file: syncs it, then appends the seal, whose
    /// durable length is the seal's own offset, cuts off the room
    /// preallocated past it, and syncs again. The seal is written only after
    /// the bytes it vouches for are durable, so a seal that survives a crash
    /// never claims bytes the crash could have lost; the cut shares the
    /// seal's sync, so a finished file ends with its seal, durably, at no
    /// extra sync.
    pub(super) fn seal_locked<'a>(
        &self,
        st: MutexGuard<'a, State>,
    ) -> Result<MutexGuard<'a, State>> {
        let mut st = self.sync_locked(st, false)?;
        let start_len = st.len;
        let seal = payload::framed_seal(st.file_number, start_len);
        st.buffer.extend_from_slice(&seal);
        st.len += seal.len() as u64;
        st.bytes_written += st.len - start_len;
        self.sync_locked(st, true)
    }

    /// Finishes the current file, then starts file `number`.
    pub(super) fn rotate_locked<'a>(
        &self,
        st: MutexGuard<'a, State>,
        number: u64,
    ) -> Result<MutexGuard<'a, State>> {
        debug_assert!(!st.unnamed, "rotated a log before naming it");
        if number <= st.file_number {
            return Err(Error::InvalidArgument(format!(
                "cannot rotate the log from file {} to file {number}: log files are numbered \
                 in the order they are written",
                st.file_number
            )));
        }
        let mut st = self.seal_locked(st)?;
        let created = new_file(&*self.fs, &self.dir, number);
        let (file, path) = match created {
            Ok(created) => created,
            Err(e) => {
                let path = self.dir.join(wal_file_name(number));
                st.failed
                    .get_or_insert_with(|| Failure::from_error(&e, &path));
                return Err(e);
            }
        };
        st.file = Some(file);
        st.path = path;
        st.file_number = number;
        st.len = FILE_HEADER_SIZE as u64;
        st.allocated = 0;
        st.synced = WalPosition {
            file_number: number,
            offset: st.len,
        };
        st.bytes_written += st.len;
        Ok(st)
    }
}

impl State {
    /// The state of a writer of the new file `file_number` (`created`: the
    /// file and its name), with nothing appended after its header.
    pub(super) fn new(
        file_number: u64,
        (file, path): (Box<dyn WritableFile>, PathBuf),
        unnamed: bool,
    ) -> State {
        let start = WalPosition {
            file_number,
            offset: FILE_HEADER_SIZE as u64,
        };
        State {
            file_number,
            file: Some(file),
            path,
            buffer: Vec::new(),
            len: start.offset,
            synced: start,
            io_busy: false,
            buffered_records: 0,
            last_group: 0,
            last_sync: Duration::ZERO,
            gathering: false,
            failed: None,
            closed: false,
            bytes_written: start.offset,
            unnamed,
            allocated: 0,
        }
    }

    /// Where the log ends now: the current file and its length, buffered
    /// records included.
    pub(super) fn end(&self) -> WalPosition {
        WalPosition {
            file_number: self.file_number,
            offset: self.len,
        }
    }

    /// The durable length a record framed now claims: how much of the
    /// current file a completed sync covers (its header at least, synced
    /// when the file was created).
    pub(super) fn durable_len(&self) -> u64 {
        if self.synced.file_number == self.file_number {
            self.synced.offset
        } else {
            FILE_HEADER_SIZE as u64
        }
    }

    pub(super) fn check_usable(&self) -> Result<()> {
        if let Some(failure) = &self.failed {
            return Err(failure.to_error());
        }
        if self.closed {
            return Err(Error::Closed);
        }
        Ok(())
    }

    /// Remembers the first failure of an I/O call.
    fn record(&mut self, result: Result<()>) -> Result<()> {
        if let Err(e) = &result {
            let failure = Failure::from_error(e, &self.path);
            self.failed.get_or_insert(failure);
        }
        result
    }
}

pub(super) fn append_all(file: &mut dyn WritableFile, bytes: &[u8]) -> Result<()> {
    if bytes.is_empty() {
        Ok(())
    } else {
        file.append(bytes)
    }
}

/// Creates WAL file `number` in `dir` with its header, and makes both the
/// header and the file's name durable.
///
/// The header is written and synced under the temporary name
/// `NNNNNN.wal.tmp`, which is then renamed and the directory synced, as
/// tables and the manifest are. A creation reaches the disk on the file
/// system's own schedule, so a file created under its final name could
/// survive a power loss with its name but without its header (zeros, or
/// garbage on a file system that writes metadata before data), a log no
/// recovery mode reads; a rename of a synced file brings its contents along.
/// `open` deletes a leftover `NNNNNN.wal.tmp`, which holds no write.
pub(super) fn new_file(
    fs: &dyn crate::fs::FileSystem,
    dir: &Path,
    number: u64,
) -> Result<(Box<dyn WritableFile>, PathBuf)> {
    let created = unnamed_file(fs, dir, number)?;
    name_file(fs, dir, number)?;
    Ok(created)
}

/// The first half of [`new_file`]: creates WAL file `number` under its
/// temporary name with its header, synced. Returns the file, which
/// reports errors under its final name, and that name.
pub(super) fn unnamed_file(
    fs: &dyn crate::fs::FileSystem,
    dir: &Path,
    number: u64,
) -> Result<(Box<dyn WritableFile>, PathBuf)> {
    let path = dir.join(wal_file_name(number));
    let mut file = fs.create(&dir.join(wal_temp_file_name(number)))?;
    file.append(&WalHeader::new(number).encode())?;
    file.sync()?;
    let file = Renamed {
        file,
        path: path.clone(),
    };
    Ok((Box::new(file), path))
}

/// The second half of [`new_file`]: renames WAL file `number` from its
/// temporary name to its own, durably.
pub(super) fn name_file(fs: &dyn crate::fs::FileSystem, dir: &Path, number: u64) -> Result<()> {
    let path = dir.join(wal_file_name(number));
    fs.rename(&dir.join(wal_temp_file_name(number)), &path)?;
    fs.sync_dir(dir)
}

/// A file created under a temporary name and renamed since: its errors
/// name the file as it is called now.
#[derive(Debug)]
struct Renamed {
    file: Box<dyn WritableFile>,
    path: PathBuf,
}

impl Renamed {
    fn named(&self, result: Result<()>) -> Result<()> {
        result.map_err(|e| match e {
            Error::Io { source, .. } => Error::io(&self.path, source),
            e => e,
        })
    }
}

impl WritableFile for Renamed {
    fn append(&mut self, data: &[u8]) -> Result<()> {
        let result = self.file.append(data);
        self.named(result)
    }

    fn sync(&mut self) -> Result<()> {
        let result = self.file.sync();
        self.named(result)
    }

    fn set_len(&mut self, len: u64) -> Result<()> {
        let result = self.file.set_len(len);
        self.named(result)
    }

    fn len(&self) -> u64 {
        self.file.len()
    }

    fn path(&self) -> &Path {
        &self.path
    }
}
