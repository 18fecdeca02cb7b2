//! One run at a time per output root: `<out>/.zhaoshang.lock` holds the writer's pid. A lock
//! left by a process that no longer exists (killed, crashed) is taken over.

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("Another zhaoshang run (pid {pid}) is writing to `{}`; wait for it to finish or stop it (the lock is `{}`)", out.display(), lock.display())]
    Held {
        pid: u32,
        out: PathBuf,
        lock: PathBuf,
    },
    #[error("Failed to create the lock `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Held while the run writes; removed on drop.
#[derive(Debug)]
pub struct OutputLock {
    path: PathBuf,
}

fn alive(pid: u32) -> bool {
    // Linux: a live process has /proc/<pid>. Elsewhere assume alive (never steal a lock).
    if Path::new("/proc/self").exists() {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}

impl OutputLock {
    pub fn acquire(out: &Path) -> Result<OutputLock, LockError> {
        let path = out.join(".zhaoshang.lock");
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        fs_err::create_dir_all(out).map_err(io)?;
        for _ in 0..3 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    write!(f, "{}", std::process::id()).map_err(io)?;
                    return Ok(OutputLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|s| s.trim().parse::<u32>().ok());
                    match holder {
                        Some(pid) if alive(pid) && pid != std::process::id() => {
                            return Err(LockError::Held {
                                pid,
                                out: out.to_path_buf(),
                                lock: path,
                            });
                        }
                        // Stale (dead holder) or unreadable: take it over.
                        _ => {
                            let _ = std::fs::remove_file(&path);
                        }
                    }
                }
                Err(e) => return Err(io(e)),
            }
        }
        Err(io(std::io::Error::other("the lock kept reappearing")))
    }
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_holder_blocks_and_a_dead_one_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let lock = OutputLock::acquire(dir.path()).unwrap();
        // pid 1 is always alive on Linux.
        std::fs::write(dir.path().join(".zhaoshang.lock"), "1").unwrap();
        let err = OutputLock::acquire(dir.path()).unwrap_err();
        assert!(err.to_string().contains("pid 1"), "{err}");
        // A pid that cannot exist.
        std::fs::write(dir.path().join(".zhaoshang.lock"), "4194305").unwrap();
        let again = OutputLock::acquire(dir.path()).unwrap();
        drop(again);
        assert!(!dir.path().join(".zhaoshang.lock").exists());
        drop(lock);
    }
}
