//! The files repair writes (the repaired tables and the new log), removed
//! however the repair stops short of storing the manifest that lists them:
//! an error, or a panic unwinding through it (a progress callback's).
//!
//! Left behind, they would be read by the next repair without a manifest as
//! the database's own tables, and they are not: they hold the newest
//! version of only the keys the merge had reached, none of the deletes it
//! applied, and timestamps up to the newest write of the logs, so that
//! repair would skip the logs' older writes, deletes included, and bring
//! back what those deletes hid.

use std::path::PathBuf;

use crate::fs::FileSystem;

/// The paths of the files repair has written, removed on drop unless
/// [`kept`](Written::keep).
pub(super) struct Written<'a> {
    fs: &'a dyn FileSystem,
    /// Each file written, in order.
    pub(super) paths: Vec<PathBuf>,
    kept: bool,
}

impl<'a> Written<'a> {
    /// None yet, in `fs`.
    pub(super) fn new(fs: &'a dyn FileSystem) -> Self {
        Written {
            fs,
            paths: Vec::new(),
            kept: false,
        }
    }

    /// The manifest listing them is in place: they are the database's.
    pub(super) fn keep(&mut self) {
        self.kept = true;
    }
}

impl Drop for Written<'_> {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        for path in &self.paths {
            // Ours, and listed by no manifest: nothing of the database. A
            // failed removal leaves a file the next repair reads as an
            // unlisted table, as before this guard; nothing to do here.
            let _ = self.fs.remove(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::fs::FaultFileSystem;

    #[test]
    fn removed_unless_kept_even_by_a_panic() {
        let fs = FaultFileSystem::new();
        fs.create_dir_all(Path::new("/d")).unwrap();
        for name in ["/d/1", "/d/2", "/d/3"] {
            drop(fs.create(Path::new(name)).unwrap());
        }
        let mut kept = Written::new(&fs);
        kept.paths.push("/d/1".into());
        kept.keep();
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut written = Written::new(&fs);
            written.paths.push("/d/2".into());
            panic!("a progress callback's panic");
        }));
        assert!(unwound.is_err());
        drop(Written::new(&fs));
        let mut names = fs.list(Path::new("/d")).unwrap();
        names.sort();
        assert_eq!(names, ["1", "3"]);
    }
}
