//! Explicit flushes and checkpoints.

use std::path::Path;

use super::{lock, Inner};
use crate::filename::table_file_name;
use crate::manifest::{self, ClosedLog};
use crate::wal;
use crate::{Error, Result};

impl Inner {
    /// Writes a consistent copy of the database into `target`.
    ///
    /// Writers are held off and the set of tables is frozen while the copy is
    /// made: tables are hard-linked (they never change), the logs still needed
    /// are copied, and the copy's directory is synced so their names are
    /// durable; only then is a manifest for the copy written, durably. A crash
    /// midway leaves a directory without a manifest, which `open` refuses
    /// (with a corruption error naming the missing manifest, deleting
    /// nothing) if it holds any table or log, and never one whose manifest
    /// lists a file the crash lost.
    pub(crate) fn checkpoint(&self, target: &Path) -> Result<()> {
        let log = self.wal("checkpoint")?;
        let fs = self.fs.as_ref();
        if fs.exists(target)? && !fs.list(target)?.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "checkpoint directory {} is not empty; give a new or empty directory",
                target.display()
            )));
        }
        crate::fs::create_dir_all_durable(fs, target)?;
        // Held until the copy is made: no write goes to the log meanwhile.
        let _write = lock(&self.write);
        // The copy of the log must include writes still buffered in the
        // process (SyncMode::None). A failed flush of the log stops the
        // engine, as a failed write of the log does.
        log.flush()
            .inspect_err(|error| self.stop_after_failed_log(error, "write"))?;
        // Where the live log's records end: its file goes on past them
        // with the zeros a sync preallocated, which the copy leaves out.
        let live_end = log.end();
        // Held until the copy's manifest is written: no flush or compaction
        // changes the set of tables meanwhile.
        let guard = self.versions.manifest();
        let mut manifest_state = guard.clone();
        for (_, table) in manifest_state.all_tables() {
            let name = table_file_name(table.file_number);
            fs.hard_link(&self.dir.join(&name), &target.join(&name))?;
        }
        for (number, path) in wal::wal_files(fs, &self.dir)? {
            if number >= manifest_state.log_number {
                let mut bytes;
                if number == live_end.file_number {
                    bytes = read_prefix(fs, &path, live_end.offset)?;
                    // The copy is synced whole: seal it, and record its
                    // length, as a clean close does, so damage in the copy
                    // is corruption, never a torn tail. (Older logs were
                    // sealed, and cut to their seal, when the log rotated.)
                    let len = bytes.len() as u64;
                    bytes.extend_from_slice(&wal::framed_seal(number, len));
                    manifest_state.closed_log = Some(ClosedLog {
                        number,
                        length: bytes.len() as u64,
                    });
                } else {
                    bytes = fs.read_all(&path)?;
                }
                let name = path.file_name().map(ToOwned::to_owned).unwrap_or_default();
                let mut copy = fs.create(&target.join(name))?;
                copy.append(&bytes)?;
                copy.sync()?;
            }
        }
        fs.sync_dir(target)?;
        manifest_state.next_file_number = self.versions.next_file_number();
        manifest::store(fs, target, &manifest_state)?;
        drop(guard);
        Ok(())
    }
}

/// The first `len` bytes of the file at `path`.
fn read_prefix(fs: &dyn crate::fs::FileSystem, path: &Path, len: u64) -> Result<Vec<u8>> {
    let size = usize::try_from(len)
        .map_err(|_| Error::InvalidArgument(format!("{} is too large to copy", path.display())))?;
    let mut bytes = vec![0; size];
    fs.open(path)?.read_exact_at(0, &mut bytes)?;
    Ok(bytes)
}
