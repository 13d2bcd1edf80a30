//! Starting the dispatcher when hooks exist and it is not running, cheaply enough for every
//! runner iteration: one `stat` when no hook exists, one `flock` probe when the dispatcher runs.

use std::fs::File;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use forge_process::JobSpec;
use rustix::fs::{FlockOperation, flock};

/// Where the dispatcher keeps its files, and how to start it.
#[derive(Debug, Clone)]
pub struct HookPaths {
    pub data_dir: PathBuf,
    pub db_path: PathBuf,
    pub busy_timeout_ms: u64,
    /// The `--config` file to pass on.
    pub config_path: Option<PathBuf>,
}

impl HookPaths {
    /// `<data_dir>/run/hooks.lock`: held by the dispatcher for its whole life.
    pub fn lock_path(&self) -> PathBuf {
        self.data_dir.join("run").join("hooks.lock")
    }

    /// `<data_dir>/run/hooks.on`: present while hooks may exist, so that processes recording
    /// events find out with one `stat` that there is nothing to start.
    pub fn marker_path(&self) -> PathBuf {
        self.data_dir.join("run").join("hooks.on")
    }
}

/// Creates (`on`) or removes the marker that says hooks exist.
pub fn set_marker(paths: &HookPaths, on: bool) -> std::io::Result<()> {
    let marker = paths.marker_path();
    if on {
        if let Some(dir) = marker.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&marker, b"")
    } else {
        match std::fs::remove_file(&marker) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// Opens the lock file.
pub(crate) fn open_lock(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

/// Takes the dispatcher lock if nobody holds it.
pub(crate) fn try_lock(path: &Path) -> std::io::Result<Option<File>> {
    let file = open_lock(path)?;
    match flock(file.as_fd(), FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(Some(file)),
        Err(rustix::io::Errno::WOULDBLOCK) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Starts `forge hook dispatch` (the running executable, detached) when hooks exist and no
/// dispatcher runs. Failures are logged, never returned: delivery must not break a loop, and
/// the next event's recorder tries again.
pub fn ensure_dispatcher(paths: &HookPaths) {
    if !paths.marker_path().exists() {
        return;
    }
    match try_lock(&paths.lock_path()) {
        Ok(Some(probe)) => drop(probe),
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(error = %e, "cannot probe the hook dispatcher lock");
            return;
        }
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            tracing::warn!(error = %e, "cannot find the forge executable to start the hook dispatcher");
            return;
        }
    };
    let mut spec = JobSpec::new(&exe);
    if let Some(config) = &paths.config_path {
        spec = spec.arg("--config").arg(config);
    }
    match spec.args(["hook", "dispatch"]).spawn_detached() {
        Ok(pid) => tracing::info!(pid, "started the hook dispatcher"),
        Err(e) => {
            tracing::warn!(error = %e, exe = %exe.display(), "cannot start the hook dispatcher")
        }
    }
}
