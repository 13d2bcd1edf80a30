//! Exclusive `flock`s on lock files: one runner per loop, one hook dispatcher per user. A held
//! lock is the liveness signal (the kernel drops it when its holder dies), never a pid.

use std::fs::File;
use std::os::fd::AsFd;
use std::path::Path;

use rustix::fs::{FlockOperation, flock};

/// Opens (creating it and its directory) the lock file at `path` and takes its exclusive lock;
/// `Ok(None)` when another process holds it.
pub fn try_lock_exclusive(path: &Path) -> std::io::Result<Option<File>> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    match flock(file.as_fd(), FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(Some(file)),
        Err(rustix::io::Errno::WOULDBLOCK) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
