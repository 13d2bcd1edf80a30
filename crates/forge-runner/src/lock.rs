//! One runner per loop: an exclusive `flock` on `<data_dir>/run/<loop-id>.lock`, held for the
//! runner's whole life. Liveness is "the lock is held", never "the pid exists".

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::{AsFd, FromRawFd, OwnedFd, RawFd};

use rustix::fs::{FlockOperation, flock};

use crate::RunnerError;
use crate::paths::RunnerPaths;

/// A held runner lock.
#[derive(Debug)]
pub struct LoopLock {
    file: File,
}

impl LoopLock {
    /// Tries to take the lock; `Ok(None)` when another process holds it.
    pub fn try_acquire(paths: &RunnerPaths, loop_id: &str) -> Result<Option<Self>, RunnerError> {
        let path = paths.lock_path(loop_id);
        let file = forge_process::lockfile::try_lock_exclusive(&path)
            .map_err(|e| RunnerError::io(&path, e))?;
        Ok(file.map(|file| Self { file }))
    }

    /// Adopts a lock inherited from the spawning CLI as file descriptor `fd`, verifying it is
    /// held (taking it again on the same open file description succeeds only for its holder).
    pub fn adopt(fd: RawFd) -> Result<Self, RunnerError> {
        // SAFETY: the spawning CLI passed us this descriptor number explicitly (`--lock-fd`);
        // we take ownership of it exactly once, here.
        #[allow(unsafe_code)]
        let owned = unsafe { OwnedFd::from_raw_fd(fd) };
        let file = File::from(owned);
        flock(file.as_fd(), FlockOperation::NonBlockingLockExclusive)
            .map_err(|e| RunnerError::Lock(format!("inherited lock fd {fd} is not usable: {e}")))?;
        rustix::io::fcntl_setfd(file.as_fd(), rustix::io::FdFlags::CLOEXEC)
            .map_err(|e| RunnerError::Lock(format!("could not mark lock fd close-on-exec: {e}")))?;
        Ok(Self { file })
    }

    /// Records the holder's pid (and the loop's name) in the lock file: `forge kill` reads them
    /// to end a runner that does not answer, or every runner when the database is unreadable,
    /// so a failure to write them is an error.
    pub fn write_owner(&mut self, pid: u32, loop_name: Option<&str>) -> Result<(), RunnerError> {
        let fail = |e: std::io::Error| {
            RunnerError::Lock(format!(
                "could not record the runner pid in its lock file: {e}"
            ))
        };
        self.file.set_len(0).map_err(fail)?;
        self.file.seek(SeekFrom::Start(0)).map_err(fail)?;
        let name = loop_name.unwrap_or_default().replace('\n', " ");
        write!(self.file, "{pid}\n{name}\n").map_err(fail)
    }

    /// The descriptor, for handing to a spawned runner.
    pub(crate) fn file(&self) -> &File {
        &self.file
    }
}

/// Whether a runner currently holds the loop's lock.
pub fn runner_alive(paths: &RunnerPaths, loop_id: &str) -> bool {
    let path = paths.lock_path(loop_id);
    let Ok(file) = std::fs::OpenOptions::new().read(true).open(&path) else {
        return false;
    };
    match flock(file.as_fd(), FlockOperation::NonBlockingLockShared) {
        Ok(()) => false,
        Err(rustix::io::Errno::WOULDBLOCK) => true,
        Err(_) => false,
    }
}

/// The pid written by the lock holder, if readable.
pub fn lock_holder_pid(paths: &RunnerPaths, loop_id: &str) -> Option<i32> {
    lock_owner(paths, loop_id).map(|(pid, _)| pid)
}

/// The pid and loop name written by the lock holder, if readable.
fn lock_owner(paths: &RunnerPaths, loop_id: &str) -> Option<(i32, String)> {
    let mut text = String::new();
    std::fs::File::open(paths.lock_path(loop_id))
        .ok()?
        .read_to_string(&mut text)
        .ok()?;
    let mut lines = text.lines();
    let pid = lines.next()?.trim().parse().ok()?;
    Some((pid, lines.next().unwrap_or_default().trim().to_string()))
}

/// A runner found by its lock file alone (the database is not needed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldLock {
    pub loop_id: String,
    pub loop_name: String,
    pub pid: i32,
}

/// The loop ids of every lock file in `<data_dir>/run/` (held or not).
pub fn lock_file_ids(paths: &RunnerPaths) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(paths.run_dir()) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".lock")
                .map(str::to_string)
        })
        .collect()
}

/// Every runner holding its loop's lock, read from `<data_dir>/run/` only.
pub fn held_locks(paths: &RunnerPaths) -> Vec<HeldLock> {
    lock_file_ids(paths)
        .into_iter()
        .filter(|id| runner_alive(paths, id))
        .filter_map(|loop_id| {
            let (pid, loop_name) = lock_owner(paths, &loop_id)?;
            Some(HeldLock {
                loop_id,
                loop_name,
                pid,
            })
        })
        .collect()
}
