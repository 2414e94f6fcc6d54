//! [`MemoryLimit`]: a memory cgroup that caps a child process's memory,
//! page cache included, so a database larger than the limit is read from
//! the device and not from a page cache as large as the machine's RAM.
//!
//! Both cgroup versions charge the page cache a process fills to its
//! cgroup and reclaim it when the cgroup reaches its limit; anonymous
//! memory beyond the limit gets the process killed by the OOM killer. The
//! cgroup is created at the root of the memory hierarchy (it needs root),
//! so its limit is absolute: the child leaves the caller's own memory
//! cgroup while it is in this one.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Where cgroup v2 (unified) is mounted when it is the only hierarchy.
const V2_ROOT: &str = "/sys/fs/cgroup";
/// Where cgroup v1's memory controller is mounted.
const V1_ROOT: &str = "/sys/fs/cgroup/memory";

/// A memory cgroup with a limit; processes added to it (and their
/// children) share the limit. Dropping it removes the cgroup, which only
/// works once its processes have exited: wait for them first.
#[derive(Debug)]
pub struct MemoryLimit {
    dir: PathBuf,
    bytes: u64,
    v2: bool,
}

impl MemoryLimit {
    /// Creates the memory cgroup `name` (a single path component, unique
    /// to the caller) limited to `bytes`, with swap forbidden where the
    /// kernel accounts it, on cgroup v2 if it is the only hierarchy, else
    /// on v1's memory controller. A stale empty cgroup of the same name,
    /// left by a killed run, is replaced. The error says why the limit
    /// cannot be set and what to do.
    pub fn create(name: &str, bytes: u64) -> Result<MemoryLimit, String> {
        if name.is_empty() || name.contains('/') || name == "." || name == ".." {
            return Err(format!("cgroup name '{name}' must be one path component"));
        }
        let v2 = Path::new(V2_ROOT).join("cgroup.controllers").exists();
        if v2 {
            let controllers = fs::read_to_string(Path::new(V2_ROOT).join("cgroup.controllers"))
                .map_err(|e| explain(e, "reading cgroup.controllers", V2_ROOT))?;
            if !controllers.split_whitespace().any(|c| c == "memory") {
                return Err(format!(
                    "cgroup v2 at {V2_ROOT} has no memory controller (cgroup.controllers: \
                     '{}'): boot with it enabled, or run without a memory limit",
                    controllers.trim()
                ));
            }
            let subtree = Path::new(V2_ROOT).join("cgroup.subtree_control");
            let enabled = fs::read_to_string(&subtree).unwrap_or_default();
            if !enabled.split_whitespace().any(|c| c == "memory") {
                fs::write(&subtree, "+memory").map_err(|e| {
                    explain(e, "enabling +memory in", &subtree.display().to_string())
                })?;
            }
        } else if !Path::new(V1_ROOT).join("memory.limit_in_bytes").exists() {
            return Err(format!(
                "no memory cgroup: neither cgroup v2 ({V2_ROOT}/cgroup.controllers) nor v1's \
                 memory controller ({V1_ROOT}) is mounted; mount one (in a container: run it \
                 with cgroup access) or run without a memory limit"
            ));
        }
        let root = if v2 { V2_ROOT } else { V1_ROOT };
        let dir = Path::new(root).join(name);
        if dir.exists() {
            fs::remove_dir(&dir).map_err(|e| {
                format!(
                    "{} exists and cannot be removed ({e}): a process of an earlier run may \
                     still be in it; kill it or pick another name",
                    dir.display()
                )
            })?;
        }
        fs::create_dir(&dir).map_err(|e| explain(e, "creating", &dir.display().to_string()))?;
        let limit = MemoryLimit { dir, bytes, v2 };
        // From here on, dropping `limit` removes the directory again.
        if v2 {
            limit.write("memory.max", &bytes.to_string())?;
            if limit.dir.join("memory.swap.max").exists() {
                limit.write("memory.swap.max", "0")?;
            }
        } else {
            limit.write("memory.limit_in_bytes", &bytes.to_string())?;
            // Memory plus swap: the same limit forbids swapping. The file
            // exists only where the kernel accounts swap.
            if limit.dir.join("memory.memsw.limit_in_bytes").exists() {
                limit.write("memory.memsw.limit_in_bytes", &bytes.to_string())?;
            }
        }
        Ok(limit)
    }

    /// Moves process `pid` into the cgroup; the children it starts after
    /// this are in it too.
    pub fn add_process(&self, pid: u32) -> Result<(), String> {
        self.write("cgroup.procs", &pid.to_string())
    }

    /// The limit, in bytes.
    pub fn limit_bytes(&self) -> u64 {
        self.bytes
    }

    /// The cgroup's peak memory use, page cache included, in bytes: v1's
    /// `memory.max_usage_in_bytes`, v2's `memory.peak` (Linux 5.19+);
    /// `None` where the kernel does not keep it.
    pub fn peak_bytes(&self) -> Option<u64> {
        let file = if self.v2 {
            "memory.peak"
        } else {
            "memory.max_usage_in_bytes"
        };
        fs::read_to_string(self.dir.join(file))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// The cgroup version in use: `"v1"` or `"v2"`.
    pub fn kind(&self) -> &'static str {
        if self.v2 {
            "v2"
        } else {
            "v1"
        }
    }

