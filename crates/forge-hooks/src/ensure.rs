//! Starting the dispatcher when hooks exist and it is not running, cheaply enough for every
//! runner iteration: one `stat` when no hook exists, one `flock` probe when the dispatcher runs.

use std::path::PathBuf;

use forge_process::JobSpec;
use forge_process::lockfile::try_lock_exclusive;

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
    /// `<data_dir>/hooks/dispatcher.lock`: held by the dispatcher for its whole life (outside
    /// `run/`, whose `*.lock` files are the runners' of loops).
    pub fn lock_path(&self) -> PathBuf {
        self.data_dir.join("hooks").join("dispatcher.lock")
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

/// Starts `forge hook dispatch` (the running executable, detached) when hooks exist and no
/// dispatcher runs. Failures are logged, never returned: delivery must not break a loop, and
/// the next event's recorder tries again.
pub fn ensure_dispatcher(paths: &HookPaths) {
    if !paths.marker_path().exists() {
        return;
    }
    match try_lock_exclusive(&paths.lock_path()) {
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