    /// The cgroup's directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes `value` to the cgroup's control file `file`.
    fn write(&self, file: &str, value: &str) -> Result<(), String> {
        let path = self.dir.join(file);
        fs::write(&path, value).map_err(|e| {
            explain(
                e,
                &format!("writing '{value}' to"),
                &path.display().to_string(),
            )
        })
    }
}

impl Drop for MemoryLimit {
    fn drop(&mut self) {
        // Fails while a process is still in the cgroup; the cgroup then
        // stays, empty of charges once that process exits, and the next
        // `create` of the same name removes it.
        let _ = fs::remove_dir(&self.dir);
    }
}

/// Why `action` on `path` failed, in words, with what to do.
fn explain(error: io::Error, action: &str, path: &str) -> String {
    let why = match error.raw_os_error() {
        Some(libc::EACCES) | Some(libc::EPERM) => {
            "permission denied: memory limits need root (run the suite as root, e.g. with \
             sudo) or a delegated cgroup"
        }
        Some(libc::EROFS) => {
            "the cgroup filesystem is read-only, as in an unprivileged container: run the \
             container with --privileged or a writable cgroup mount"
        }
        Some(libc::ENOENT) => "the memory controller's files are missing: is it mounted?",
        Some(libc::EBUSY) => {
            "the kernel refuses while processes sit in the parent cgroup (cgroup v2's \
             no-internal-process rule): run in a cgroup that delegates memory"
        }
        Some(libc::EINVAL) => "the kernel rejects the value (a limit below current use?)",
        _ => "",
    };
    if why.is_empty() {
        format!("cannot set a memory limit: {action} {path}: {error}")
    } else {
        format!("cannot set a memory limit: {action} {path}: {why} ({error})")
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::process::{Command, Stdio};

    use super::*;

    /// A limit for this test, or `None` (printing why) where this machine
    /// cannot set one, so machines without cgroups pass.
    fn limit_or_skip(test: &str, bytes: u64) -> Option<MemoryLimit> {
        let name = format!("ferrisdb-test-{}-{test}", std::process::id());
        match MemoryLimit::create(&name, bytes) {
            Ok(limit) => Some(limit),
            Err(why) => {
                eprintln!("skipping {test}: {why}");
                None
            }
        }
    }

    /// `sh -c script` waiting on its stdin, so it is in the cgroup before
    /// it does anything: the script starts with `read go`.
    fn spawn_waiting(script: &str) -> std::process::Child {
        Command::new("sh")
            .args(["-c", script])
            .stdin(Stdio::piped())
            .spawn()
            .expect("sh runs")
    }

    #[test]
    fn a_limit_is_set_and_holds_a_process() {
        let Some(limit) = limit_or_skip("readback", 64 << 20) else {
            return;
        };
        let dir = limit.path().to_path_buf();
        let file = match limit.kind() {
            "v1" => "memory.limit_in_bytes",
            _ => "memory.max",
        };
        let set = fs::read_to_string(dir.join(file)).unwrap();
        assert_eq!(set.trim(), (64u64 << 20).to_string());
        assert_eq!(limit.limit_bytes(), 64 << 20);

        let mut child = spawn_waiting("read go");
        limit.add_process(child.id()).unwrap();
        let procs = fs::read_to_string(dir.join("cgroup.procs")).unwrap();
        assert!(
            procs.lines().any(|p| p == child.id().to_string()),
            "{procs}"
        );
        let own = fs::read_to_string(format!("/proc/{}/cgroup", child.id())).unwrap();
        assert!(
            own.contains(dir.file_name().unwrap().to_str().unwrap()),
            "{own}"
        );
        child.stdin.take().unwrap().write_all(b"go\n").unwrap();
        assert!(child.wait().unwrap().success());

        assert!(limit.add_process(u32::MAX).is_err());
        drop(limit);
        assert!(!dir.exists(), "{} is left behind", dir.display());
    }

    #[test]
    fn a_process_over_the_limit_is_stopped() {
        // dd's 200 MiB block is one buffer it fills from /dev/zero.
        let script = "read go; exec dd if=/dev/zero of=/dev/null bs=200M count=1 2>/dev/null";
        let Some(limit) = limit_or_skip("oom", 32 << 20) else {
            return;
        };
        // Without the limit the same command succeeds.
        let mut free = spawn_waiting(script);
        free.stdin.take().unwrap().write_all(b"go\n").unwrap();
        assert!(
            free.wait().unwrap().success(),
            "dd fails even without a limit"
        );

        let mut child = spawn_waiting(script);
        limit.add_process(child.id()).unwrap();
        child.stdin.take().unwrap().write_all(b"go\n").unwrap();
        let status = child.wait().unwrap();
        assert!(!status.success(), "200 MiB fit in 32 MiB: {status}");
        if let Some(peak) = limit.peak_bytes() {
            assert!(peak <= 32 << 20, "peak {peak} over the limit");
            assert!(peak > 1 << 20, "peak {peak}: the child used nothing?");
        }
    }
}
